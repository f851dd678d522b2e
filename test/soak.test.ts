import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runSoak, slopePerRun } from '../bench/lib/soak.js';
import { startGen1Emulator, type Gen1Emulator } from '../src/emulators/gen1/index.js';
import { startGen2Emulator, type Gen2Emulator } from '../src/emulators/gen2/index.js';
import { seedLake } from '../src/seed/index.js';
import { gen1Uri, gen2Uri, openGen1 } from './migrate-helpers.js';

/**
 * The bounded version of bench/soak: `lakeshift migrate --every 1s` for 10 runs with changes between
 * them that keep the lake's size (20 files added, 20 deleted a run). Memory, open descriptors and the
 * job database must stay flat. (bench/soak runs the same for an hour.)
 */

let gen1: Gen1Emulator | undefined;
let gen2: Gen2Emulator | undefined;
let dir: string | undefined;
afterAll(async () => {
  await gen1?.close();
  await gen2?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('soak (bounded): migrate --every', () => {
  it('keeps RSS, open handles and the job database flat over 10 runs of a lake that keeps its size', async () => {
    dir = mkdtempSync(join(tmpdir(), 'lakeshift-soak-'));
    gen1 = await startGen1Emulator({ inMemory: true });
    gen2 = await startGen2Emulator({ inMemory: true });
    const source = openGen1(gen1.url, 'lake');
    await source.mkdir('');
    await seedLake(source, { profile: 'small' });
    const samples = await runSoak({
      source, sourceUri: gen1Uri(gen1.url, 'lake'), destUri: gen2Uri(gen2.url, 'soak'), stateDir: join(dir, 'state'),
      every: '1s', maxRuns: 10, maxMs: 120_000, changesPerRun: 20, steady: true,
      onSample: (s) => console.log(`[soak] run ${s.run}: ${s.status}, copied ${s.copied}, deleted ${s.deleted}, rss ${s.rssMb.toFixed(1)} MB, fds ${s.openFds}, db ${(s.dbBytes / 1024).toFixed(0)} KiB (wal ${(s.walBytes / 1024).toFixed(0)} KiB)`),
    });
    await source.close();
    expect(samples.length).toBe(10);
    expect(samples.every((s) => s.status === 'completed')).toBe(true);
    // The changes made between runs were picked up by the next run: 20 files added (and one rewritten)
    // after every run, and from the third run on the 20 added two runs before deleted.
    expect(samples.slice(1).every((s) => s.copied >= 20)).toBe(true);
    expect(samples.slice(3).every((s) => s.deleted === 20)).toBe(true);
    const settled = samples.slice(3);
    const rssSlope = slopePerRun(settled, (s) => s.rssMb);
    const fds = settled.map((s) => s.openFds);
    const dbSlope = slopePerRun(settled, (s) => s.dbBytes);
    console.log(`[soak] growth per run after warm-up: rss ${rssSlope.toFixed(2)} MB, db ${(dbSlope / 1024).toFixed(1)} KiB; fds ${Math.min(...fds)}-${Math.max(...fds)}`);
    // V8 grows its heap lazily for the first ~25 runs (bench/soak: RSS then levels off, e.g. at ~180 MB
    // with the heap capped at 96 MB), so RSS is bounded in total here rather than per run; a leak of a
    // buffer, client or listener set per run exceeds this bound. bench/soak runs it for an hour.
    const rss = settled.map((s) => s.rssMb);
    expect(Math.max(...rss) - Math.min(...rss)).toBeLessThan(96);
    expect(Math.max(...rss)).toBeLessThan(400);
    // Sockets: the keep-alive pools grow toward their limits (Gen1 128, Gen2 256 connections) and idle
    // ones close again (bench/soak: up to ~420 descriptors, then back to ~290 and flat); never past them.
    const first = samples[0]?.openFds ?? 0;
    expect(Math.max(...fds)).toBeLessThan(first + 128 + 256);
    // The lake keeps its size, so the database must too: a run adds its own row and a few progress rows,
    // and a completed delete forgets its item (20 tombstones a run would add ~5 KiB a run).
    expect(dbSlope).toBeLessThan(2 * 1024);
    // The WAL is checkpointed and truncated after every run (before its summary is printed): it does not
    // accumulate runs' writes up to the 40 MB autocheckpoint (which RSS then followed).
    expect(Math.max(...settled.map((s) => s.walBytes))).toBeLessThan(64 * 1024);
    // The V8 heap left after full GCs (--trace-gc) holds what outlives a run: a run's items, a client or
    // a listener set kept per run would grow it by megabytes a run. A full GC during a run also counts
    // that run's live data (up to ~12 MB here), hence the margin: 24 MB over 7 runs catches >3 MB a run.
    const heaps = settled.map((s) => s.heapMb).filter((h) => h > 0);
    console.log(`[soak] heap after full GC: ${heaps.map((h) => h.toFixed(1)).join(' ')} MB`);
    expect(heaps.length).toBeGreaterThan(0);
    expect(Math.max(...heaps) - Math.min(...heaps)).toBeLessThan(24);
  }, 180_000);
});
