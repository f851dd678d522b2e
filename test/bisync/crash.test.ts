import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/core/store.js';
import { startGen1Emulator, type Gen1Emulator } from '../../src/emulators/gen1/index.js';
import { startGen2Emulator, type Gen2Emulator } from '../../src/emulators/gen2/index.js';
import { runBisync } from '../../src/patterns/bisync/run.js';
import { CRASH_POINTS, type CrashPoint } from '../../src/patterns/bisync/types.js';
import { openSqliteJobDb, type JobDb } from '../../src/state/db.js';
import { gen1Uri, gen2Uri, openGen1, openGen2, sdkFilesystem, sdkPaths } from '../migrate-helpers.js';
import { applyEdit, readTree, writeFile, type Edit, type Tree } from './harness.js';

/**
 * The CLI killed with SIGKILL at each phase of a bisync run (after listing, mid-copy, after the
 * destination commit before the state commit, during deletes), Gen1 emulator <-> Gen2 emulator. The
 * next run converges with no duplicate, no spurious conflict and no --resync; the one after plans nothing.
 */

const ROOT = join(import.meta.dirname, '..', '..');

function runCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: ROOT, env: { ...process.env, ...env, LAKESHIFT_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Edits that give every phase work: copies both ways, one modify, deletes both ways. */
function editsFor(round: number): { edits: Edit[]; apply(t: Tree): Tree } {
  const edits: Edit[] = [
    { write: 1, path: `r${round}/from1.txt`, data: `one ${round}` },
    { write: 2, path: `r${round}/from2.txt`, data: `two ${round}` },
    { write: 1, path: 'shared.txt', data: `shared ${round}`.repeat(round + 1) },
    { delete: 2, path: `gone/a${round}.txt` },
    { delete: 1, path: `gone/b${round}.txt` },
  ];
  return {
    edits,
    apply(t) {
      const out = { ...t, [`r${round}/from1.txt`]: `one ${round}`, [`r${round}/from2.txt`]: `two ${round}`, 'shared.txt': `shared ${round}`.repeat(round + 1) };
      delete out[`gone/a${round}.txt`];
      delete out[`gone/b${round}.txt`];
      return out;
    },
  };
}

describe('bisync CLI killed at each phase converges on the next run', () => {
  let gen1: Gen1Emulator;
  let gen2: Gen2Emulator;
  let p1: Store;
  let p2: Store;
  let dir: string;
  let jobDb: JobDb;
  let expected: Tree = {};

  beforeAll(async () => {
    gen1 = await startGen1Emulator({ port: 0, inMemory: true });
    gen2 = await startGen2Emulator({ port: 0, inMemory: true });
    p1 = openGen1(gen1.url, 'crash');
    p2 = openGen2(gen2.url, 'crashfs');
    await p1.mkdir('');
    await p2.mkdir('');
    for (let i = 0; i < CRASH_POINTS.length; i++) {
      expected[`gone/a${i}.txt`] = `a${i}`;
      expected[`gone/b${i}.txt`] = `b${i}`;
    }
    expected['shared.txt'] = 'shared';
    for (let i = 0; i < 12; i++) expected[`keep/k${i}.txt`] = `keep ${i}`;
    for (const [path, data] of Object.entries(expected)) await writeFile(p1, path, data);
    dir = mkdtempSync(join(tmpdir(), 'lakeshift-bisync-crash-'));
    jobDb = await openSqliteJobDb(join(dir, 'state'));
  }, 60_000);

  afterAll(async () => {
    await jobDb?.close();
    await p1?.close();
    await p2?.close();
    await gen1?.close();
    await gen2?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('after listing, mid-copy, after the commit before the state commit, and during deletes', async () => {
    const args = ['bisync', gen1Uri(gen1.url, 'crash'), gen2Uri(gen2.url, 'crashfs'), '--state-dir', join(dir, 'state'), '--settle', '0s', '--output', 'json', '--max-delete', '100'];
    const resync = await runCli([...args, '--resync'], {});
    expect(resync.code, resync.stderr).toBe(0);
    expect(await readTree(p2)).toEqual(expected);

    for (const [round, point] of CRASH_POINTS.entries()) {
      const e = editsFor(round);
      for (const edit of e.edits) await applyEdit({ p1, p2 }, edit);
      const before = expected;
      expected = e.apply(expected);
      const killed = await runCli(args, { LAKESHIFT_TEST_CRASH_AT: point satisfies CrashPoint });
      expect(killed.signal, `${point}: ${killed.stderr}`).toBe('SIGKILL');
      expect(killed.stderr).toContain(`crashing at ${point}`);
      // Nothing half-visible: outside the writers' hidden temporaries, every file is a complete version.
      const versions = new Set([...Object.values(before), ...Object.values(expected)].map((v) => Buffer.byteLength(v)));
      for (const [name, info] of await sdkPaths(sdkFilesystem(gen2.url, 'crashfs'))) {
        if (info.isDirectory || name.split('/').some((seg) => seg.startsWith('.lakeshift-tmp-'))) continue;
        expect(versions.has(info.size), `${point}: ${name} has ${info.size} bytes, no version has`).toBe(true);
      }

      const next = await runBisync({ path1: p1, path2: p2, jobDb, settleMs: 0, maxDeletePercent: 100 });
      expect(next.outcome, `${point}: ${JSON.stringify(next.failures)}`).toBe('ok');
      expect(next.conflicts, `${point}: spurious conflict`).toEqual([]);
      const t1 = await readTree(p1, true);
      const t2 = await readTree(p2, true);
      expect(t1, `${point}: path1`).toEqual(expected);
      expect(t2, `${point}: path2`).toEqual(expected);
      const again = await runBisync({ path1: p1, path2: p2, jobDb, settleMs: 0 });
      expect(again.planned, `${point}: the run after recovery still had work`).toEqual({});
    }
    // No hidden temporaries left behind on Gen2 either (the SDK lists everything).
    const names = [...(await sdkPaths(sdkFilesystem(gen2.url, 'crashfs'))).keys()];
    expect(names.filter((n) => n.includes('lakeshift-tmp'))).toEqual([]);
  }, 90_000);
});
