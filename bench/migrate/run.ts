/**
 * Migrate benchmark (issue 4 "Done when"). Measured in one run, printed with targets:
 *  (a) lakeshift migrate Gen1 emulator -> Gen2 emulator vs AzCopy local -> Gen2 emulator (same DFS request shape)
 *  (b) items/s migrating a tree of directories with named-entry ACLs plus tiny files
 *  (c) entries/s and peak RSS scanning a large Gen1 namespace into the job database
 *  (d) validate --checksum MB/s vs raw ranged GETs of both sides
 * Usage: node --import tsx bench/migrate/run.ts [--only a,b,c,d] [--quick] [--concurrency N] [--b-items N] [--tsx] [--keep]
 * (--b-items overrides the size of (b), 10% directories; the target is for 100,000.)
 * Emulators and lakeshift run as child processes; data lives under a temp folder removed at the end.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { bulkLoadNamespace } from '../../src/emulators/gen1/bulk-load.js';
import { findAzCopy } from '../lib/azcopy.js';
import type { ServerProcess } from '../lib/server-process.js';
import { PEER_TREES, writeTree, type TreeSpec } from '../lib/trees.js';
import { buildLakeshiftCli, tsxLakeshiftCli } from './build-cli.js';
import { runChild, runLakeshift, useLakeshiftCli } from './child-process.js';
import { measureCopy, measureValidate, mbps, type CopyCell, type ValidateCell } from './copy-trees.js';
import { judge, lastJsonLine, loadNote, log, scratchDir, startGen1Child, startGen2Child } from './env.js';
import { aclTreeEntries, localTreeEntries, scanNamespaceEntries } from './workloads.js';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i < 0 ? undefined : args[i + 1];
};
const quick = args.includes('--quick');
const keep = args.includes('--keep');
const viaTsx = args.includes('--tsx');
const only = new Set((flag('--only') ?? 'a,b,c,d').split(',').map((p) => p.trim().toLowerCase()));
const concurrency = Number(flag('--concurrency') ?? '16');
const BLOCK_MIB = 8;
const scale = quick ? 20 : 1;
const trees: TreeSpec[] = PEER_TREES.map((t) => (quick ? { ...t, files: t.name === 'small' ? 100 : 2, bytesPerFile: t.name === 'small' ? t.bytesPerFile : 32 * 1024 * 1024 } : t));
const aclItems = Number(flag('--b-items') ?? String(100_000 / scale));
const aclDirs = Math.round(aclItems / 10);
const aclFiles = aclItems - aclDirs;
const scanTotal = 1_000_000 / scale;
const scanDirs = 1_000 / scale;

function printMachine(azcopyVersion: string): void {
  const model = cpus()[0]?.model ?? 'unknown';
  const nproc = execFileSync('nproc', { encoding: 'utf8' }).trim();
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version?: string };
  log(`machine: nproc ${nproc}, ${model}, ${(totalmem() / 1024 ** 3).toFixed(1)} GiB RAM, ${process.platform} ${process.arch}`);
  log(`versions: node ${process.version}, lakeshift ${pkg.version ?? '?'}, ${azcopyVersion}`);
  log(`mode: ${quick ? 'QUICK (workloads scaled down ~20x; targets are for the full run)' : 'full'}; lakeshift --concurrency ${concurrency} --block-size ${BLOCK_MIB}MiB`);
}

async function partCopy(root: string, azcopyPath: string, gen2: ServerProcess): Promise<{ copy: CopyCell[]; validate: ValidateCell[] }> {
  const local = scratchDir(root, 'local');
  const gen1Dir = scratchDir(root, 'gen1-trees');
  const dirs = new Map<string, string>();
  for (const spec of trees) {
    const started = performance.now();
    const dir = writeTree(local, spec);
    dirs.set(spec.name, dir);
    const loaded = await bulkLoadNamespace(gen1Dir, localTreeEntries(dir, spec.name), { batchSize: 4 });
    log(`setup: ${spec.name} tree ${spec.files} x ${spec.bytesPerFile / 1024} KiB written locally and bulk-loaded into Gen1 (${loaded.files} files) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  const gen1 = await startGen1Child(gen1Dir);
  const setup = { gen1, gen2, azcopyPath, scratch: scratchDir(root, 'copy'), concurrency, blockMiB: BLOCK_MIB };
  const copy: CopyCell[] = [];
  const validate: ValidateCell[] = [];
  try {
    for (const spec of trees) {
      const dir = dirs.get(spec.name) ?? '';
      if (only.has('a') || only.has('d')) {
        const cell = await measureCopy(setup, spec.name, dir);
        copy.push(cell);
        printCopy(cell);
      }
      if (only.has('d')) {
        const v = await measureValidate(setup, spec.name, dir, 16);
        validate.push(v);
        printValidate(v);
      }
    }
  } finally {
    await gen1.stop();
  }
  return { copy, validate };
}

function printCopy(c: CopyCell): void {
  const l = c.lakeshift;
  const a = c.azcopy;
  const ratio = l.wallSeconds / a.wallSeconds;
  log(`(a) ${c.tree}: ${c.files} files, ${(c.bytes / 1e6).toFixed(0)} MB (${loadNote()} after)`);
  log(`    lakeshift migrate: wall ${l.wallSeconds.toFixed(2)} s (${mbps(c.bytes, l.wallSeconds).toFixed(1)} MB/s; engine ${l.engineSeconds.toFixed(2)} s), CPU lakeshift ${l.cpuSeconds.toFixed(1)} s, Gen1 emu ${l.gen1CpuSeconds.toFixed(1)} s, Gen2 emu ${l.gen2CpuSeconds.toFixed(1)} s, peak RSS ${l.peakRssMb.toFixed(0)} MB`);
  log(`    AzCopy LocalBlobFS --block-size-mb ${BLOCK_MIB}: wall ${a.wallSeconds.toFixed(2)} s (${mbps(c.bytes, a.wallSeconds).toFixed(1)} MB/s; own elapsed ${a.ownElapsedSeconds === undefined ? '?' : a.ownElapsedSeconds.toFixed(2)} s), Gen2 emu CPU ${a.gen2CpuSeconds.toFixed(1)} s`);
  const own = a.ownElapsedSeconds === undefined ? '' : `; vs AzCopy's own elapsed ${(l.wallSeconds / a.ownElapsedSeconds).toFixed(2)}`;
  log(`    ratio lakeshift/AzCopy wall ${ratio.toFixed(2)}${own}; target lakeshift <= AzCopy: ${judge(l.wallSeconds, a.wallSeconds, 'lower', 's')}`);
}

function printValidate(v: ValidateCell): void {
  const vm = mbps(v.bytes, v.validateSeconds);
  const rm = mbps(v.bytes, v.rawSeconds);
  log(`(d) ${v.tree} (${loadNote()} after): validate --checksum wall ${v.validateSeconds.toFixed(2)} s = ${vm.toFixed(1)} MB/s of tree (engine ${v.validateEngineSeconds.toFixed(2)} s = ${mbps(v.bytes, v.validateEngineSeconds).toFixed(1)} MB/s); raw ranged GETs of both sides ${v.rawSeconds.toFixed(2)} s = ${rm.toFixed(1)} MB/s; ratio validate/raw ${(vm / rm).toFixed(2)} (engine ${(mbps(v.bytes, v.validateEngineSeconds) / rm).toFixed(2)})`);
}

async function partAcl(root: string, gen2: ServerProcess): Promise<Record<string, number>> {
  const gen1Dir = scratchDir(root, 'gen1-acl');
  const started = performance.now();
  const loaded = await bulkLoadNamespace(gen1Dir, aclTreeEntries('acl', aclDirs, aclFiles));
  log(`setup: ACL tree bulk-loaded into Gen1: ${loaded.directories} directories (named-entry access + default ACLs), ${loaded.files} tiny files, in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const gen1 = await startGen1Child(gen1Dir);
  try {
    const items = loaded.directories - 1 + loaded.files;
    const ls = await runLakeshift(['migrate', `${gen1.gen1Url}/webhdfs/v1/acl`, `${gen2.accountUrl}/ls-acl`, '--output', 'json', '--state-dir', scratchDir(root, 'state-acl'), '--concurrency', String(concurrency)]);
    const summary = lastJsonLine(ls.stdout, 'summary');
    const files = summary?.['files'] as { copied?: number; failed?: number } | undefined;
    const dirs = summary?.['directories'] as { created?: number; failed?: number } | undefined;
    if (ls.exitCode !== 0 || files?.copied !== loaded.files) {
      throw new Error(`lakeshift migrate of the ACL tree failed (exit ${ls.exitCode}, files ${JSON.stringify(files)}, dirs ${JSON.stringify(dirs)}):\n${ls.stderr.slice(-3000)}`);
    }
    const engine = Number(summary?.['durationMs'] ?? 0) / 1000;
    const rate = items / ls.wallSeconds;
    log(`(b) ACL tree (${loadNote()} after): ${items} items (${loaded.directories - 1} dirs, ${loaded.files} files) in ${ls.wallSeconds.toFixed(1)} s wall = ${rate.toFixed(0)} items/s (engine ${engine.toFixed(1)} s = ${(items / engine).toFixed(0)} items/s); dirs created ${String(dirs?.created)}; lakeshift CPU ${ls.cpuSeconds.toFixed(1)} s, peak RSS ${ls.peakRssMb.toFixed(0)} MB`);
    log(`    target >= 1100 items/s: ${judge(rate, 1100, 'higher', 'items/s')}`);
    return { items, wallSeconds: ls.wallSeconds, engineSeconds: engine, itemsPerSecond: rate, cpuSeconds: ls.cpuSeconds, peakRssMb: ls.peakRssMb };
  } finally {
    await gen1.stop();
  }
}

async function partScan(root: string): Promise<Record<string, number>> {
  const gen1Dir = scratchDir(root, 'gen1-scan');
  const started = performance.now();
  const loaded = await bulkLoadNamespace(gen1Dir, scanNamespaceEntries('ns', scanTotal, scanDirs), { batchSize: 50_000 });
  log(`setup: scan namespace bulk-loaded into Gen1: ${loaded.directories - 1} directories + ${loaded.files} files in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const gen1 = await startGen1Child(gen1Dir);
  try {
    const run = await runChild(process.execPath, ['--import', 'tsx', 'bench/migrate/scan-child.ts', `${gen1.gen1Url}/webhdfs/v1/ns`, scratchDir(root, 'state-scan')]);
    const out = lastJsonLine(run.stdout);
    if (run.exitCode !== 0 || out === undefined) throw new Error(`scan child failed (exit ${run.exitCode}):\n${run.stderr.slice(-3000)}`);
    const entries = Number(out['files']) + Number(out['directories']);
    const seconds = Number(out['seconds']);
    const rss = Math.max(Number(out['peakRssMb']), run.peakRssMb);
    const rate = entries / seconds;
    log(`(c) scan (${loadNote()} after): ${entries} entries (${String(out['items'])} rows in the job DB) in ${seconds.toFixed(1)} s = ${rate.toFixed(0)} entries/s; peak RSS ${rss.toFixed(0)} MB (VmHWM); child CPU ${run.cpuSeconds.toFixed(1)} s of ${run.wallSeconds.toFixed(1)} s wall`);
    log(`    target >= 20000 entries/s: ${judge(rate, 20_000, 'higher', 'entries/s')}; target < 400 MB: ${judge(rss, 400, 'lower', 'MB')}`);
    return { entries, seconds, entriesPerSecond: rate, peakRssMb: rss };
  } finally {
    await gen1.stop();
  }
}

async function main(): Promise<number> {
  const azcopy = findAzCopy();
  if (!azcopy.ok && (only.has('a') || only.has('d'))) {
    log(`bench: cannot run AzCopy: ${azcopy.reason}`);
    return 2;
  }
  printMachine(azcopy.ok ? azcopy.version : 'azcopy unavailable');
  const built = performance.now();
  useLakeshiftCli(viaTsx ? tsxLakeshiftCli() : buildLakeshiftCli());
  log(`cli: ${viaTsx ? 'TypeScript sources through tsx' : `compiled into bench/out/.lakeshift-dist (${((performance.now() - built) / 1000).toFixed(0)} s)`}; load average before: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  const root = mkdtempSync(join(tmpdir(), 'lakeshift-bench-migrate-'));
  const gen2 = await startGen2Child();
  const results: Record<string, unknown> = { at: new Date().toISOString(), quick, concurrency };
  const started = performance.now();
  try {
    if (azcopy.ok && (only.has('a') || only.has('d'))) Object.assign(results, await partCopy(root, azcopy.path, gen2));
    if (only.has('b')) results['acl'] = await partAcl(root, gen2);
    if (only.has('c')) results['scan'] = await partScan(root);
    log(`total bench time ${((performance.now() - started) / 1000).toFixed(0)} s`);
    mkdirSync('bench/out', { recursive: true });
    writeFileSync(`bench/out/migrate-${[...only].sort().join('')}${quick ? '-quick' : ''}.json`, JSON.stringify(results, null, 2));
    return 0;
  } finally {
    await gen2.stop();
    if (keep) log(`kept ${root}`);
    else rmSync(root, { recursive: true, force: true });
  }
}

process.exitCode = await main().catch((error: unknown) => {
  log(`bench: failed: ${error instanceof Error ? error.message : String(error)}`);
  return 1;
});
