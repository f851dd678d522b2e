import { randomUUID } from 'node:crypto';
import { startGen2Emulator, type Gen2Emulator } from '../../src/emulators/gen2/index.js';
import { parseLocation, type Gen2Location } from '../../src/core/uri.js';
import { createGen2Store } from '../../src/stores/gen2/index.js';
import { runStoreConformance } from './suite.js';

// The Gen2 store over the in-process Gen2 emulator (Shared Key with the well-known dev key), opened
// below the filesystem root so that '' = a sub-path is exercised too: once with the default Blob
// write path (Put Blob, Put Block + Put Block List) and once with the DFS writer (create, append,
// flush, rename) that token credentials use.
for (const writeApi of ['blob', 'dfs'] as const) {
  let emulator: Gen2Emulator | undefined;
  runStoreConformance(`gen2 (${writeApi} writes)`, async () => {
    emulator = await startGen2Emulator({ port: 0, inMemory: true });
    const location = parseLocation(`${emulator.url}/devstoreaccount1/conf-${randomUUID().slice(0, 8)}/lake/data`) as Gen2Location;
    const store = createGen2Store(location, { retryDelayMs: 10, writeApi });
    return { store, cleanup: async () => emulator?.close() };
  }, { chunkSize: 64 * 1024, slow: true });
}
