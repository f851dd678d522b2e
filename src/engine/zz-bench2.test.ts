import { it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryStore } from '/work/main/src/stores/memory/index.js';
import { openSqliteJobDb } from '/work/main/src/state/db.js';
import { scanMapping, newScanCounters } from '/work/main/src/engine/plan.js';
import { createPathFilter } from '/work/main/src/engine/filters.js';
import { createJob } from '/work/main/src/state/jobs.js';
it('bench', async () => {
  const jobDb = await openSqliteJobDb(mkdtempSync(join(tmpdir(), 'bench-')));
  const source = createMemoryStore({ kind: 'memory', name: 'bs9', path: '' });
  const dest = createMemoryStore({ kind: 'memory', name: 'bd9', path: '' });
  const N = 100_000;
  const t0 = performance.now();
  for (let i = 0; i < N; i++) { const w = await source.createWriter(`d${i % 100}/f${i}.bin`); await w.commit({ size: 0 }); }
  console.log('seeded', performance.now() - t0);
  await createJob(jobDb, { id: 'b', jobKey: 'b', kind: 'x', source: 's', dest: 'd', options: {} });
  const counters = newScanCounters();
  const t1 = performance.now();
  await scanMapping({ jobDb, jobId: 'b', runNo: 1, hasHistory: false, source, mapping: { name: '/', sourcePrefix: '', dest, destPath: '', nested: [] }, filter: createPathFilter(), kind: 'lift-and-shift', overwrite: 'never', checksum: false, delete: false, preserve: new Set(['acl']), counters, onBatch: () => undefined });
  const s = (performance.now() - t1) / 1000;
  console.log(`scanned ${counters.files + counters.directories} entries in ${s.toFixed(2)} s = ${Math.round((counters.files + counters.directories) / s)}/s rss ${Math.round(process.memoryUsage().rss / 1e6)} MB`);
}, 300_000);
