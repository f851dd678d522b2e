/**
 * Starts the Gen2 emulator in memory as its own process for benchmarks (so its CPU time can be read from
 * /proc). Usage: node --import tsx bench/gen2-emulator/server.ts PORT
 */
import { startGen2Emulator } from '../../src/emulators/gen2/index.js';

const port = Number(process.argv[2] ?? '0');
const emulator = await startGen2Emulator({ port, host: '127.0.0.1', inMemory: true });
process.stdout.write(`listening ${emulator.url}\n`);
const shutdown = (): void => {
  void emulator.close().finally(() => process.exit(0));
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
