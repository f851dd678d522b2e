import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../src/core/store.js';
import { startGen1Emulator, type Gen1Emulator } from '../src/emulators/gen1/index.js';
import { startGen2Emulator, type Gen2Emulator } from '../src/emulators/gen2/index.js';
import { openSqliteJobDb } from '../src/state/db.js';
import { countItems } from '../src/state/items.js';
import { listJobs } from '../src/state/jobs.js';
import { kill, startCli, waitFor } from './cli-process.js';
import { gen1Uri, gen2Uri, openGen1, openGen2, sdkFilesystem, sdkPaths, sdkRead, storeRead, walkAll } from './migrate-helpers.js';

/**
 * The CLI killed with SIGKILL during the scan, in the middle of a large file and during the ACL
 * phase; each rerun of the same command continues the same job, and the end result is complete:
 * every file correct, none duplicated, none partially visible.
 */

const BIG = 6 * 1024 * 1024;

function bytesFor(seed: string, size: number): Buffer {
  const out = Buffer.alloc(size);
  let block = createHash('sha256').update(seed).digest();
  for (let off = 0; off < size; off += block.length) {
    block.copy(out, off);
    block = createHash('sha256').update(block).digest();
  }
  return out;
}

describe('migrate CLI killed at any moment resumes to a correct result', () => {
  let gen1: Gen1Emulator;
  let gen2: Gen2Emulator;
  let source: Store;
  let dir: string;

  beforeAll(async () => {
    gen1 = await startGen1Emulator({ port: 0, inMemory: true });
    gen2 = await startGen2Emulator({ port: 0, inMemory: true });
    source = openGen1(gen1.url, 'crash');
    await source.mkdir('');
    for (let i = 0; i < 30; i++) {
      const data = bytesFor(`f${i}`, 1000 + i * 37);
      const w = await source.createWriter(`d${i % 3}/sub/f${i}.bin`);
      await w.write(0, data);
      await w.commit({ size: data.length });
    }
    await source.mkdir('empty/dir');
    await source.setOwner('d1', '44444444-4444-4444-4444-444444444444', '55555555-5555-5555-5555-555555555555');
    const big = bytesFor('big', BIG);
    const w = await source.createWriter('big/huge.bin');
    for (let off = 0; off < BIG; off += 1024 * 1024) await w.write(off, big.subarray(off, off + 1024 * 1024));
    await w.commit({ size: BIG });
    dir = mkdtempSync(join(tmpdir(), 'lakeshift-crash-'));
  }, 60_000);

  afterAll(async () => {
    await source?.close();
    await gen1?.close();
    await gen2?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('after SIGKILL during the scan, mid large file and during the ACL phase', async () => {
    const args = ['migrate', gen1Uri(gen1.url, 'crash'), gen2Uri(gen2.url, 'crashfs'), '--state-dir', join(dir, 'state'), '--output', 'json', '--block-size', '256KiB', '--concurrency', '4'];

    // 1. Killed while the scan runs (the transfer phase is held back, so nothing has been copied).
    const scan = startCli(args, { LAKESHIFT_TEST_PAUSE_AT: 'transfer' });
    await waitFor(scan, (r) => r.stderr.includes('paused at transfer'), 'the pause before transfer');
    await kill(scan);

    // 2. Killed in the middle of the large file (bandwidth capped so it takes seconds).
    const mid = startCli([...args, '--cap-mbps', '16']);
    await waitFor(mid, (r) => /"bytesDone":[1-9]\d*/.test(r.stdout) && r.stdout.split('\n').some((l) => {
      const m = /"bytesDone":(\d+)/.exec(l);
      return m !== null && Number(m[1]) > 512 * 1024;
    }), 'bytes of the large file');
    await kill(mid);
    const fs = sdkFilesystem(gen2.url, 'crashfs');
    const afterMid = await sdkPaths(fs).catch(() => new Map<string, { isDirectory: boolean; size: number }>());
    const bigSeen = afterMid.get('big/huge.bin');
    // Never partially visible: either absent or complete.
    if (bigSeen !== undefined) expect(bigSeen.size).toBe(BIG);

    // 3. Killed during the ACL phase.
    const acl = startCli(args, { LAKESHIFT_TEST_PAUSE_AT: 'acl' });
    await waitFor(acl, (r) => r.stderr.includes('paused at acl'), 'the pause before the ACL phase');
    await kill(acl);

    // 4. The same command finishes the job.
    const last = startCli(args);
    const code = await last.exit;
    expect(code, last.stderr).toBe(0);
    const summary = JSON.parse(last.stdout.trim().split('\n').filter((l) => l.includes('"type":"summary"')).pop() ?? '{}') as { jobId: string; runNo: number; status: string };
    expect(summary.status).toBe('completed');
    expect(summary.runNo).toBe(4);

    const jobDb = await openSqliteJobDb(join(dir, 'state'));
    try {
      const jobs = await listJobs(jobDb);
      expect(jobs.map((j) => j.id)).toEqual([summary.jobId]);
      const counts = await countItems(jobDb, summary.jobId);
      expect(counts.filter((c) => c.state === 'failed' || c.state === 'copying' || c.state === 'pending')).toEqual([]);
    } finally {
      await jobDb.close();
    }
    const listed = await sdkPaths(fs);
    const entries = await walkAll(source);
    for (const e of entries) {
      expect(listed.get(e.path)?.isDirectory, e.path).toBe(e.kind === 'directory');
      if (e.kind === 'file') expect((await sdkRead(fs, e.path)).equals(await storeRead(source, e.path)), e.path).toBe(true);
    }
    const temps = [...listed.keys()].filter((p) => p.includes('.lakeshift-tmp-'));
    const dest = openGen2(gen2.url, 'crashfs');
    try {
      // Through the Store contract (what lakeshift and validation see) temp files never appear.
      expect((await walkAll(dest)).filter((e) => e.path.includes('.lakeshift-tmp-'))).toEqual([]);
      // The resumed run removed the temp files of the killed writers: nothing stale stays on the service.
      expect(dest.removeTempFiles).toBeTypeOf('function');
      expect(temps).toEqual([]);
    } finally {
      await dest.close();
    }
    expect(listed.size - temps.length).toBe(entries.length);
    expect((await fs.getDirectoryClient('d1').getAccessControl()).owner).toBe('44444444-4444-4444-4444-444444444444');
  }, 240_000);
});
