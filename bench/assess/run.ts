/**
 * Assessment benchmark over the Gen1 emulator.
 *
 *   node --import tsx bench/assess/run.ts [--entries 1000000] [--files-per-dir 1000] [--acl-paths 2000]
 *
 * 1. Bulk-loads the emulator's data directory with the Gen1 emulator's `bulkLoadNamespace` helper (the
 *    REST API would take hours for a million entries). Layout: 10 data sets x N directories x
 *    files-per-dir empty files, mtimes spread over 3 years, `--acl-paths` directories with an extended ACL.
 * 2. Starts the emulator on that directory in a child process (its CPU time is read from /proc).
 * 3. Runs assessStore through the Gen1 store over HTTP, renders the HTML report, and prints entries/s,
 *    peak RSS of this process and the report size, against the targets (>= 20,000 entries/s,
 *    < 400 MB RSS, HTML < 5 MB).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { bulkLoadNamespace, type BulkEntry } from '../../src/emulators/gen1/bulk-load.js';
import { parseLocation, type Gen1Location } from '../../src/core/uri.js';
import { createGen1Store } from '../../src/stores/gen1/index.js';
import { assessStore, renderHtml } from '../../src/assess/index.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i < 0 ? undefined : Number(process.argv[i + 1]);
  return v === undefined || !Number.isFinite(v) ? fallback : v;
}

const ENTRIES = arg('entries', 1_000_000);
const FILES_PER_DIR = arg('files-per-dir', 1000);
const ACL_PATHS = arg('acl-paths', 2000);
const DATASETS = 10;
const NOW = Date.UTC(2025, 0, 1);
const DAY = 86_400_000;

/**
 * The namespace to load: 10 data sets x N partition directories x FILES_PER_DIR empty files (the bulk
 * loader stores sizes only for files with bytes; assess reads metadata only, so sizes stay 0 here),
 * mtimes spread over 3 years, and an extended ACL on the first ACL_PATHS partition directories.
 */
function* namespace(counts: { files: number; dirs: number; aclDirs: number }): Iterable<BulkEntry> {
  const leafDirsTotal = Math.max(1, Math.ceil(ENTRIES / (FILES_PER_DIR + 1)));
  const perDataset = Math.ceil(leafDirsTotal / DATASETS);
  const aclSpec = 'user::rwx,user:11111111-1111-4111-8111-111111111111:r-x,group::r-x,mask::r-x,other::---';
  let seed = 12345;
  const rand = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  yield { path: '/lake', type: 'DIRECTORY', mtime: NOW };
  for (let d = 0; d < DATASETS && counts.files + counts.dirs < ENTRIES; d++) {
    yield { path: `/lake/dataset-${d}`, type: 'DIRECTORY', mtime: NOW };
    counts.dirs++;
    for (let p = 0; p < perDataset && counts.files + counts.dirs < ENTRIES; p++) {
      const leaf = `/lake/dataset-${d}/part=${String(p).padStart(5, '0')}`;
      const age = Math.floor(rand() * 3 * 365) * DAY;
      const withAcl = counts.aclDirs < ACL_PATHS;
      if (withAcl) counts.aclDirs++;
      yield { path: leaf, type: 'DIRECTORY', mtime: NOW - age, ...(withAcl ? { acl: aclSpec } : {}) };
      counts.dirs++;
      for (let f = 0; f < FILES_PER_DIR && counts.files + counts.dirs < ENTRIES; f++) {
        yield { path: `${leaf}/part-${String(f).padStart(5, '0')}.parquet`, type: 'FILE', perm: 0o640, mtime: NOW - age - Math.floor(rand() * 30) * DAY };
        counts.files++;
      }
    }
  }
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
function cpuSecondsOf(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

async function startChild(dir: string): Promise<{ url: string; pid: number; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'gen1-emulator-child.ts'), dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`emulator exited with ${String(code)}`)));
    lines.once('line', (line) => resolve((JSON.parse(line) as { url: string }).url));
  });
  return {
    url,
    pid: child.pid ?? -1,
    stop: () =>
      new Promise<void>((resolve) => {
        child.removeAllListeners('exit');
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

const dir = mkdtempSync(join(tmpdir(), 'lakeshift-bench-assess-'));
try {
  let t = performance.now();
  const counts = { files: 0, dirs: 0, aclDirs: 0 };
  await bulkLoadNamespace(dir, namespace(counts), { batchSize: 20_000 });
  console.log(`bulk load (bulkLoadNamespace): ${counts.files} files + ${counts.dirs} directories (${counts.aclDirs} with extended ACLs) in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  const emulator = await startChild(dir);
  try {
    const store = createGen1Store(parseLocation(`${emulator.url}/webhdfs/v1/lake`) as Gen1Location, {});

    const rssBefore = process.memoryUsage().rss;
    let peakRss = rssBefore;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
    const cpuBefore = process.cpuUsage();
    const emuCpuBefore = cpuSecondsOf(emulator.pid);
    t = performance.now();
    const { report, error } = await assessStore(store, { nowMs: NOW, pageSize: 5000, aclConcurrency: 16 });
    const seconds = (performance.now() - t) / 1000;
    clearInterval(sampler);
    const cpu = process.cpuUsage(cpuBefore);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    const emuCpuSeconds = cpuSecondsOf(emulator.pid) - emuCpuBefore;
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    if (error !== undefined) throw error;
    const html = renderHtml(report);
    const entries = report.scan.entries;
    const rate = entries / seconds;
    const mb = (n: number): string => (n / 1024 / 1024).toFixed(0);
    console.log(`assess: ${entries} entries in ${seconds.toFixed(1)} s = ${Math.round(rate)} entries/s (target >= 20000: ${rate >= 20000 ? 'met' : 'MISSED'})`);
    console.log(`  CPU: assess process ${cpuSeconds.toFixed(1)} s (${Math.round(entries / cpuSeconds)} entries per CPU-second), emulator ${emuCpuSeconds.toFixed(1)} s; load average ${(await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ')} on ${(await import('node:os')).cpus().length} CPUs`);
    console.log(`  ACL requests: ${report.acl.aclRequests}; verdict ${report.verdict.status}`);
    console.log(`  peak RSS ${mb(peakRss)} MB (process maxRSS ${mb(process.resourceUsage().maxRSS * 1024)} MB, before scan ${mb(rssBefore)} MB; target < 400: ${peakRss < 400 * 1024 * 1024 ? 'met' : 'MISSED'})`);
    console.log(`  HTML report ${(Buffer.byteLength(html) / 1024 / 1024).toFixed(2)} MB (target < 5: ${Buffer.byteLength(html) < 5 * 1024 * 1024 ? 'met' : 'MISSED'})`);
    await store.close();
  } finally {
    await emulator.stop();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
