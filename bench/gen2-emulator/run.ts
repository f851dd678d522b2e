/**
 * Gen2 emulator benchmark: AzCopy uploads the peer trees (2000 x 64 KiB; 8 x 128 MiB) into this emulator
 * and into Azurite 3.37.0 in the same run with the same AzCopy settings (Blob API, defaults), and reports
 * wall time and server CPU seconds per GiB side by side with ratios; the DFS API upload (LocalBlobFS) is
 * shown for this emulator alone (Azurite has no DFS). Then Node SDK parallel upload/download MB/s.
 *
 * Usage: node --import tsx bench/gen2-emulator/run.ts
 * Environment: BENCH_REPS (default 3, medians reported), BENCH_QUICK=1 (200 x 64 KiB and 2 x 32 MiB),
 * BENCH_TREES=small,big, BENCH_IN_FLIGHT (SDK files in flight, default 16).
 * Results are also written to bench/out/gen2-emulator.json.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { DEV_ACCOUNT, DEV_ACCOUNT_KEY } from '../../src/emulators/gen2/index.js';
import { findAzCopy, makeAccountSas, redactSas, runAzCopy } from '../lib/azcopy.js';
import { startAzurite } from '../lib/azurite.js';
import { measure } from '../lib/proc-cpu.js';
import { pickFreePort, startServerProcess, type ServerProcess } from '../lib/server-process.js';
import { PEER_TREES, treeBytes, writeTree, type TreeSpec } from '../lib/trees.js';
import { measureSdkThroughput, type Throughput } from './sdk-throughput.js';

const reps = Math.max(1, Number(process.env.BENCH_REPS ?? 3));
const inFlight = Math.max(1, Number(process.env.BENCH_IN_FLIGHT ?? 16));
const quick = process.env.BENCH_QUICK === '1';
const wanted = (process.env.BENCH_TREES ?? 'small,big').split(',');
const specs: TreeSpec[] = PEER_TREES.filter((t) => wanted.includes(t.name)).map((t) =>
  quick ? { ...t, files: t.name === 'small' ? 200 : 2, bytesPerFile: t.name === 'small' ? t.bytesPerFile : 32 * 1024 * 1024 } : t,
);
const GiB = 1024 ** 3;

interface Row {
  tree: string;
  server: 'lakeshift' | 'azurite';
  api: 'LocalBlob' | 'LocalBlobFS';
  bytes: number;
  wallSeconds: number;
  cpuSecondsPerGiB: number;
  runs: { wallSeconds: number; cpuSeconds: number }[];
}

const median = (values: number[]): number => {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
};
const log = (line: string): void => void process.stdout.write(`${line}\n`);

async function azcopyUpload(azcopyPath: string, server: ServerProcess, sas: string, treeDir: string, api: Row['api'], container: string, scratch: string) {
  const service = new BlobServiceClient(server.accountUrl, new StorageSharedKeyCredential(DEV_ACCOUNT, DEV_ACCOUNT_KEY));
  await service.getContainerClient(container).create();
  const args = ['copy', treeDir, `${server.accountUrl}/${container}?${sas}`, '--recursive', '--from-to', api, '--log-level', 'ERROR'];
  const result = await measure(server.pid, () => runAzCopy(azcopyPath, args, scratch));
  if (result.value.exitCode !== 0) {
    throw new Error(`azcopy ${api} into ${server.accountUrl} failed (exit ${result.value.exitCode}):\n${redactSas(result.value.stdout + result.value.stderr).slice(-2000)}`);
  }
  await service.getContainerClient(container).delete();
  return { wallSeconds: result.wallSeconds, cpuSeconds: result.cpuSeconds };
}

async function main(): Promise<number> {
  const azcopy = findAzCopy();
  if (!azcopy.ok) {
    log(`bench: cannot run AzCopy: ${azcopy.reason}`);
    return 2;
  }
  const scratch = mkdtempSync(join(tmpdir(), 'lakeshift-bench-gen2-'));
  const servers: ServerProcess[] = [];
  try {
    log(`bench: ${azcopy.version}; ${reps} run(s) per cell; writing trees under ${scratch}`);
    const trees = specs.map((spec) => ({ spec, dir: writeTree(scratch, spec) }));
    const port = await pickFreePort();
    const ours = await startServerProcess(process.execPath, ['--import', 'tsx', 'bench/gen2-emulator/server.ts', String(port)], port, DEV_ACCOUNT);
    servers.push(ours);
    const azurite = await startAzurite();
    servers.push(azurite);
    const sas = makeAccountSas(DEV_ACCOUNT, DEV_ACCOUNT_KEY);
    const rows: Row[] = [];
    const cells: { server: Row['server']; process: ServerProcess; api: Row['api'] }[] = [
      { server: 'lakeshift', process: ours, api: 'LocalBlob' },
      { server: 'azurite', process: azurite, api: 'LocalBlob' },
      { server: 'lakeshift', process: ours, api: 'LocalBlobFS' },
    ];
    for (const { spec, dir } of trees) {
      const bytes = treeBytes(dir);
      for (const cell of cells) {
        const runs: Row['runs'] = [];
        for (let rep = 0; rep < reps; rep++) {
          runs.push(await azcopyUpload(azcopy.path, cell.process, sas, dir, cell.api, `${spec.name}-${cell.api.toLowerCase()}-${rep}`, scratch));
        }
        const row: Row = { tree: spec.name, server: cell.server, api: cell.api, bytes, runs, wallSeconds: median(runs.map((r) => r.wallSeconds)), cpuSecondsPerGiB: median(runs.map((r) => r.cpuSeconds)) / (bytes / GiB) };
        rows.push(row);
        log(`bench: ${spec.name} ${cell.server} ${cell.api}: wall ${row.wallSeconds.toFixed(2)} s, server CPU ${row.cpuSecondsPerGiB.toFixed(2)} s/GiB`);
      }
    }
    const sdk: { tree: string; server: Row['server']; result: Throughput }[] = [];
    for (const { spec, dir } of trees) {
      for (const [server, proc] of [['lakeshift', ours], ['azurite', azurite]] as const) {
        const result = await measureSdkThroughput({ accountUrl: proc.accountUrl, account: DEV_ACCOUNT, key: DEV_ACCOUNT_KEY, pid: proc.pid, treeDir: dir, container: `sdk-${spec.name}`, inFlight });
        sdk.push({ tree: spec.name, server, result });
      }
    }
    printReport(rows, sdk);
    mkdirSync('bench/out', { recursive: true });
    writeFileSync('bench/out/gen2-emulator.json', JSON.stringify({ at: new Date().toISOString(), azcopy: azcopy.version, reps, quick, rows, sdk }, null, 2));
    return 0;
  } finally {
    for (const s of servers) await s.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

function printReport(rows: Row[], sdk: { tree: string; server: Row['server']; result: Throughput }[]): void {
  log('\nAzCopy upload (Blob API, same settings), medians:');
  log('tree   | lakeshift wall | azurite wall | ratio | lakeshift CPU s/GiB | azurite CPU s/GiB | ratio | DFS API (lakeshift) wall, CPU s/GiB');
  for (const tree of [...new Set(rows.map((r) => r.tree))]) {
    const find = (server: Row['server'], api: Row['api']) => rows.find((r) => r.tree === tree && r.server === server && r.api === api);
    const o = find('lakeshift', 'LocalBlob');
    const a = find('azurite', 'LocalBlob');
    const d = find('lakeshift', 'LocalBlobFS');
    if (!o || !a) continue;
    log(
      `${tree.padEnd(6)} | ${o.wallSeconds.toFixed(2).padStart(12)} s | ${a.wallSeconds.toFixed(2).padStart(10)} s | ${(o.wallSeconds / a.wallSeconds).toFixed(2)} | ` +
        `${o.cpuSecondsPerGiB.toFixed(2).padStart(19)} | ${a.cpuSecondsPerGiB.toFixed(2).padStart(17)} | ${(o.cpuSecondsPerGiB / a.cpuSecondsPerGiB).toFixed(2)} | ` +
        `${d ? `${d.wallSeconds.toFixed(2)} s, ${d.cpuSecondsPerGiB.toFixed(2)}` : '-'}`,
    );
    const target = o.wallSeconds <= a.wallSeconds && o.cpuSecondsPerGiB <= a.cpuSecondsPerGiB;
    log(`       target (lakeshift <= azurite on wall and CPU/GiB): ${target ? 'met' : 'NOT met'}`);
  }
  log(`\nNode SDK, ${inFlight} files in flight (MB/s; server CPU s):`);
  log('tree   | server    | upload MB/s | download MB/s | upload CPU s | download CPU s');
  for (const s of sdk) {
    log(`${s.tree.padEnd(6)} | ${s.server.padEnd(9)} | ${s.result.uploadMBps.toFixed(1).padStart(11)} | ${s.result.downloadMBps.toFixed(1).padStart(13)} | ${s.result.uploadCpuSeconds.toFixed(2).padStart(12)} | ${s.result.downloadCpuSeconds.toFixed(2).padStart(14)}`);
  }
}

process.exitCode = await main().catch((error: unknown) => {
  log(`bench: failed: ${error instanceof Error ? error.message : String(error)}`);
  return 1;
});
