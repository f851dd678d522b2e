/**
 * Parts (a) and (d) of the migrate benchmark.
 * (a) `lakeshift migrate` Gen1 emulator -> Gen2 emulator beside AzCopy local disk -> the same Gen2
 *     emulator with the same request shape (DFS create + append + flush in `blockMiB` chunks).
 * (d) `lakeshift validate --checksum` of what (a) copied beside raw ranged GETs of both sides.
 */
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { request } from 'undici';
import { GEN1_AUDIENCE, mintToken } from '../../src/emulators/kit/jwt.js';
import { GEN1_EMULATOR_ADMIN_OID } from '../../src/emulators/gen1/index.js';
import { DEV_ACCOUNT, DEV_ACCOUNT_KEY } from '../../src/emulators/gen2/index.js';
import { makeAccountSas, redactSas, runAzCopy } from '../lib/azcopy.js';
import { readProcessCpuSeconds } from '../lib/proc-cpu.js';
import type { ServerProcess } from '../lib/server-process.js';
import { listFiles } from '../lib/trees.js';
import { runLakeshift } from './child-process.js';
import { lastJsonLine, MB } from './env.js';

export interface CopyCell {
  tree: string;
  bytes: number;
  files: number;
  lakeshift: { wallSeconds: number; engineSeconds: number; cpuSeconds: number; gen1CpuSeconds: number; gen2CpuSeconds: number; peakRssMb: number };
  azcopy: { wallSeconds: number; ownElapsedSeconds: number | undefined; gen2CpuSeconds: number };
}

export interface CopySetup {
  gen1: ServerProcess & { gen1Url: string };
  gen2: ServerProcess;
  azcopyPath: string;
  scratch: string;
  concurrency: number;
  blockMiB: number;
}

const cpu = (pid: number): number => readProcessCpuSeconds(pid);

/** Migrates `/${tree}` with lakeshift into filesystem `ls-${tree}`, then AzCopy uploads `localDir` into `az-${tree}`. */
export async function measureCopy(s: CopySetup, tree: string, localDir: string): Promise<CopyCell> {
  const files = listFiles(localDir);
  const bytes = files.reduce((sum, f) => sum + f.size, 0);
  const c1 = cpu(s.gen1.pid);
  const c2 = cpu(s.gen2.pid);
  const ls = await runLakeshift([
    'migrate', `${s.gen1.gen1Url}/webhdfs/v1/${tree}`, `${s.gen2.accountUrl}/ls-${tree}`, '--output', 'json',
    '--state-dir', `${s.scratch}/state-${tree}`, '--concurrency', String(s.concurrency), '--block-size', `${s.blockMiB}MiB`,
  ]);
  const gen1Cpu = cpu(s.gen1.pid) - c1;
  const gen2Cpu = cpu(s.gen2.pid) - c2;
  const summary = lastJsonLine(ls.stdout, 'summary');
  const copied = (summary?.['files'] as { copied?: number; failed?: number } | undefined) ?? {};
  if (ls.exitCode !== 0 || copied.copied !== files.length) {
    throw new Error(`lakeshift migrate of ${tree} did not copy all ${files.length} files (exit ${ls.exitCode}, copied ${String(copied.copied)}, failed ${String(copied.failed)}):\n${ls.stderr.slice(-3000)}`);
  }
  const service = new BlobServiceClient(s.gen2.accountUrl, new StorageSharedKeyCredential(DEV_ACCOUNT, DEV_ACCOUNT_KEY));
  await service.getContainerClient(`az-${tree}`).create();
  const sas = makeAccountSas(DEV_ACCOUNT, DEV_ACCOUNT_KEY);
  const a2 = cpu(s.gen2.pid);
  const az = await runAzCopy(s.azcopyPath, [
    'copy', `${localDir}/*`, `${s.gen2.accountUrl}/az-${tree}?${sas}`, '--recursive', '--from-to', 'LocalBlobFS',
    '--block-size-mb', String(s.blockMiB), '--log-level', 'ERROR',
  ], s.scratch);
  const azGen2Cpu = cpu(s.gen2.pid) - a2;
  if (az.exitCode !== 0) throw new Error(`azcopy upload of ${tree} failed (exit ${az.exitCode}):\n${redactSas(az.stdout + az.stderr).slice(-2000)}`);
  const elapsed = /Elapsed Time \(Minutes\):\s*([0-9.]+)/.exec(az.stdout)?.[1];
  return {
    tree, bytes, files: files.length,
    lakeshift: { wallSeconds: ls.wallSeconds, engineSeconds: Number(summary?.['durationMs'] ?? 0) / 1000, cpuSeconds: ls.cpuSeconds, gen1CpuSeconds: gen1Cpu, gen2CpuSeconds: gen2Cpu, peakRssMb: ls.peakRssMb },
    azcopy: { wallSeconds: az.wallSeconds, ownElapsedSeconds: elapsed === undefined ? undefined : Number(elapsed) * 60, gen2CpuSeconds: azGen2Cpu },
  };
}

export interface ValidateCell {
  tree: string;
  bytes: number;
  validateSeconds: number;
  validateEngineSeconds: number;
  rawSeconds: number;
}

async function drain(url: string, headers: Record<string, string>): Promise<number> {
  const res = await request(url, { method: 'GET', headers });
  let n = 0;
  for await (const chunk of res.body) n += (chunk as Buffer).length;
  if (res.statusCode !== 200 && res.statusCode !== 206) throw new Error(`raw GET ${url.split('?')[0] ?? ''} answered ${res.statusCode}`);
  return n;
}

/**
 * Reads every file of `/${tree}` from the Gen1 emulator and of `ls-${tree}` from the Gen2 emulator with
 * ranged GETs of `blockMiB`, `concurrency` files in flight, both sides of a file at once; hashes nothing.
 */
async function readRaw(s: CopySetup, tree: string, files: { path: string; size: number }[], concurrency: number): Promise<number> {
  const token = mintToken({ oid: GEN1_EMULATOR_ADMIN_OID, audience: GEN1_AUDIENCE });
  const sas = makeAccountSas(DEV_ACCOUNT, DEV_ACCOUNT_KEY);
  const block = s.blockMiB * 1024 * 1024;
  let total = 0;
  const readOne = async (f: { path: string; size: number }): Promise<void> => {
    const enc = f.path.split('/').map(encodeURIComponent).join('/');
    const side1 = async (): Promise<void> => {
      for (let off = 0; off < f.size; off += block) {
        const len = Math.min(block, f.size - off);
        const n = await drain(`${s.gen1.gen1Url}/webhdfs/v1/${tree}/${enc}?op=OPEN&read=true&offset=${off}&length=${len}`, { authorization: `Bearer ${token}` });
        total += n;
      }
    };
    const side2 = async (): Promise<void> => {
      for (let off = 0; off < f.size; off += block) {
        const len = Math.min(block, f.size - off);
        const n = await drain(`${s.gen2.accountUrl}/ls-${tree}/${enc}?${sas}`, { 'x-ms-range': `bytes=${off}-${off + len - 1}`, 'x-ms-version': '2023-11-03' });
        total += n;
      }
    };
    await Promise.all([side1(), side2()]);
  };
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(concurrency, files.length) }, async () => {
    while (next < files.length) {
      const f = files[next++];
      if (f !== undefined) await readOne(f);
    }
  }));
  return total;
}

/** (d) for one tree: validate --checksum (child process) then the raw read (this process). */
export async function measureValidate(s: CopySetup, tree: string, localDir: string, concurrency: number): Promise<ValidateCell> {
  const files = listFiles(localDir);
  const bytes = files.reduce((sum, f) => sum + f.size, 0);
  const v = await runLakeshift(['validate', `${s.gen1.gen1Url}/webhdfs/v1/${tree}`, `${s.gen2.accountUrl}/ls-${tree}`, '--checksum', '--output', 'json', '--concurrency', String(concurrency)]);
  let report: { ok?: boolean; durationMs?: number; checked?: { files?: number } } = {};
  try {
    report = JSON.parse(v.stdout) as typeof report;
  } catch {
    // reported below
  }
  if (v.exitCode !== 0 || report.ok !== true || report.checked?.files !== files.length) {
    throw new Error(`lakeshift validate --checksum of ${tree} failed (exit ${v.exitCode}, ok ${String(report.ok)}, files ${String(report.checked?.files)}):\n${(v.stdout + v.stderr).slice(-3000)}`);
  }
  const started = performance.now();
  const read = await readRaw(s, tree, files, concurrency);
  const rawSeconds = (performance.now() - started) / 1000;
  if (read !== 2 * bytes) throw new Error(`raw read of ${tree} got ${read} bytes, expected ${2 * bytes}`);
  return { tree, bytes, validateSeconds: v.wallSeconds, validateEngineSeconds: (report.durationMs ?? 0) / 1000, rawSeconds };
}

export const mbps = (bytes: number, seconds: number): number => bytes / MB / seconds;
