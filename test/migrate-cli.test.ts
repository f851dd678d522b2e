import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSize } from '../src/cli/commands/migrate.js';
import { runCliCaptured as cli } from '../src/cli/test-support.js';

/** The migrate and jobs commands in-process over local directories: exit codes, validation, output. */
describe('lakeshift migrate / jobs (CLI)', () => {
  let dir: string;
  let src: string;
  let state: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'lakeshift-cli-'));
    src = join(dir, 'src');
    state = join(dir, 'state');
    mkdirSync(join(src, 'a', 'b'), { recursive: true });
    mkdirSync(join(src, 'empty'));
    writeFileSync(join(src, 'a', 'b', 'x.txt'), 'hello');
    writeFileSync(join(src, 'a', 'y.bin'), Buffer.alloc(70_000, 7));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));


  it('refuses bad input with exit 2 before anything is written', async () => {
    const dest = join(dir, 'never');
    const bad = [
      ['--include', 'a/[b'],
      ['--map', 'nodest'],
      ['--block-size', 'huge'],
      ['--identity-map', join(dir, 'missing.csv')],
      ['--preserve', 'acl,colour'],
      ['--every', 'soon'],
    ];
    writeFileSync(join(dir, 'bad-map.csv'), 'source,target\nonly-one-column\n');
    bad.push(['--identity-map', join(dir, 'bad-map.csv')]);
    for (const extra of bad) {
      const r = await cli(['migrate', src, dest, '--state-dir', join(dir, 'bad-state'), ...extra]);
      expect(r.code, `${extra.join(' ')}: ${r.err}`).toBe(2);
      expect(r.err).toMatch(/lakeshift: /);
    }
    expect(existsSync(dest)).toBe(false);
    expect(existsSync(join(dir, 'bad-state'))).toBe(false);
    expect(parseSize('--block-size', '8MiB')).toBe(8 * 1024 * 1024);
    expect(parseSize('--block-size', '4MB')).toBe(4_000_000);
  });

  it('migrates, prints a JSON summary, and lists, shows, resumes and cleans the job', async () => {
    const dest = join(dir, 'dst');
    const r = await cli(['migrate', src, dest, '--state-dir', state, '--output', 'json', '--block-size', '16KiB']);
    expect(r.code, r.err).toBe(0);
    const summary = JSON.parse(r.out.trim().split('\n').pop() ?? '{}') as { type: string; jobId: string; files: { copied: number }; status: string };
    expect(summary).toMatchObject({ type: 'summary', status: 'completed', files: { copied: 2 } });
    expect(readFileSync(join(dest, 'a', 'b', 'x.txt'), 'utf8')).toBe('hello');
    expect(existsSync(join(dest, 'empty'))).toBe(true);

    const text = await cli(['migrate', src, dest, '--state-dir', state]);
    expect(text.code).toBe(0);
    expect(text.out).toContain(`Job ${summary.jobId} run 2`);
    expect(text.out).toContain('unchanged 2');

    const list = await cli(['jobs', 'list', '--state-dir', state, '--output', 'json']);
    expect((JSON.parse(list.out) as { id: string }[]).map((j) => j.id)).toEqual([summary.jobId]);
    const show = await cli(['jobs', 'show', summary.jobId.slice(0, 6), '--state-dir', state]);
    expect(show.out).toContain('#2 completed');
    const resume = await cli(['jobs', 'resume', summary.jobId, '--state-dir', state, '--output', 'json']);
    expect(resume.code, resume.err).toBe(0);
    expect(resume.out).toContain('"runNo":3');
    const missing = await cli(['jobs', 'show', 'nope', '--state-dir', state]);
    expect(missing.code).toBe(4);
    expect(missing.err).toContain("No job 'nope'");
    const clean = await cli(['jobs', 'clean', '--state-dir', state]);
    expect(clean.out).toContain('Removed 1 job');
  });

  it('dry run writes nothing', async () => {
    const dest = join(dir, 'dry');
    const r = await cli(['migrate', src, dest, '--state-dir', state, '--dry-run']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('would copy 2');
    expect(existsSync(join(dest, 'a'))).toBe(false);
  });
});
