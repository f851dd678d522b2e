/**
 * Runs the Gen1 emulator on an existing data directory in its own process (so the benchmark measures
 * the assess process's memory alone). Prints one JSON line {"url": ...} when ready; stops on SIGTERM.
 */
import { startGen1Emulator } from '../../src/emulators/gen1/index.js';

const location = process.argv[2];
if (location === undefined) {
  process.stderr.write('usage: gen1-emulator-child.ts DATA_DIR\n');
  process.exit(2);
}
const emulator = await startGen1Emulator({ port: 0, location });
process.stdout.write(`${JSON.stringify({ url: emulator.url })}\n`);
process.on('SIGTERM', () => {
  void emulator.close().then(() => process.exit(0));
});
