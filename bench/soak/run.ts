/**
 * bench/soak: `lakeshift migrate SRC DST --every 1m --delete` for an hour (by default) against both
 * emulators, with files added, changed and deleted between runs; prints RSS, open descriptors and the
 * job database's size after every run, and the growth per run at the end.
 *
 *   node --import tsx bench/soak/run.ts [--minutes 60] [--every 1m] [--changes 50] [--growing]
 *
 * By default the lake keeps its size (each run adds N files and deletes the N added two runs before);
 * --growing adds N and deletes one per run, as the first version did.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startGen1Emulator } from '../../src/emulators/gen1/index.js';
import { startGen2Emulator } from '../../src/emulators/gen2/index.js';
import { seedLake } from '../../src/seed/index.js';
import { gen1Uri, gen2Uri, openGen1 } from '../../test/migrate-helpers.js';
import { heapFloors, runSoak, slopePerRun } from '../lib/soak.js';

const { values } = parseArgs({ options: { minutes: { type: 'string', default: '60' }, every: { type: 'string', default: '1m' }, changes: { type: 'string', default: '50' }, growing: { type: 'boolean', default: false } } });
const minutes = Number(values.minutes);
const dir = mkdtempSync(join(tmpdir(), 'lakeshift-soak-bench-'));
const gen1 = await startGen1Emulator({ location: join(dir, 'gen1') });
const gen2 = await startGen2Emulator({ location: join(dir, 'gen2') });
try {
  const source = openGen1(gen1.url, 'lake');
  await source.mkdir('');
  await seedLake(source, { profile: 'demo' });
  const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');
  console.log(`soak: ${minutes} min, --every ${values.every}, ${values.changes} files added and ${values.growing ? '1' : values.changes} deleted per run (${values.growing ? 'the lake grows' : 'the lake keeps its size'}); node ${process.version}; load average ${load()}`);
  console.log('run  elapsed   status     copied deleted   rss MB  heap MB  fds  db KiB  wal KiB');
  const samples = await runSoak({
    source, sourceUri: gen1Uri(gen1.url, 'lake'), destUri: gen2Uri(gen2.url, 'soak'), stateDir: join(dir, 'state'),
    every: values.every, maxRuns: Number.MAX_SAFE_INTEGER, maxMs: minutes * 60_000, changesPerRun: Number(values.changes), steady: !values.growing,
    onSample: (s) => console.log(`${String(s.run).padStart(3)}  ${(s.atMs / 1000).toFixed(0).padStart(6)} s  ${s.status.padEnd(10)} ${String(s.copied).padStart(6)} ${String(s.deleted).padStart(7)}  ${s.rssMb.toFixed(1).padStart(7)} ${(s.heapFresh ? s.heapMb.toFixed(1) : "-").padStart(8)} ${String(s.openFds).padStart(4)} ${(s.dbBytes / 1024).toFixed(0).padStart(7)} ${(s.walBytes / 1024).toFixed(0).padStart(8)}`),
  });
  await source.close();
  const settled = samples.slice(Math.min(3, samples.length - 1));
  const heaped = settled.filter((s) => s.heapFresh && s.heapMb > 0);
  const floors = heapFloors(settled, 10);
  if (floors !== undefined) console.log(`post-GC heap floor: first 10 samples with a full GC ${floors.first.toFixed(1)} MB, last 10 ${floors.last.toFixed(1)} MB (${floors.n} such samples)`);
  console.log(`growth per run after warm-up (${settled.length} runs): rss ${slopePerRun(settled, (s) => s.rssMb).toFixed(3)} MB, heap after full GC ${slopePerRun(heaped, (s) => s.heapMb).toFixed(3)} MB, fds ${slopePerRun(settled, (s) => s.openFds).toFixed(3)}, db ${(slopePerRun(settled, (s) => s.dbBytes) / 1024).toFixed(2)} KiB; load average ${load()}`);
} finally {
  await gen1.close();
  await gen2.close();
  rmSync(dir, { recursive: true, force: true });
}
