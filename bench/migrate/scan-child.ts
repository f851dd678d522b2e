/**
 * Scan-only child for part (c): runs the engine's plan step (`scanMapping`) of a Gen1 source (listed
 * through the emulator's REST API, LISTSTATUS paging) into a fresh SQLite job database, as a
 * lift-and-shift job would (remembering the entries of queued files for the workers, as migrate
 * does), and prints one JSON line: entries recorded, scan seconds, peak RSS.
 * There is no scan-only mode that writes the job database (`migrate --dry-run` records nothing), so
 * this drives the same library function the migrate command runs first.
 * Usage: node --import tsx bench/migrate/scan-child.ts GEN1_URI STATE_DIR
 */
import { readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPathFilter } from '../../src/engine/filters.js';
import { newScanCounters, scanMapping } from '../../src/engine/plan.js';
import { ScanEntries } from '../../src/engine/scan-entries.js';
import { PRESERVE_KEYS } from '../../src/engine/types.js';
import { openSqliteJobDb } from '../../src/state/db.js';
import { createJob } from '../../src/state/jobs.js';
import { openStore } from '../../src/stores/open-store.js';

const [sourceUri, stateDir] = process.argv.slice(2);
if (sourceUri === undefined || stateDir === undefined) throw new Error('scan-child: give GEN1_URI and STATE_DIR');

const emptyDest = mkdtempSync(join(tmpdir(), 'lakeshift-bench-scan-dest-'));
const source = openStore(sourceUri, { role: 'source' });
const dest = openStore(emptyDest, { role: 'dest' });
const jobDb = await openSqliteJobDb(stateDir);
try {
  const jobId = 'jbenchscan';
  await createJob(jobDb, { id: jobId, jobKey: 'bench-scan', kind: 'lift-and-shift', source: source.displayUri, dest: dest.displayUri, options: {} });
  const counters = newScanCounters();
  const scanEntries = new ScanEntries();
  let batches = 0;
  const started = performance.now();
  await scanMapping({
    jobDb, jobId, runNo: 1, hasHistory: false, source, mapping: { name: '/', sourcePrefix: '', dest, destPath: '', nested: [] },
    filter: createPathFilter([], []), kind: 'lift-and-shift', overwrite: 'never', checksum: false, delete: false,
    preserve: new Set(PRESERVE_KEYS), counters, onBatch: () => void batches++,
    onCopyEntry: (relPath, entry) => scanEntries.put('/', relPath, entry),
  });
  const seconds = (performance.now() - started) / 1000;
  const rows = await jobDb.db.selectFrom('items').select((eb) => eb.fn.countAll<number>().as('n')).where('job_id', '=', jobId).executeTakeFirst();
  const status = readFileSync('/proc/self/status', 'utf8');
  const hwmKb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  process.stdout.write(`${JSON.stringify({ files: counters.files, directories: counters.directories, items: Number(rows?.n ?? 0), batches, seconds, peakRssMb: hwmKb / 1024 })}\n`);
} finally {
  await jobDb.close();
  await source.close();
  await dest.close();
  rmSync(emptyDest, { recursive: true, force: true });
}
