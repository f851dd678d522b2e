import { parentPort, workerData } from 'node:worker_threads';
import { ChunkPrefilter, type PrefilterLiterals } from './prefilter-batch.js';

/**
 * A prefilter worker: receives batches of files (absolute paths), reads and prefilters them (prefilter-batch.ts) and
 * answers with the PrefilterResult, the passed files' bytes transferred rather than copied. The rules
 * run on the thread that owns the scan (scan-files.ts), so this thread loads no rule or parser.
 */
const { literals, maxBytes } = workerData as { literals: PrefilterLiterals; maxBytes: number };
const prefilter = new ChunkPrefilter(literals);
parentPort?.on('message', (msg: { id: number; paths: string[] }) => {
  const result = prefilter.run(msg.paths, maxBytes);
  parentPort?.postMessage({ id: msg.id, result }, result.passed.map((p) => p.bytes.buffer));
});
