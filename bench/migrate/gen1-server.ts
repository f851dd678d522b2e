/**
 * Starts the Gen1 emulator on a data directory as its own process for the migrate benchmark (so its
 * CPU time can be read from /proc). Usage: node --import tsx bench/migrate/gen1-server.ts PORT DIR [LATENCY_MS]
 * (LATENCY_MS: the emulator's latency fault, a delay before every request).
 */
import { startGen1Emulator } from '../../src/emulators/gen1/index.js';

const port = Number(process.argv[2] ?? '0');
const location = process.argv[3];
if (location === undefined) throw new Error('gen1-server: give PORT and a data directory');
const latencyMs = Number(process.argv[4] ?? '0');
const emulator = await startGen1Emulator({ port, host: '127.0.0.1', location, ...(latencyMs > 0 ? { faults: { latencyMs } } : {}) });
process.stdout.write(`listening ${emulator.url}\n`);
const shutdown = (): void => {
  void emulator.close().finally(() => process.exit(0));
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
