import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalStore } from '../../src/stores/local/index.js';
import { runStoreConformance } from './suite.js';

runStoreConformance('local', async () => {
  const root = await mkdtemp(join(tmpdir(), 'lakeshift-conformance-'));
  // fsync off: durability is not what this suite measures, and it keeps the run fast.
  const store = createLocalStore({ kind: 'local', root, path: '' }, { fsync: false });
  return { store, cleanup: () => rm(root, { recursive: true, force: true }) };
}, { slow: true });
