/**
 * Node SDK throughput against one server: parallel uploads of every file of a tree (N files in flight,
 * `uploadFile` with SDK defaults), then parallel downloads of them, each measured in wall time and the
 * server's CPU.
 */
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { measure } from '../lib/proc-cpu.js';
import { listFiles } from '../lib/trees.js';

export interface Throughput {
  uploadMBps: number;
  downloadMBps: number;
  uploadCpuSeconds: number;
  downloadCpuSeconds: number;
}

async function inParallel<T>(items: readonly T[], inFlight: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, items.length) }, worker));
}

/** Uploads `treeDir` into a new container of the server at `accountUrl`, downloads it again, measures both. */
export async function measureSdkThroughput(options: { accountUrl: string; account: string; key: string; pid: number; treeDir: string; container: string; inFlight: number }): Promise<Throughput> {
  const service = new BlobServiceClient(options.accountUrl, new StorageSharedKeyCredential(options.account, options.key), { retryOptions: { maxTries: 2 } });
  const container = service.getContainerClient(options.container);
  await container.create();
  const files = listFiles(options.treeDir);
  const bytes = files.reduce((sum, f) => sum + f.size, 0);
  const up = await measure(options.pid, () =>
    inParallel(files, options.inFlight, async (f) => {
      await container.getBlockBlobClient(f.path).uploadFile(join(options.treeDir, f.path));
    }),
  );
  const down = await measure(options.pid, () =>
    inParallel(files, options.inFlight, async (f) => {
      const response = await container.getBlockBlobClient(f.path).download();
      let received = 0;
      const sink = new Writable({
        write(chunk: Buffer, _encoding, callback) {
          received += chunk.length;
          callback();
        },
      });
      if (!response.readableStreamBody) throw new Error(`no body for ${f.path}`);
      await pipeline(response.readableStreamBody, sink);
      if (received !== f.size) throw new Error(`${f.path}: downloaded ${received} of ${f.size} bytes`);
    }),
  );
  await container.delete();
  return {
    uploadMBps: bytes / up.wallSeconds / 1e6,
    downloadMBps: bytes / down.wallSeconds / 1e6,
    uploadCpuSeconds: up.cpuSeconds,
    downloadCpuSeconds: down.cpuSeconds,
  };
}
