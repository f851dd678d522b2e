import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../src/core/store.js';
import { startGen1Emulator, type Gen1Emulator } from '../src/emulators/gen1/index.js';
import { startGen2Emulator, type Gen2Emulator } from '../src/emulators/gen2/index.js';
import { runBisync, type BisyncSummary } from '../src/patterns/bisync/index.js';
import { openSqliteJobDb, type JobDb } from '../src/state/db.js';
import { applyEdit, readTree, writeFile } from './bisync/harness.js';
import { openGen1, openGen2 } from './migrate-helpers.js';

/**
 * bisync through a fault storm on both emulators (503 with and without Retry-After, 500, resets,
 * answers cut after their headers although the request took effect, uploads cut halfway, slow
 * bodies): edits on both sides, runs until one plans nothing, and then both sides hold the same
 * tree with every edit, checked on a quiet restart. Failures may happen; each is recorded and the
 * next run finishes the work, never with a spurious conflict or a lost update.
 */

const RETRY = { maxAttempts: 10, baseDelayMs: 2, maxDelayMs: 20 };

describe('fault storms: bisync', () => {
  let root: string;
  let jobDb: JobDb;
  const stores: Store[] = [];
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'lakeshift-storm-bisync-'));
    jobDb = await openSqliteJobDb(join(root, 'state'));
  });
  afterAll(async () => {
    for (const s of stores) await s.close().catch(() => undefined);
    await jobDb?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('converges with every edit of both sides, no conflict, nothing lost', async () => {
    let gen1: Gen1Emulator | undefined;
    let gen2: Gen2Emulator | undefined;
    try {
      // The starting trees are written on quiet servers; the storm starts with the first run.
      gen1 = await startGen1Emulator({ location: join(root, 'gen1') });
      gen2 = await startGen2Emulator({ location: join(root, 'gen2') });
      // Every restart keeps the ports: the pair is known by its two URIs.
      const ports = { gen1: gen1.port, gen2: gen2.port };
      let p1 = openGen1(gen1.url, 'lake');
      let p2 = openGen2(gen2.url, 'pair');
      await p1.mkdir('');
      await p2.mkdir('');
      for (let i = 0; i < 12; i++) await writeFile(p1, `raw/day${i % 3}/f${i}.csv`, `row ${i}\n`.repeat(50 + i));
      await p1.close();
      await p2.close();
      await gen1.close();
      await gen2.close();

      const storm = { everyNth: 4, kind: 'storm' as const, slowMs: 5 };
      gen1 = await startGen1Emulator({ port: ports.gen1, location: join(root, 'gen1'), faults: storm });
      gen2 = await startGen2Emulator({ port: ports.gen2, location: join(root, 'gen2'), faults: { ...storm, everyNth: 3 } });
      p1 = openGen1(gen1.url, 'lake');
      p2 = openGen2(gen2.url, 'pair');
      stores.push(p1, p2);
      const options = { path1: p1, path2: p2, jobDb, retry: RETRY, settleMs: 0, concurrency: 4 };
      // A run that ends with failures is run again (a resync again as a resync) until one has none.
      const untilQuiet = async (resync: boolean): Promise<BisyncSummary[]> => {
        const runs = [await runBisync({ ...options, resync })];
        for (let i = 0; i < 4 && (runs.at(-1)?.failures.length ?? 0) > 0; i++) runs.push(await runBisync({ ...options, resync }));
        return runs;
      };

      const resync = await untilQuiet(true);
      for (const r of resync) for (const f of r.failures) expect(f.error.length, f.path).toBeGreaterThan(0);
      expect(resync.at(-1)?.failures).toEqual([]);

      // Edits on both sides between runs (made on quiet servers: they are the users' writes, not
      // bisync's): new files, changes, a delete and a rename on each side.
      const quiet = async (edit: (q1: Store, q2: Store) => Promise<void>): Promise<void> => {
        await gen1?.close();
        await gen2?.close();
        const e1 = await startGen1Emulator({ port: ports.gen1, location: join(root, 'gen1') });
        const e2 = await startGen2Emulator({ port: ports.gen2, location: join(root, 'gen2') });
        const q1 = openGen1(e1.url, 'lake');
        const q2 = openGen2(e2.url, 'pair');
        try {
          await edit(q1, q2);
        } finally {
          await q1.close();
          await q2.close();
          await e1.close();
          await e2.close();
        }
      };
      await quiet(async (q1, q2) => {
        const e = { p1: q1, p2: q2 };
        await applyEdit(e, { write: 1, path: 'raw/day0/new-on-gen1.csv', data: 'from gen1\n' });
        await applyEdit(e, { write: 2, path: 'raw/day1/new-on-gen2.csv', data: 'from gen2\n' });
        await applyEdit(e, { write: 1, path: 'raw/day0/f0.csv', data: 'changed on gen1\n' });
        await applyEdit(e, { write: 2, path: 'raw/day1/f1.csv', data: 'changed on gen2\n' });
        await applyEdit(e, { delete: 1, path: 'raw/day2/f2.csv' });
        await applyEdit(e, { delete: 2, path: 'raw/day0/f3.csv' });
        await applyEdit(e, { rename: 1, from: 'raw/day1/f4.csv', to: 'raw/day1/f4-renamed.csv' });
      });
      gen1 = await startGen1Emulator({ port: ports.gen1, location: join(root, 'gen1'), faults: storm });
      gen2 = await startGen2Emulator({ port: ports.gen2, location: join(root, 'gen2'), faults: { ...storm, everyNth: 3 } });
      p1 = openGen1(gen1.url, 'lake');
      p2 = openGen2(gen2.url, 'pair');
      stores.push(p1, p2);
      Object.assign(options, { path1: p1, path2: p2 });
      const runs = await untilQuiet(false);
      for (const r of runs) {
        expect(r.conflicts, 'no spurious conflict').toEqual([]);
        expect(r.outcome === 'ok' || r.outcome === 'failures').toBe(true);
      }
      expect(runs.at(-1)?.failures).toEqual([]);
      const again = await runBisync(options);
      expect(Object.values(again.done).reduce((a, b) => a + b, 0), 'a further run has nothing to do').toBe(0);
      const injected = (e: Gen1Emulator | Gen2Emulator): number => Object.values(e.faultsInjected()).reduce((a, b) => a + b, 0);
      expect(injected(gen1) + injected(gen2), 'faults injected after the edits').toBeGreaterThan(15);

      // Quiet restart: both sides hold the same tree, with every edit.
      await gen1.close();
      await gen2.close();
      gen1 = await startGen1Emulator({ port: ports.gen1, location: join(root, 'gen1') });
      gen2 = await startGen2Emulator({ port: ports.gen2, location: join(root, 'gen2') });
      const q1 = openGen1(gen1.url, 'lake');
      const q2 = openGen2(gen2.url, 'pair');
      stores.push(q1, q2);
      const t1 = await readTree(q1);
      const t2 = await readTree(q2);
      expect(t2).toEqual(t1);
      expect(t1['raw/day0/new-on-gen1.csv']).toBe('from gen1\n');
      expect(t1['raw/day1/new-on-gen2.csv']).toBe('from gen2\n');
      expect(t1['raw/day0/f0.csv']).toBe('changed on gen1\n');
      expect(t1['raw/day1/f1.csv']).toBe('changed on gen2\n');
      expect(t1['raw/day2/f2.csv']).toBeUndefined();
      expect(t1['raw/day0/f3.csv']).toBeUndefined();
      expect(t1['raw/day1/f4.csv']).toBeUndefined();
      expect(t1['raw/day1/f4-renamed.csv']).toBeDefined();
      expect(Object.keys(t1).some((p) => p.includes('.lakeshift-tmp-'))).toBe(false);
    } finally {
      await gen1?.close();
      await gen2?.close();
    }
  }, 240_000);
});
