/**
 * The copy measurements of the migrate benchmark (issue 12) and part (v), validate --checksum.
 * One cell: `lakeshift migrate` Gen1 emulator -> Gen2 emulator as a user runs it (the `lakeshift`
 * binary, default options, wall time of the whole process), then `lakeshift validate` of what it copied
 * (must report zero differences), then AzCopy from local disk into the same Gen2 emulator in its default
 * mode (`azcopy copy LOCAL/* URL?SAS --recursive`: LocalBlob, one Put Blob per small file) and in
 * LocalBlobFS (DFS: create, append, flush).
 */
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { request } from 'undici';
import { GEN1_AUDIENCE, mintToken } from '../../src/emulators/kit/jwt.js';
import { GEN1_EMULATOR_ADMIN_OID } from '../../src/emulators/gen1/index.js';
import { DEV_ACCOUNT, DEV_ACCOUNT_KEY } from '../../src/emulators/gen2/index.js';
import { mkdirSync } from 'node:fs';
import { makeAccountSas, redactSas } from '../lib/azcopy.js';
import { readProcessCpuSeconds } from '../lib/proc-cpu.js';
import type { ServerProcess } from '../lib/server-process.js';
import { listFiles } from '../lib/trees.js';
import { runChild, runLakeshift } from './child-process.js';
import { lastJsonLine, MB } from './env.js';

export interface ToolRun {
  wallSeconds: number;
  /** CPU seconds of the tool's own process (all threads). */
  cpuSeconds: number;
  /** CPU seconds of the Gen2 emulator while the tool ran. */
  gen2CpuSeconds: number;
}

export interface CopyCell {
  tree: string;
  latencyMs: number;
  bytes: number;
  files: number;
  /** Items as the figures count them: files plus directories. */
  items: number;
  lakeshift: ToolRun & { engineSeconds: number; gen1CpuSeconds: number; peakRssMb: number; differences: number; validateSeconds: number };
  azcopyBlob: ToolRun & { ownElapsedSeconds: number | undefined };
  azcopyBlobFs: (ToolRun & { ownElapsedSeconds: number | undefined }) | undefined;
}

export interface CopySetup {
  gen1: ServerProcess & { gen1Url: string };
  gen2: ServerProcess;
  azcopyPath: string;
  scratch: string;
  /** Extra lakeshift migrate arguments (none: as a user runs it). */
  lakeshiftArgs: string[];
  blockMiB: number;
}

const cpu = (pid: number): number => readProcessCpuSeconds(pid);

async function azcopyUpload(s: CopySetup, localDir: string, fs: string, fromTo: 'LocalBlob' | 'LocalBlobFS'): Promise<ToolRun & { ownElapsedSeconds: number | undefined }> {
  const service = new BlobServiceClient(s.gen2.accountUrl, new StorageSharedKeyCredential(DEV_ACCOUNT, DEV_ACCOUNT_KEY));
  await service.getContainerClient(fs).create();
  const sas = makeAccountSas(DEV_ACCOUNT, DEV_ACCOUNT_KEY);
  const before = cpu(s.gen2.pid);
  // Default mode: what `azcopy copy LOCAL/* URL --recursive` infers for a *.blob.core.windows.net URL
  // (LocalBlob); it cannot infer it from an emulator URL, so --from-to names it. Nothing else is set.
  // Run like runAzCopy (logs and plans under the scratch folder) but through runChild, which samples the
  // child's CPU time (all its threads) from /proc.
  const logs = `${s.scratch}/azcopy-logs`;
  const plans = `${s.scratch}/azcopy-plans`;
  mkdirSync(logs, { recursive: true });
  mkdirSync(plans, { recursive: true });
  const az = await runChild(s.azcopyPath, ['copy', `${localDir}/*`, `${s.gen2.accountUrl}/${fs}?${sas}`, '--recursive', '--from-to', fromTo, '--log-level', 'ERROR'], { AZCOPY_LOG_LOCATION: logs, AZCOPY_JOB_PLAN_LOCATION: plans, AZCOPY_DISABLE_SYSLOG: 'true' });
  const gen2CpuSeconds = cpu(s.gen2.pid) - before;
  if (az.exitCode !== 0) throw new Error(`azcopy ${fromTo} upload into ${fs} failed (exit ${az.exitCode}):\n${redactSas(az.stdout + az.stderr).slice(-2000)}`);
  const elapsed = /Elapsed Time \(Minutes\):\s*([0-9.]+)/.exec(az.stdout)?.[1];
  return { wallSeconds: az.wallSeconds, cpuSeconds: az.cpuSeconds, gen2CpuSeconds, ownElapsedSeconds: elapsed === undefined ? undefined : Number(elapsed) * 60 };
}

/**
 * Migrates `/${tree}` with lakeshift into filesystem `ls${suffix}`, validates it, then AzCopy uploads
 * `localDir` into `az${suffix}` (default mode) and, unless `blobFs` is false, `azfs${suffix}` (LocalBlobFS).
 */
export async function measureCopy(s: CopySetup, tree: string, localDir: string, suffix: string, latencyMs: number, blobFs: boolean, dirs: number): Promise<CopyCell> {
  const files = listFiles(localDir);
  const bytes = files.reduce((sum, f) => sum + f.size, 0);
  const c1 = cpu(s.gen1.pid);
  const c2 = cpu(s.gen2.pid);
  const src = `${s.gen1.gen1Url}/webhdfs/v1/${tree}`;
  const dest = `${s.gen2.accountUrl}/ls${suffix}`;
  const ls = await runLakeshift(['migrate', src, dest, '--output', 'json', '--state-dir', `${s.scratch}/state${suffix}`, ...s.lakeshiftArgs]);
  const gen1Cpu = cpu(s.gen1.pid) - c1;
  const gen2Cpu = cpu(s.gen2.pid) - c2;
  const summary = lastJsonLine(ls.stdout, 'summary');
  const copied = (summary?.['files'] as { copied?: number; failed?: number } | undefined) ?? {};
  if (ls.exitCode !== 0 || copied.copied !== files.length) {
    throw new Error(`lakeshift migrate of ${tree} did not copy all ${files.length} files (exit ${ls.exitCode}, copied ${String(copied.copied)}, failed ${String(copied.failed)}):\n${ls.stderr.slice(-3000)}`);
  }
  const v = await runLakeshift(['validate', src, dest, '--output', 'json']);
  let report: { ok?: boolean; differenceCount?: number; checked?: { files?: number } } = {};
  try {
    report = JSON.parse(v.stdout) as typeof report;
  } catch {
    // reported below
  }
  if (report.differenceCount === undefined) throw new Error(`lakeshift validate of ${tree} gave no report (exit ${v.exitCode}):\n${(v.stdout + v.stderr).slice(-3000)}`);
  const azcopyBlob = await azcopyUpload(s, localDir, `az${suffix}`, 'LocalBlob');
  const azcopyBlobFs = blobFs ? await azcopyUpload(s, localDir, `azfs${suffix}`, 'LocalBlobFS') : undefined;
  return {
    tree, latencyMs, bytes, files: files.length, items: files.length + dirs,
    lakeshift: {
      wallSeconds: ls.wallSeconds, engineSeconds: Number(summary?.['durationMs'] ?? 0) / 1000, cpuSeconds: ls.cpuSeconds, gen1CpuSeconds: gen1Cpu, gen2CpuSeconds: gen2Cpu,
      peakRssMb: ls.peakRssMb, differences: report.differenceCount, validateSeconds: v.wallSeconds,
    },
    azcopyBlob, azcopyBlobFs,
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
 * Reads every file of `/${tree}` from the Gen1 emulator and of `destFs` from the Gen2 emulator with
 * ranged GETs of `blockMiB`, `concurrency` files in flight, both sides of a file at once; hashes nothing.
 */
async function readRaw(s: CopySetup, tree: string, destFs: string, files: { path: string; size: number }[], concurrency: number): Promise<number> {
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
        const n = await drain(`${s.gen2.accountUrl}/${destFs}/${enc}?${sas}`, { 'x-ms-range': `bytes=${off}-${off + len - 1}`, 'x-ms-version': '2023-11-03' });
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
export async function measureValidate(s: CopySetup, tree: string, localDir: string, concurrency: number, destFs: string): Promise<ValidateCell> {
  const files = listFiles(localDir);
  const bytes = files.reduce((sum, f) => sum + f.size, 0);
  const v = await runLakeshift(['validate', `${s.gen1.gen1Url}/webhdfs/v1/${tree}`, `${s.gen2.accountUrl}/${destFs}`, '--checksum', '--output', 'json', '--concurrency', String(concurrency)]);
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
  const read = await readRaw(s, tree, destFs, files, concurrency);
  const rawSeconds = (performance.now() - started) / 1000;
  if (read !== 2 * bytes) throw new Error(`raw read of ${tree} got ${read} bytes, expected ${2 * bytes}`);
  return { tree, bytes, validateSeconds: v.wallSeconds, validateEngineSeconds: (report.durationMs ?? 0) / 1000, rawSeconds };
}

export const mbps = (bytes: number, seconds: number): number => bytes / MB / seconds;
