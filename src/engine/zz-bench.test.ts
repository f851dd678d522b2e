import { it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteJobDb } from '../state/db.js';
import { insertItems } from '../state/items.js';
import { createJob } from '../state/jobs.js';
it('bench', async () => {
  const jobDb = await openSqliteJobDb(mkdtempSync(join(tmpdir(), 'bench-')));
  const N = 200_000;
  await createJob(jobDb, { id: 'b', jobKey: 'b', kind: 'x', source: 's', dest: 'd', options: {} });
  const rows = Array.from({ length: N }, (_, i) => ({ dataset: '/', relPath: `d${i % 100}/f${i}.bin`, kind: 'file' as const, action: 'copy' as const, state: 'pending' as const, size: 0, mtimeMs: 1, seenRun: 1 }));
  const t = performance.now();
  for (let i = 0; i < N; i += 1000) await insertItems(jobDb, 'b', rows.slice(i, i + 1000));
  console.log('insert 1000s', N / ((performance.now() - t) / 1000), 'rows/s', Math.round(process.memoryUsage().rss / 1e6));
}, 300_000);
