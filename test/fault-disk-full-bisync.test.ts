import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Store } from '../src/core/store.js';
import { startGen1Emulator, type Gen1Emulator } from '../src/emulators/gen1/index.js';
import { startGen2Emulator, type Gen2Emulator } from '../src/emulators/gen2/index.js';
import { runBisync, type BisyncSummary } from '../src/patterns/bisync/index.js';
import { openSqliteJobDb, type JobDb } from '../src/state/db.js';
import { readTree, writeFile } from './bisync/harness.js';
import { openGen1, openGen2 } from './migrate-helpers.js';
import { mountTmpfs, resizeTmpfs, unmountTmpfs } from './tmpfs.js';

/**
 * bisync when the Gen2 emulator's disk fills up: first during the resync, then during a normal run
 * with new files on Gen1. Each time failures are recorded per file with a reason, Gen1 keeps every
 * file (a file that could not reach Gen2 is never taken for one deleted there), what reached Gen2 is
 * whole, and once space is back the next runs converge to equal trees.
 */

const RETRY = { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5 };
const row = (i: number): string => `${String(i).padStart(6, '0')},${'x'.repeat(90)}\n`;
const content = (i: number): string => row(i).repeat(700); // about 67 KB

/** Every file on Gen2 is byte for byte the Gen1 file of the same path (no partial file is visible). */
function expectWholeCopies(gen1: Record<string, string>, gen2: Record<string, string>): void {
  for (const [path, data] of Object.entries(gen2)) {
    expect(path.includes('.lakeshift-tmp-'), path).toBe(false);
    expect(data === gen1[path], `${path} on Gen2 is the whole Gen1 file`).toBe(true);
  }
}

function expectFailuresExplained(run: BisyncSummary): void {
  expect(run.failures.length).toBeGreaterThan(0);
  for (const f of run.failures) expect(f.error.length, f.path).toBeGreaterThan(0);
}

describe('fault storms: bisync with a full disk on Gen2', () => {
  it('records each failure, deletes nothing on Gen1, shows no partial file, and converges once space is back', async () => {
    const root = mkdtempSync(join(tmpdir(), 'lakeshift-diskfull-bisync-'));
    const data = join(root, 'gen2');
    const why = mountTmpfs(data, 1);
    if (why !== undefined) {
      console.log(`[storm] bisync disk-full test skipped: ${why}`);
      rmSync(root, { recursive: true, force: true });
      return;
    }
    const stores: Store[] = [];
    let gen1: Gen1Emulator | undefined;
    let gen2: Gen2Emulator | undefined;
    let jobDb: JobDb | undefined;
    try {
      gen1 = await startGen1Emulator({ location: join(root, 'gen1') });
      gen2 = await startGen2Emulator({ location: data });
      const p1 = openGen1(gen1.url, 'lake');
      const p2 = openGen2(gen2.url, 'pair');
      stores.push(p1, p2);
      await p1.mkdir('');
      await p2.mkdir('');
      for (let i = 0; i < 24; i++) await writeFile(p1, `raw/day${i % 4}/f${i}.csv`, content(i));
      const original = await readTree(p1);
      jobDb = await openSqliteJobDb(join(root, 'state'));
      const options = { path1: p1, path2: p2, jobDb, retry: RETRY, settleMs: 0, concurrency: 4 };

      // 1. The resync meets a full disk: about 1.6 MB of files for 1 MiB.
      const first = await runBisync({ ...options, resync: true });
      console.log(`[storm] bisync disk full (resync): ${first.outcome}, ${first.failures.length} failures, e.g. ${first.failures[0]?.error ?? '-'}`);
      expectFailuresExplained(first);
      expect(await readTree(p1)).toEqual(original);
      expectWholeCopies(original, await readTree(p2));

      resizeTmpfs(data, 64);
      const resynced = [await runBisync({ ...options, resync: true })];
      for (let i = 0; i < 3 && (resynced.at(-1)?.failures.length ?? 0) > 0; i++) resynced.push(await runBisync({ ...options, resync: true }));
      expect(resynced.at(-1)?.failures).toEqual([]);
      expect(await readTree(p2)).toEqual(original);

      // 2. A normal run meets a full disk: new files on Gen1, and Gen2's disk filled by something else.
      for (let i = 24; i < 36; i++) await writeFile(p1, `raw/day${i % 4}/f${i}.csv`, content(i));
      const withNew = await readTree(p1);
      resizeTmpfs(data, 3);
      const filler = join(data, 'filler.bin');
      try {
        writeFileSync(filler, Buffer.alloc(3 * 1024 * 1024));
      } catch {
        // the filesystem is full now: that is the point
      }
      const blocked = await runBisync(options);
      console.log(`[storm] bisync disk full (normal run): ${blocked.outcome}, ${blocked.failures.length} failures`);
      expectFailuresExplained(blocked);
      expect(blocked.conflicts).toEqual([]);
      expect(await readTree(p1), 'Gen1 keeps every file, old and new').toEqual(withNew);
      expectWholeCopies(withNew, await readTree(p2));

      rmSync(filler, { force: true });
      resizeTmpfs(data, 64);
      const runs = [await runBisync(options)];
      for (let i = 0; i < 3 && (runs.at(-1)?.failures.length ?? 0) > 0; i++) runs.push(await runBisync(options));
      expect(runs.at(-1)?.failures).toEqual([]);
      for (const r of runs) expect(r.conflicts, 'no spurious conflict').toEqual([]);
      expect(await readTree(p1)).toEqual(withNew);
      expect(await readTree(p2)).toEqual(withNew);
      const again = await runBisync(options);
      expect(Object.values(again.done).reduce((a, b) => a + b, 0), 'a further run has nothing to do').toBe(0);
    } finally {
      for (const s of stores) await s.close().catch(() => undefined);
      await jobDb?.close();
      await gen1?.close();
      await gen2?.close();
      unmountTmpfs(data);
      rmSync(root, { recursive: true, force: true });
    }
  }, 240_000);
});
