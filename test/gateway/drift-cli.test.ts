import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCliCaptured } from '../../src/cli/test-support.js';

/** `lakeshift drift` in-process over local directories: exit codes, JSON, ages kept across runs, repair. */
describe('lakeshift drift (CLI)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lakeshift-drift-cli-'));
  const gen1 = join(dir, 'gen1');
  const gen2 = join(dir, 'gen2');
  const state = ['--state-dir', join(dir, 'state')];
  mkdirSync(join(gen1, 'a'), { recursive: true });
  mkdirSync(gen2, { recursive: true });
  writeFileSync(join(gen1, 'a', 'f.txt'), 'gen1 data');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reports differences with their age, readiness by the settle window, and repairs', async () => {
    const inWindow = await runCliCaptured(['drift', gen1, gen2, ...state, '--output', 'json']);
    expect(inWindow.code, inWindow.err).toBe(0);
    const r1 = JSON.parse(inWindow.out);
    expect(r1.counts).toMatchObject({ differences: 2, settled: 0 });
    expect(r1.differences.map((d: any) => [d.path, d.kind])).toEqual([['a', 'missing'], ['a/f.txt', 'missing']]);
    await new Promise((r) => setTimeout(r, 30));
    const settled = await runCliCaptured(['drift', gen1, gen2, ...state, '--settle', '10ms', '--output', 'json']);
    expect(settled.code).toBe(1);
    const r2 = JSON.parse(settled.out);
    expect(r2.differences[0].firstSeen).toBe(r1.differences[0].firstSeen);
    expect(r2.counts.settled).toBe(2);
    const text = await runCliCaptured(['drift', gen1, gen2, ...state, '--settle', '10ms', '--repair']);
    expect(text.code, text.out + text.err).toBe(0);
    expect(text.out).toContain('ready: yes');
    expect(readFileSync(join(gen2, 'a', 'f.txt'), 'utf8')).toBe('gen1 data');
  });

  it('refuses a bad interval with exit 2 and no stack', async () => {
    const r = await runCliCaptured(['drift', gen1, gen2, ...state, '--settle', 'soon']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--settle');
    expect(r.err).not.toMatch(/at .*\.ts:\d+/);
  });
});
