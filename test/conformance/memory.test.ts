import { randomUUID } from 'node:crypto';
import { createMemoryStore, dropMemoryStore } from '../../src/stores/memory/index.js';
import { runStoreConformance } from './suite.js';

// The store is opened below the tree root so that '' = a sub-path is exercised too.
runStoreConformance('memory', async () => {
  const name = `conformance-${randomUUID()}`;
  const store = createMemoryStore({ kind: 'memory', name, path: 'lake/data' });
  return { store, cleanup: async () => dropMemoryStore(name) };
}, { slow: true });
