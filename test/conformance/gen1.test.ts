import { startGen1Emulator } from '../../src/emulators/gen1/index.js';
import { parseLocation, type Gen1Location } from '../../src/core/uri.js';
import { createGen1Store } from '../../src/stores/gen1/index.js';
import { runStoreConformance } from './suite.js';

// The Gen1 store over the in-process Gen1 emulator, opened below the account root ('' = /lake/data).
runStoreConformance('gen1', async () => {
  const emulator = await startGen1Emulator({ port: 0, inMemory: true });
  const location = parseLocation(`${emulator.url}/webhdfs/v1/lake/data`) as Gen1Location;
  const store = createGen1Store(location, { chunkSize: 64 * 1024, retryBaseMs: 10 });
  await store.mkdir('');
  return { store, cleanup: () => emulator.close() };
}, { chunkSize: 64 * 1024 });
