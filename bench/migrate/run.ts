/**
 * Migrate benchmark (issue 12 "Done when"; the scan and validate parts of issue 4 stay as s and v).
 * Measured in one run, printed with targets, lakeshift run as a user runs it (the `lakeshift` binary,
 * default options, wall time of the whole process) beside AzCopy from local disk into the same Gen2
 * emulator in its default mode (LocalBlob) and in LocalBlobFS:
 *  (a) the copy trees 2000 x 64 KiB and 8 x 128 MiB; target lakeshift wall <= AzCopy default
 *  (b) the ACL tree (500 directories with named-entry ACLs + 4,500 tiny owned files by default); target
 *      lakeshift items/s >= AzCopy's on the same files
 *  (c) (a) and (b) again with a latency fault of 30 ms per request on both emulators
 *  (s) entries/s and peak RSS scanning a large Gen1 namespace into the job database (issue 4)
 *  (v) validate --checksum MB/s vs raw ranged GETs of both sides (issue 4)
 * After every lakeshift copy `lakeshift validate` must report zero differences.
 * Usage: node --import tsx bench/migrate/run.ts [--only a,b,c,s,v] [--quick] [--b-items N] [--latency-ms N]
 *        [--concurrency N] [--tsx] [--keep]
 * Emulators, lakeshift and AzCopy run as child processes; data lives under a temp folder removed at the end.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import type { BulkEntry } from '../../src/emulators/gen1/bulk-load.js';
import { bulkLoadNamespace } from '../../src/emulators/gen1/bulk-load.js';
import { findAzCopy } from '../lib/azcopy.js';
import { PEER_TREES, writeTree, type TreeSpec } from '../lib/trees.js';
import { buildLakeshiftCli, tsxLakeshiftCli } from './build-cli.js';
import { runChild, useLakeshiftCli } from './child-process.js';
import { measureCopy, measureValidate, mbps, type CopyCell, type CopySetup, type ValidateCell } from './copy-trees.js';
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
const only = new Set((flag('--only') ?? 'a,b,c').split(',').map((p) => p.trim().toLowerCase()));
const concurrency = flag('--concurrency');
const latencyMs = Number(flag('--latency-ms') ?? '30');
const BLOCK_MIB = 8;
const scale = quick ? 20 : 1;
const trees: TreeSpec[] = PEER_TREES.map((t) => (quick ? { ...t, files: t.name === 'small' ? 100 : 2, bytesPerFile: t.name === 'small' ? t.bytesPerFile : 32 * 1024 * 1024 } : t));
const aclItems = Number(flag('--b-items') ?? String(quick ? 500 : 5000));
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
  log(`mode: ${quick ? 'QUICK (workloads scaled down ~20x; targets are for the full run)' : 'full'}; lakeshift ${concurrency === undefined ? 'with its default options' : `--concurrency ${concurrency}`}; AzCopy with its defaults`);
}

/** Writes bulk entries' files under `root` (the same tree on local disk, for AzCopy). */
function writeEntriesLocally(root: string, entries: Iterable<BulkEntry>, strip: string): string {
  const base = join(root, strip);
  for (const e of entries) {
    const rel = e.path.slice(strip.length + 2);
    const full = join(base, rel);
    if (e.type === 'DIRECTORY') mkdirSync(full, { recursive: true });
    else {
      mkdirSync(dirname(full), { recursive: true });
      writeFileSync(full, e.data ?? Buffer.alloc(0));
    }
  }
  return base;
}

interface Workload {
  name: string;
  local: string;
  dirs: number;
  blobFs: boolean;
}

/** Writes the trees locally and bulk-loads them into one Gen1 data folder. */
async function prepare(root: string): Promise<{ gen1Dir: string; workloads: Workload[] }> {
  const local = scratchDir(root, 'local');
  const gen1Dir = scratchDir(root, 'gen1');
  const workloads: Workload[] = [];
  if (only.has('a') || only.has('c') || only.has('v')) {
    for (const spec of trees) {
      const started = performance.now();
      const dir = writeTree(local, spec);
      const loaded = await bulkLoadNamespace(gen1Dir, localTreeEntries(dir, spec.name), { batchSize: 4 });
      workloads.push({ name: spec.name, local: dir, dirs: loaded.directories - 1, blobFs: true });
      log(`setup: ${spec.name} tree ${spec.files} x ${spec.bytesPerFile / 1024} KiB written locally and bulk-loaded into Gen1 (${loaded.files} files) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    }
  }
  if (only.has('b') || only.has('c')) {
    const started = performance.now();
    const loaded = await bulkLoadNamespace(gen1Dir, aclTreeEntries('acl', aclDirs, aclFiles));
    const dir = writeEntriesLocally(local, aclTreeEntries('acl', aclDirs, aclFiles), 'acl');
    workloads.push({ name: 'acl', local: dir, dirs: loaded.directories - 1, blobFs: aclItems <= 10_000 });
    log(`setup: ACL tree: ${loaded.directories - 1} directories (named-entry access + default ACLs), ${loaded.files} tiny files owned by a user object ID, bulk-loaded into Gen1 and written locally in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  return { gen1Dir, workloads };
}

function printCell(c: CopyCell): void {
  const l = c.lakeshift;
  const a = c.azcopyBlob;
  const fs = c.azcopyBlobFs;
  const lat = c.latencyMs > 0 ? ` with ${c.latencyMs} ms per request` : '';
  const part = c.latencyMs > 0 ? '(c)' : c.tree === 'acl' ? '(b)' : '(a)';
  log(`${part} ${c.tree}${lat}: ${c.files} files + ${c.items - c.files} dirs, ${(c.bytes / 1e6).toFixed(1)} MB (${loadNote()} after)`);
  log(`    lakeshift migrate: wall ${l.wallSeconds.toFixed(2)} s = ${(c.items / l.wallSeconds).toFixed(0)} items/s, ${mbps(c.bytes, l.wallSeconds).toFixed(1)} MB/s (engine ${l.engineSeconds.toFixed(2)} s); CPU lakeshift ${l.cpuSeconds.toFixed(1)} s, Gen1 emu ${l.gen1CpuSeconds.toFixed(1)} s, Gen2 emu ${l.gen2CpuSeconds.toFixed(1)} s; peak RSS ${l.peakRssMb.toFixed(0)} MB`);
  log(`    lakeshift validate: ${l.differences} differences (${l.validateSeconds.toFixed(1)} s)${l.differences === 0 ? '' : '  <-- NOT CLEAN'}`);
  log(`    AzCopy default (LocalBlob): wall ${a.wallSeconds.toFixed(2)} s = ${(c.items / a.wallSeconds).toFixed(0)} items/s, ${mbps(c.bytes, a.wallSeconds).toFixed(1)} MB/s (own elapsed ${a.ownElapsedSeconds?.toFixed(2) ?? '?'} s); CPU AzCopy ${a.cpuSeconds.toFixed(1)} s, Gen2 emu ${a.gen2CpuSeconds.toFixed(1)} s`);
  if (fs !== undefined) log(`    AzCopy LocalBlobFS: wall ${fs.wallSeconds.toFixed(2)} s = ${(c.items / fs.wallSeconds).toFixed(0)} items/s (own elapsed ${fs.ownElapsedSeconds?.toFixed(2) ?? '?'} s); CPU AzCopy ${fs.cpuSeconds.toFixed(1)} s, Gen2 emu ${fs.gen2CpuSeconds.toFixed(1)} s`);
  const vsFs = fs === undefined ? '' : `, vs LocalBlobFS ${(l.wallSeconds / fs.wallSeconds).toFixed(2)}`;
  log(`    ratio lakeshift/AzCopy wall: vs default ${(l.wallSeconds / a.wallSeconds).toFixed(2)}${vsFs}; target lakeshift <= AzCopy default: ${judge(l.wallSeconds, a.wallSeconds, 'lower', 's')}`);
}

async function partCopies(root: string, azcopyPath: string): Promise<{ copy: CopyCell[]; validate: ValidateCell[] }> {
  const { gen1Dir, workloads } = await prepare(root);
  const copy: CopyCell[] = [];
  const validate: ValidateCell[] = [];
  const lakeshiftArgs = concurrency === undefined ? [] : ['--concurrency', concurrency];
  const rounds = [...(only.has('a') || only.has('b') || only.has('v') ? [0] : []), ...(only.has('c') ? [latencyMs] : [])];
  for (const latency of rounds) {
    const gen1 = await startGen1Child(gen1Dir, latency);
    const gen2 = await startGen2Child(latency);
    const setup: CopySetup = { gen1, gen2, azcopyPath, scratch: scratchDir(root, `copy-${latency}`), lakeshiftArgs, blockMiB: BLOCK_MIB };
    try {
      for (const w of workloads) {
        const wanted = latency > 0 ? only.has('c') : w.name === 'acl' ? only.has('b') : only.has('a') || only.has('v');
        if (!wanted) continue;
        const suffix = `-${w.name}-${latency}`;
        const cell = await measureCopy(setup, w.name, w.local, suffix, latency, w.blobFs, w.dirs);
        copy.push(cell);
        printCell(cell);
        if (only.has('v') && latency === 0 && w.name !== 'acl') {
          const v = await measureValidate(setup, w.name, w.local, 16, `ls${suffix}`);
          validate.push(v);
          printValidate(v);
        }
      }
    } finally {
      await gen1.stop();
      await gen2.stop();
    }
  }
  return { copy, validate };
}

function printValidate(v: ValidateCell): void {
  const vm = mbps(v.bytes, v.validateSeconds);
  const rm = mbps(v.bytes, v.rawSeconds);
  log(`(v) ${v.tree} (${loadNote()} after): validate --checksum wall ${v.validateSeconds.toFixed(2)} s = ${vm.toFixed(1)} MB/s of tree (engine ${v.validateEngineSeconds.toFixed(2)} s = ${mbps(v.bytes, v.validateEngineSeconds).toFixed(1)} MB/s); raw ranged GETs of both sides ${v.rawSeconds.toFixed(2)} s = ${rm.toFixed(1)} MB/s; ratio validate/raw ${(vm / rm).toFixed(2)} (engine ${(mbps(v.bytes, v.validateEngineSeconds) / rm).toFixed(2)})`);
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
    log(`(s) scan (${loadNote()} after): ${entries} entries (${String(out['items'])} rows in the job DB) in ${seconds.toFixed(1)} s = ${rate.toFixed(0)} entries/s; peak RSS ${rss.toFixed(0)} MB (VmHWM); child CPU ${run.cpuSeconds.toFixed(1)} s of ${run.wallSeconds.toFixed(1)} s wall`);
    log(`    target >= 20000 entries/s: ${judge(rate, 20_000, 'higher', 'entries/s')}; target < 400 MB: ${judge(rss, 400, 'lower', 'MB')}`);
    return { entries, seconds, entriesPerSecond: rate, peakRssMb: rss };
  } finally {
    await gen1.stop();
  }
}

async function main(): Promise<number> {
  const azcopy = findAzCopy();
  if (!azcopy.ok && [...only].some((p) => p !== 's')) {
    log(`bench: cannot run AzCopy: ${azcopy.reason}`);
    return 2;
  }
  printMachine(azcopy.ok ? azcopy.version : 'azcopy unavailable');
  const built = performance.now();
  useLakeshiftCli(viaTsx ? tsxLakeshiftCli() : buildLakeshiftCli());
  log(`cli: ${viaTsx ? 'TypeScript sources through tsx' : `the lakeshift binary (bin/lakeshift.js) on the esbuild bundle built by npm run build (${((performance.now() - built) / 1000).toFixed(0)} s)`}; load average before: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  const root = mkdtempSync(join(tmpdir(), 'lakeshift-bench-migrate-'));
  const results: Record<string, unknown> = { at: new Date().toISOString(), quick, concurrency: concurrency ?? 'default', latencyMs, loadBefore: loadavg() };
  const started = performance.now();
  try {
    if (azcopy.ok && (only.has('a') || only.has('b') || only.has('c') || only.has('v'))) Object.assign(results, await partCopies(root, azcopy.path));
    if (only.has('s')) results['scan'] = await partScan(root);
    log(`total bench time ${((performance.now() - started) / 1000).toFixed(0)} s; load average after: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
    mkdirSync('bench/out', { recursive: true });
    writeFileSync(`bench/out/migrate-${[...only].sort().join('')}${quick ? '-quick' : ''}.json`, JSON.stringify(results, null, 2));
    return 0;
  } finally {
    if (keep) log(`kept ${root}`);
    else rmSync(root, { recursive: true, force: true });
  }
}

process.exitCode = await main().catch((error: unknown) => {
  log(`bench: failed: ${error instanceof Error ? error.message : String(error)}`);
  return 1;
});
