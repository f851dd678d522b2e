/**
 * Assessment benchmark over the Gen1 emulator.
 *
 *   node --import tsx bench/assess/run.ts [--entries 1000000] [--files-per-dir 1000] [--acl-paths 2000]
 *
 * 1. Bulk-loads the emulator's SQLite metadata directly (MetadataStore.insert in one transaction: the
 *    REST API would take hours for a million entries). Files have sizes but no bytes: assess never reads
 *    content. Layout: 10 data sets x N directories x files-per-dir files, mtimes spread over 3 years.
 * 2. Starts the emulator on that directory in a child process and gives `--acl-paths` directories an
 *    extended ACL through REST (SETACL via the Gen1 store).
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
import { MetadataStore, ROOT_ID } from '../../src/emulators/gen1/metadata.js';
import { GEN1_EMULATOR_ADMIN_OID } from '../../src/emulators/gen1/index.js';
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

function bulkLoad(dir: string): { files: number; dirs: number; leafDirs: string[] } {
  const meta = new MetadataStore(dir, { owner: GEN1_EMULATOR_ADMIN_OID, group: GEN1_EMULATOR_ADMIN_OID, now: NOW });
  const leafDirsTotal = Math.max(1, Math.ceil(ENTRIES / (FILES_PER_DIR + 1)));
  const perDataset = Math.ceil(leafDirsTotal / DATASETS);
  let files = 0;
  let dirs = 0;
  const leafDirs: string[] = [];
  const base = { blob: null, owner: GEN1_EMULATOR_ADMIN_OID, grp: GEN1_EMULATOR_ADMIN_OID, acl: '', expiry: 0, lease: null, appendMode: 0 };
  meta.transaction(() => {
    const lake = meta.insert({ ...base, parent: ROOT_ID, name: 'lake', type: 'DIRECTORY', length: 0, perm: 0o770, mtime: NOW, atime: NOW, ctime: NOW });
    let seed = 12345;
    const rand = (): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    for (let d = 0; d < DATASETS && files + dirs < ENTRIES; d++) {
      const ds = meta.insert({ ...base, parent: lake.id, name: `dataset-${d}`, type: 'DIRECTORY', length: 0, perm: 0o770, mtime: NOW, atime: NOW, ctime: NOW });
      dirs++;
      for (let p = 0; p < perDataset && files + dirs < ENTRIES; p++) {
        const name = `part=${String(p).padStart(5, '0')}`;
        const age = Math.floor(rand() * 3 * 365) * DAY;
        const leaf = meta.insert({ ...base, parent: ds.id, name, type: 'DIRECTORY', length: 0, perm: 0o770, mtime: NOW - age, atime: NOW - age, ctime: NOW - age });
        dirs++;
        if (leafDirs.length < ACL_PATHS) leafDirs.push(`dataset-${d}/${name}`);
        for (let f = 0; f < FILES_PER_DIR && files + dirs < ENTRIES; f++) {
          const size = Math.floor(2 ** (rand() * 30));
          const t = NOW - age - Math.floor(rand() * 30) * DAY;
          meta.insert({ ...base, parent: leaf.id, name: `part-${String(f).padStart(5, '0')}.parquet`, type: 'FILE', length: size, perm: 0o640, mtime: t, atime: t, ctime: t });
          files++;
        }
      }
    }
  });
  meta.close();
  return { files, dirs, leafDirs };
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
  const loaded = bulkLoad(dir);
  console.log(`bulk load: ${loaded.files} files + ${loaded.dirs} directories in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  const emulator = await startChild(dir);
  try {
    const store = createGen1Store(parseLocation(`${emulator.url}/webhdfs/v1/lake`) as Gen1Location, {});
    t = performance.now();
    const acl = [
      { scope: 'access' as const, type: 'user' as const, id: '', perms: 7 },
      { scope: 'access' as const, type: 'user' as const, id: '11111111-1111-4111-8111-111111111111', perms: 5 },
      { scope: 'access' as const, type: 'group' as const, id: '', perms: 5 },
      { scope: 'access' as const, type: 'mask' as const, id: '', perms: 5 },
      { scope: 'access' as const, type: 'other' as const, id: '', perms: 0 },
    ];
    const queue = [...loaded.leafDirs];
    await Promise.all(Array.from({ length: 16 }, async () => {
      for (let p = queue.pop(); p !== undefined; p = queue.pop()) await store.setAcl(p, acl);
    }));
    console.log(`set ${loaded.leafDirs.length} extended ACLs over REST in ${((performance.now() - t) / 1000).toFixed(1)} s`);

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
