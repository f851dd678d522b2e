import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../src/core/store.js';
import { startGen1Emulator, type Gen1Emulator } from '../src/emulators/gen1/index.js';
import { startGen2Emulator, type Gen2Emulator } from '../src/emulators/gen2/index.js';
import type { FaultOptions } from '../src/emulators/kit/faults.js';
import { runMigration } from '../src/engine/migrate.js';
import { seedLake } from '../src/seed/index.js';
import { openSqliteJobDb, type JobDb } from '../src/state/db.js';
import { validateStores } from '../src/validate/validate.js';
import { parseLocation, type Gen2Location } from '../src/core/uri.js';
import { createGen2Store } from '../src/stores/gen2/index.js';
import { gen2Uri, openGen1, openGen2, sdkFilesystem, sdkPaths } from './migrate-helpers.js';
import { mountTmpfs, resizeTmpfs, unmountTmpfs } from './tmpfs.js';

/**
 * Fault storms: both emulators answer every Nth request with the next failure of the storm cycle —
 * 503 with and without Retry-After, 500, a connection reset after the headers, a response cut after
 * its headers although the request took effect, a request body cut halfway, a slow body — while
 * migrate and validate run. The result must be exactly what a quiet run gives: zero differences,
 * no temporary or partial file visible, and any failure recorded against its file.
 */

const RETRY = { maxAttempts: 10, baseDelayMs: 2, maxDelayMs: 20 };
const STORMS: [string, FaultOptions, FaultOptions][] = [
  ['storm on both sides', { everyNth: 7, kind: 'storm', slowMs: 5 }, { everyNth: 5, kind: 'storm', slowMs: 5 }],
  ['responses truncated after the headers (the request took effect)', { everyNth: 6, kind: 'truncate' }, { everyNth: 4, kind: 'truncate' }],
  ['request bodies cut halfway, 500 without Retry-After', { everyNth: 5, kind: 'status', status: 500, retryAfterSeconds: null }, { everyNth: 3, kind: 'cut-request' }],
];

describe('fault storms: migrate and validate end exact', () => {
  let root: string;
  let jobDb: JobDb;
  const stores: Store[] = [];

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'lakeshift-storm-'));
    // The source lake is seeded once on a quiet Gen1 emulator; each storm reopens its data folder.
    const quiet = await startGen1Emulator({ location: join(root, 'gen1') });
    const seeder = openGen1(quiet.url, 'lake');
    await seeder.mkdir('');
    await seedLake(seeder, { profile: 'small' });
    await seeder.close();
    await quiet.close();
    jobDb = await openSqliteJobDb(join(root, 'state'));
  }, 120_000);

  afterAll(async () => {
    for (const s of stores) await s.close().catch(() => undefined);
    await jobDb?.close();
    rmSync(root, { recursive: true, force: true });
  });

  STORMS.forEach(([name, gen1Faults, gen2Faults], i) => {
    it(name, async () => {
      const fsName = `storm${i}`;
      let gen1: Gen1Emulator | undefined;
      let gen2: Gen2Emulator | undefined;
      try {
        gen1 = await startGen1Emulator({ location: join(root, 'gen1'), faults: gen1Faults });
        gen2 = await startGen2Emulator({ location: join(root, `gen2-${i}`), faults: gen2Faults });
        const source = openGen1(gen1.url, 'lake');
        const dest = openGen2(gen2.url, fsName);
        stores.push(source, dest);

        const t0 = Date.now();
        let summary = await runMigration({ source, dest, jobDb, blockSize: 64 * 1024, retry: RETRY });
        // A file whose retries ran out must be recorded with its error; the rerun resumes and finishes it.
        for (const f of summary.failures) expect(f.error.length, f.path).toBeGreaterThan(0);
        if (summary.failures.length > 0) summary = await runMigration({ source, dest, jobDb, blockSize: 64 * 1024, retry: RETRY });
        expect(summary.failures).toEqual([]);
        expect(summary.status).toBe('completed');

        console.log(`[storm] ${name}: migrate ${Date.now() - t0} ms`);
        const t1 = Date.now();
        // validate runs through the same storm and must still see the truth.
        const stormy = await validateStores(source, dest, { checksum: true, times: true });
        expect(stormy.differences.slice(0, 5)).toEqual([]);

        console.log(`[storm] ${name}: validate under storm ${Date.now() - t1} ms`);
        const injected = (e: Gen1Emulator | Gen2Emulator): number => Object.values(e.faultsInjected()).reduce((a, b) => a + b, 0);
        console.log(`[storm] ${name}: faults injected gen1 ${JSON.stringify(gen1.faultsInjected())}, gen2 ${JSON.stringify(gen2.faultsInjected())}`);
        expect(injected(gen1) + injected(gen2)).toBeGreaterThan(20);
        // Independent check on a quiet restart of the destination: nothing partial or temporary is visible.
        await gen2.close();
        gen2 = await startGen2Emulator({ location: join(root, `gen2-${i}`) });
        await gen1.close();
        gen1 = await startGen1Emulator({ location: join(root, 'gen1') });
        const listed = await sdkPaths(sdkFilesystem(gen2.url, fsName));
        const leftovers = [...listed.keys()].filter((p) => /(^|\/)\.lakeshift-tmp-/.test(p));
        expect(leftovers).toEqual([]);
        const quietSource = openGen1(gen1.url, 'lake');
        const quietDest = openGen2(gen2.url, fsName);
        stores.push(quietSource, quietDest);
        const report = await validateStores(quietSource, quietDest, { checksum: true, times: true });
        expect(report.differences.slice(0, 5)).toEqual([]);
        expect(report.checked.files).toBeGreaterThan(0);
        expect(report.ok).toBe(true);
      } finally {
        await gen1?.close();
        await gen2?.close();
      }
    }, 180_000);
  });
});

describe('fault storms: the Gen2 emulator\'s disk fills up', () => {
  it('failures are recorded per file, nothing partial is visible, and a rerun after space is freed finishes exact', async () => {
    const root = mkdtempSync(join(tmpdir(), 'lakeshift-diskfull-'));
    const data = join(root, 'gen2');
    const why = mountTmpfs(data, 1);
    if (why !== undefined) {
      console.log(`[storm] disk-full test skipped: ${why}`);
      rmSync(root, { recursive: true, force: true });
      return;
    }
    const stores: Store[] = [];
    let gen1: Gen1Emulator | undefined;
    let gen2: Gen2Emulator | undefined;
    let jobDb: JobDb | undefined;
    try {
      gen1 = await startGen1Emulator({ inMemory: true });
      const source = openGen1(gen1.url, 'lake');
      stores.push(source);
      await source.mkdir('');
      await seedLake(source, { profile: 'small' });
      gen2 = await startGen2Emulator({ location: data });
      // Few retries: a full disk does not clear up by itself, so the first run should give up quickly.
      const dest = createGen2Store(parseLocation(gen2Uri(gen2.url, 'full')) as Gen2Location, { createFilesystem: true, retryDelayMs: 1, maxRetries: 1 });
      stores.push(dest);
      jobDb = await openSqliteJobDb(join(root, 'state'));

      const t0 = Date.now();
      const first = await runMigration({ source, dest, jobDb, blockSize: 64 * 1024, retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5 } });
      console.log(`[storm] disk full: first run ${first.status}, ${first.failures.length} failures, e.g. ${first.failures[0]?.error ?? '-'}`);
      expect(first.failures.length).toBeGreaterThan(0);
      for (const f of first.failures) expect(f.error.length, f.path).toBeGreaterThan(0);
      // What did arrive is complete: every file present has the source's type, size and bytes, and no
      // temporary name is visible. (Owners and ACLs of directories follow once the files are done.)
      const partial = await validateStores(source, dest, { checksum: true, maxDifferences: 100_000 });
      const wrong = partial.differences.filter((d) => d.kind === 'type' || d.kind === 'size' || d.kind === 'checksum' || d.kind === 'extra');
      expect(wrong.slice(0, 5)).toEqual([]);

      console.log(`[storm] disk full: first run and check ${Date.now() - t0} ms`);
      resizeTmpfs(data, 64);
      const second = await runMigration({ source, dest, jobDb, blockSize: 64 * 1024, retry: RETRY });
      expect(second.failures).toEqual([]);
      const report = await validateStores(source, dest, { checksum: true, times: true });
      expect(report.differences.slice(0, 5)).toEqual([]);
      expect(report.ok).toBe(true);
    } finally {
      for (const s of stores) await s.close().catch(() => undefined);
      await jobDb?.close();
      await gen1?.close();
      await gen2?.close();
      unmountTmpfs(data);
      rmSync(root, { recursive: true, force: true });
    }
  }, 180_000);
});
