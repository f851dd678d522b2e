/**
 * 1 GiB written and read back through the Gen1 store against the Gen1 emulator (separate processes),
 * printing throughput and each process's peak RSS (target: both under 200 MB).
 * Run: node --import tsx bench/gen1-large-file/run.ts [MiB]
 */
import { runLargeFileRoundTrip } from '../../test/fixtures/gen1-large-file-harness.js';

const MIB = 1024 * 1024;
const sizeMib = Number(process.argv[2] ?? '1024');
const r = await runLargeFileRoundTrip(sizeMib * MIB);
const ok = r.read === r.written && r.readBytes === r.size && r.clientPeakRss < 200 * MIB && r.emulatorPeakRss < 200 * MIB;
process.stdout.write(
  [
    `gen1 large file: ${sizeMib} MiB`,
    `  write ${(sizeMib / (r.writeMs / 1000)).toFixed(1)} MB/s (${r.writeMs} ms), read ${(sizeMib / (r.readMs / 1000)).toFixed(1)} MB/s (${r.readMs} ms)`,
    `  peak RSS: client ${(r.clientPeakRss / MIB).toFixed(0)} MiB, emulator ${(r.emulatorPeakRss / MIB).toFixed(0)} MiB (limit 200)`,
    `  content ${r.read === r.written ? 'identical' : 'DIFFERENT'}; ${ok ? 'PASS' : 'FAIL'}`,
  ].join('\n') + '\n',
);
process.exitCode = ok ? 0 : 1;
