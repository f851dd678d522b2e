import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../src/core/store.js';
import { startGen1Emulator, type Gen1Emulator } from '../src/emulators/gen1/index.js';
import { startGen2Emulator, type Gen2Emulator } from '../src/emulators/gen2/index.js';
import { gen1Uri, gen2Uri, openGen1, sdkFilesystem } from './migrate-helpers.js';

/**
 * A large file interrupted by SIGKILL is resumed from the blocks the killed run staged: the rerun
 * writes (Put Block) less than half of the file again. 24 MiB in 1 MiB blocks by default;
 * LAKESHIFT_TEST_RESUME_MIB=1024 runs it with the 1 GiB file of the issue (8 MiB blocks).
 */
const MIB = Number(process.env['LAKESHIFT_TEST_RESUME_MIB'] ?? '24');
const SIZE = MIB * 1024 * 1024;
const BLOCK_MIB = MIB >= 256 ? 8 : 1;
const CHUNKS = Math.ceil(MIB / BLOCK_MIB);
const ROOT = join(import.meta.dirname, '..');

function startCli(args: string[]): { child: ChildProcess; stderr: () => string; exit: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: ROOT, env: { ...process.env, LAKESHIFT_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  return { child, stderr: () => stderr, exit: new Promise((resolve) => child.on('exit', (code) => resolve(code))) };
}

describe(`a large file (${MIB} MiB) killed mid-copy resumes from its staged blocks`, () => {
  let gen1: Gen1Emulator;
  let gen2: Gen2Emulator;
  let source: Store;
  let dir: string;
  let digest: string;

  beforeAll(async () => {
    gen1 = await startGen1Emulator({ port: 0, inMemory: true });
    gen2 = await startGen2Emulator({ port: 0, inMemory: true });
    source = openGen1(gen1.url, 'resume');
    await source.mkdir('');
    const hash = createHash('md5');
    const w = await source.createWriter('big/one.bin');
    const piece = 4 * 1024 * 1024;
    for (let off = 0; off < SIZE; off += piece) {
      const part = Buffer.alloc(Math.min(piece, SIZE - off), off / piece + 1);
      part.write(`offset ${off}`, 0);
      hash.update(part);
      await w.write(off, part);
    }
    await w.commit({ size: SIZE });
    digest = hash.digest('base64');
    dir = mkdtempSync(join(tmpdir(), 'lakeshift-resume-'));
  }, 600_000);

  afterAll(async () => {
    await source?.close();
    await gen1?.close();
    await gen2?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('writes less than half of the file again after SIGKILL past its middle', async () => {
    const args = ['migrate', gen1Uri(gen1.url, 'resume'), gen2Uri(gen2.url, 'resumefs'), '--state-dir', join(dir, 'state'), '--output', 'json', '--block-size', `${BLOCK_MIB}MiB`];
    // 1. Capped so the copy takes ~8 s; killed once more than 60% of the blocks are staged.
    const capMbps = Math.max(1, Math.ceil((SIZE * 8) / 1e6 / 8));
    gen2.resetRequestCounts();
    const first = startCli([...args, '--cap-mbps', String(capMbps)]);
    const started = Date.now();
    while ((gen2.requestCounts()['PutBlock'] ?? 0) < Math.ceil(CHUNKS * 0.6)) {
      if (first.child.exitCode !== null) throw new Error(`the first run exited (${first.child.exitCode}) before it was killed: ${first.stderr().slice(-2000)}`);
      if (Date.now() - started > 300_000) throw new Error('the first run staged too few blocks in 300 s');
      await new Promise((r) => setTimeout(r, 20));
    }
    first.child.kill('SIGKILL');
    await first.exit;
    const stagedBefore = gen2.requestCounts()['PutBlock'] ?? 0;
    expect(gen2.requestCounts()['PutBlockList'] ?? 0).toBe(0);
    const fs = sdkFilesystem(gen2.url, 'resumefs');
    expect(await fs.getFileClient('big/one.bin').exists()).toBe(false);

    // 2. The same command again: only the missing blocks are written.
    gen2.resetRequestCounts();
    const second = startCli(args);
    expect(await second.exit, second.stderr()).toBe(0);
    const rerun = gen2.requestCounts();
    console.info(`[resume] ${MIB} MiB in ${CHUNKS} blocks: ${stagedBefore} Put Block before the kill, ${rerun['PutBlock'] ?? 0} after it (Get Block List ${rerun['GetBlockList'] ?? 0})`);
    expect(rerun['PutBlock'] ?? 0).toBeLessThan(CHUNKS / 2);
    expect(rerun['PutBlockList']).toBe(1);
    const props = await fs.getFileClient('big/one.bin').getProperties();
    expect(props.contentLength).toBe(SIZE);
    const got = createHash('md5');
    const body = (await fs.getFileClient('big/one.bin').read()).readableStreamBody;
    if (body !== undefined) for await (const c of body) got.update(c as Buffer);
    expect(got.digest('base64')).toBe(digest);
  }, 900_000);
});
