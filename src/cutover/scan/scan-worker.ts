import { parentPort, workerData } from 'node:worker_threads';
import { scanBatch, type BatchOptions } from './scan-batch.js';
import type { WalkedFile } from './walk.js';

/** A scan worker: receives batches of files, answers with their BatchResult (see scan-files.ts). */
const options = workerData as BatchOptions;
parentPort?.on('message', (msg: { id: number; files: WalkedFile[] }) => {
  parentPort?.postMessage({ id: msg.id, result: scanBatch(msg.files, options) });
});
