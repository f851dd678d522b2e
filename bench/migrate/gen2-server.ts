/**
 * Starts the Gen2 emulator as its own process for the migrate benchmark (so its CPU time can be read
 * from /proc). Usage: node --import tsx bench/migrate/gen2-server.ts PORT [LATENCY_MS] [DIR]
 * (LATENCY_MS: the emulator's latency fault, a delay before every request; DIR: keep metadata and bytes
 * on disk there instead of in memory).
 */
import { startGen2Emulator } from '../../src/emulators/gen2/index.js';

const port = Number(process.argv[2] ?? '0');
const latencyMs = Number(process.argv[3] ?? '0');
const location = process.argv[4];
const where = location === undefined ? { inMemory: true } : { location };
const emulator = await startGen2Emulator({ port, host: '127.0.0.1', ...where, ...(latencyMs > 0 ? { faults: { latencyMs } } : {}) });
process.stdout.write(`listening ${emulator.url}\n`);
const shutdown = (): void => {
  void emulator.close().finally(() => process.exit(0));
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
