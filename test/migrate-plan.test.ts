import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createMemoryStore, dropMemoryStore } from '../src/stores/memory/index.js';
import type { Store } from '../src/core/store.js';
import { runCliCaptured as cli } from '../src/cli/test-support.js';

const dir = await mkdtemp(join(tmpdir(), 'lakeshift-plan-'));
afterAll(async () => {
  dropMemoryStore('plan-src');
  dropMemoryStore('plan-dst');
  await rm(dir, { recursive: true, force: true });
});

async function put(store: Store, path: string, text: string): Promise<void> {
  const w = await store.createWriter(path, { overwrite: true });
  await w.write(0, Buffer.from(text));
  await w.commit({ size: Buffer.byteLength(text) });
}

async function readText(store: Store, path: string): Promise<string> {
  const chunks: Uint8Array[] = [];
  for await (const c of await store.openRead(path)) chunks.push(c);
  return Buffer.concat(chunks).toString('utf8');
}


describe('lakeshift migrate --plan', () => {
  it('runs the plan that lakeshift plan proposed: every data set lands at its mapped place', async () => {
    const src = createMemoryStore({ kind: 'memory', name: 'plan-src', path: '' });
    await put(src, 'Sales Data/2024/q1.csv', 'q1');
    await put(src, 'raw/events/e1.json', '{"e":1}');
    await put(src, 'top-level.txt', 'top');
    await src.mkdir('raw/empty');
    const planFile = join(dir, 'plan.yaml');
    const planned = await cli(['plan', 'memory://plan-src/', '--out', planFile]);
    expect(planned.code, planned.err).toBe(0);
    const plan = parse(await readFile(planFile, 'utf8')) as { datasets: { name: string; sourcePath: string; target: { filesystem: string; path: string } }[] };
    expect(plan.datasets.length).toBeGreaterThanOrEqual(3);

    const run = await cli(['migrate', '--plan', planFile, 'memory://plan-src/', 'memory://plan-dst/', '--state-dir', join(dir, 'state'), '--output', 'json']);
    expect(run.code, run.err + run.out).toBe(0);
    const dst = createMemoryStore({ kind: 'memory', name: 'plan-dst', path: '' });
    const at = (name: string): string => {
      const d = plan.datasets.find((x) => x.name === name);
      if (d === undefined) throw new Error(`no data set ${name} in ${JSON.stringify(plan.datasets.map((x) => x.name))}`);
      return [d.target.filesystem, d.target.path].filter((p) => p !== '').join('/');
    };
    expect(await readText(dst, `${at('Sales Data')}/2024/q1.csv`)).toBe('q1');
    expect(await readText(dst, `${at('raw')}/events/e1.json`)).toBe('{"e":1}');
    expect((await dst.stat(`${at('raw')}/empty`)).kind).toBe('directory');
    const rootSet = plan.datasets.find((d) => d.sourcePath === '');
    if (rootSet !== undefined) expect(await readText(dst, `${at(rootSet.name)}/top-level.txt`)).toBe('top');
  });

  it('refuses a malformed plan with an error naming the field, exit 2, nothing written', async () => {
    const bad = join(dir, 'bad.yaml');
    const good = parse(await readFile(join(dir, 'plan.yaml'), 'utf8')) as { datasets: { pattern: string }[] };
    const first = good.datasets[0];
    if (first !== undefined) first.pattern = 'teleport';
    const { stringify } = await import('yaml');
    await writeFile(bad, stringify(good));
    const run = await cli(['migrate', '--plan', bad, 'memory://plan-src/', 'memory://plan-dst2/', '--state-dir', join(dir, 'state2')]);
    expect(run.code).toBe(2);
    expect(run.err).toMatch(/datasets\[0\]\.pattern: must be one of lift-and-shift, incremental, dual-pipeline, bidirectional-sync/);
    const dst2 = createMemoryStore({ kind: 'memory', name: 'plan-dst2', path: '' });
    const pages: unknown[] = [];
    for await (const p of dst2.list('', {})) pages.push(...p);
    expect(pages).toEqual([]);
    dropMemoryStore('plan-dst2');
  });

  it('needs SOURCE and DEST without a plan', async () => {
    const run = await cli(['migrate', 'memory://plan-src/']);
    expect(run.code).toBe(2);
    expect(run.err).toMatch(/needs SOURCE and DEST/);
  });
});
