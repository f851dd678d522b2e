import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shellBlocks, type ShellBlock } from '../../src/guide/blocks.js';
import { emulatorBlock, ensureFreshBundle, makeShim, normalise, outputMatches, runPage } from './doc-runner.js';

// The doc test itself: a broken block, a changed output, a wrong exit status all fail; skips carry a reason.

let scratch = '';
let shimDir = '';
let emulators: ShellBlock;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'lakeshift-guide-runner-'));
  await ensureFreshBundle();
  shimDir = await makeShim(join(scratch, 'bin'));
  emulators = await emulatorBlock();
}, 120_000);

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

async function page(name: string, markdown: string): Promise<string> {
  const file = join(scratch, `${name}.md`);
  await writeFile(file, markdown);
  return file;
}

const fence = '```';

describe('doc runner', () => {
  it('fails a deliberately broken block, names its line, and does not run the blocks after it', async () => {
    const file = await page('broken', [
      '# Broken', '', `${fence}sh`, 'lakeshift validate $GEN1/ $GEN2/nowhere --no-such-flag', fence, '',
      `${fence}sh`, 'touch ran-after', fence, '',
    ].join('\n'));
    const results = await runPage(file, { work: join(scratch, 'broken'), shimDir, emulators });
    expect(results).toHaveLength(1);
    expect(results[0]?.status).toBe('failed');
    expect(results[0]?.line).toBe(3);
    expect(results[0]?.message).toMatch(/exit status 2, expected 0/);
  });

  it('passes a matching output and an expected exit status, skips with the reason, fails a changed output', async () => {
    const file = await page('outputs', [
      `${fence}sh`, 'lakeshift emulator seed $GEN1/ --profile small | head -1', fence, '',
      `${fence}text`, 'Seeded http://127.0.0.1:10001/webhdfs/v1/ with the small profile in 0.4 s:', fence, '',
      `${fence}sh exit=1`, 'echo one; echo two; echo three; exit 1', fence, '',
      `${fence}text`, 'one', '...', fence, '',
      `${fence}sh skip="needs an Azure subscription"`, 'az storage account list', fence, '',
      `${fence}sh`, 'echo "copied 12 files"', fence, '',
      `${fence}text`, 'copied 13 files', fence, '',
    ].join('\n'));
    const results = await runPage(file, { work: join(scratch, 'outputs'), shimDir, emulators });
    expect(results.map((r) => r.status)).toEqual(['passed', 'passed', 'skipped', 'failed']);
    expect(results[2]?.message).toBe('needs an Azure subscription');
    expect(results[3]?.message).toMatch(/no longer matches[\s\S]*copied 13 files[\s\S]*copied 12 files/);
  });

  it('the ... wildcard and the normalisation', () => {
    expect(outputMatches('a\n...\nd', 'a\nb\nc\nd')).toBe(true);
    expect(outputMatches('a\n...\nd', 'a\nb\nc')).toBe(false);
    expect(outputMatches('a\nb', 'a\nb\nc')).toBe(false);
    const ctx = { work: '/tmp/x1', ports: new Map([['10001', '41234']]) };
    expect(normalise('Job j8ed805c9d8a: 1.3 MiB/s in 1.1 s at 2026-12-03T14:13:49.351Z on 127.0.0.1:41234 in /tmp/x1/r  \n\n', ctx))
      .toBe('Job <job>: <rate> in <duration> at <time> on 127.0.0.1:10001 in ~/rehearsal/r');
  });

  it('reads block attributes and refuses unknown ones or a skip without a reason', () => {
    const blocks = shellBlocks(`${fence}sh exit=6 output=all\nx\n${fence}\n${fence}text\ny\n${fence}\n`);
    expect(blocks[0]).toMatchObject({ exit: 6, output: 'all', expected: 'y\n', skip: undefined });
    expect(() => shellBlocks(`${fence}sh retries=3\nx\n${fence}\n`)).toThrow(/unknown shell block attribute "retries"/);
    expect(() => shellBlocks(`${fence}sh skip=""\nx\n${fence}\n`)).toThrow(/skip needs a reason/);
  });
});
