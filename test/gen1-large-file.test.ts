import { describe, expect, it } from 'vitest';
import { runLargeFileRoundTrip } from './fixtures/gen1-large-file-harness.js';

const MIB = 1024 * 1024;
const LIMIT = 200 * MIB;
// 256 MiB by default: more than the RSS limit, so a store or emulator that buffered a whole file
// would fail, yet fast enough for `npm test`. The full 1 GiB run is bench/gen1-large-file/run.ts
// (or LAKESHIFT_LARGE_FILE_MIB=1024 here): it took 55-110 s on a loaded 2-core machine.
const sizeMib = Number(process.env['LAKESHIFT_LARGE_FILE_MIB'] ?? '256');

describe('a large file through the Gen1 store and the Gen1 emulator', () => {
  it(`round trips ${sizeMib} MiB with both processes under 200 MB peak RSS`, { timeout: 300_000 }, async () => {
    const r = await runLargeFileRoundTrip(sizeMib * MIB);
    console.log(`[gen1-large-file] ${sizeMib} MiB: write ${r.writeMs} ms, read ${r.readMs} ms; peak RSS client ${Math.round(r.clientPeakRss / MIB)} MiB, emulator ${Math.round(r.emulatorPeakRss / MIB)} MiB`);
    expect(r.size).toBe(sizeMib * MIB);
    expect(r.readBytes).toBe(sizeMib * MIB);
    expect(r.read).toBe(r.written);
    expect(r.clientPeakRss).toBeGreaterThan(0);
    expect(r.clientPeakRss).toBeLessThan(LIMIT);
    expect(r.emulatorPeakRss).toBeGreaterThan(0);
    expect(r.emulatorPeakRss).toBeLessThan(LIMIT);
  });
});
