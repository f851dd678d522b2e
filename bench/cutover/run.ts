/**
 * Workload-scan benchmark: the built `lakeshift cutover scan` process (the full rule set) beside
 * ripgrep over the same tree, in one run.
 *
 *   node --import tsx bench/cutover/run.ts [--files 100000] [--mib 1024] [--dir DIR] [--keep] [--workers N] [--setup-only]
 *
 * 1. Writes a tree of --files text files totalling --mib MiB (500 files per folder; Python, Scala,
 *    JSON, XML, YAML and shell text; 1% of the files carry Gen1 references in the forms of
 *    shared/docs/cutover.md). An existing tree at --dir with a matching marker file is reused.
 *    `--setup-only` writes the tree (kept) and exits: the untimed part, to run under `nice` outside
 *    the benchmark lock.
 * 2. Runs `rg -c 'azuredatalakestore|fs\.adl|dfs\.adls' DIR` once to warm the page cache (not timed),
 *    then times one rg process and one `node bin/lakeshift.js cutover scan DIR --map ... --output json`
 *    process over the same tree, and prints wall and CPU seconds, files/s, MB/s, findings and both
 *    ratios (lakeshift / rg; target <= 3), with the load average.
 *
 * ripgrep is Debian's package: `apt-get install -y ripgrep`. The benchmark installs nothing itself;
 * without rg it says so and prints lakeshift's figures alone. Run `npm run build` first.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readWaitedChildrenCpuSeconds } from '../lib/proc-cpu.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : (process.argv[i + 1] ?? fallback);
}

const FILES = Number(arg('files', '100000'));
const MIB = Number(arg('mib', '1024'));
const DIR = arg('dir', join(tmpdir(), `lakeshift-bench-cutover-${FILES}-${MIB}`));
const KEEP = process.argv.includes('--keep');
const WORKERS = process.argv.includes('--workers') ? Number(arg('workers', '0')) : undefined;
const PER_DIR = 500;

let seed = 42;
const rand = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;

const WORDS = ['order', 'customer', 'amount', 'region', 'store', 'event', 'handler', 'metrics', 'window', 'partition', 'schema', 'table', 'record', 'batch', 'config', 'value', 'result', 'status', 'client', 'request'];
const FILLER: Record<string, () => string> = {
  py: () => `    ${pick(WORDS)}_${pick(WORDS)} = df.filter(col("${pick(WORDS)}") > ${Math.floor(rand() * 1000)}).groupBy("${pick(WORDS)}").count()\n`,
  scala: () => `  val ${pick(WORDS)}${Math.floor(rand() * 99)} = spark.table("${pick(WORDS)}").where($"${pick(WORDS)}" === "${pick(WORDS)}")\n`,
  json: () => `    { "name": "${pick(WORDS)}-${Math.floor(rand() * 1e6)}", "type": "${pick(WORDS)}", "enabled": ${rand() < 0.5} },\n`,
  xml: () => `  <property><name>mapreduce.${pick(WORDS)}.${pick(WORDS)}</name><value>${Math.floor(rand() * 1e5)}</value></property>\n`,
  yaml: () => `  ${pick(WORDS)}_${pick(WORDS)}: "${pick(WORDS)}-${Math.floor(rand() * 1e4)}"\n`,
  sh: () => `hdfs dfs -ls /user/etl/${pick(WORDS)}/${pick(WORDS)} | grep ${pick(WORDS)} >> /tmp/${pick(WORDS)}.log\n`,
};
const GEN1: readonly string[] = [
  'raw = spark.read.parquet("adl://contoso.azuredatalakestore.net/raw/sales/2024/")\n',
  'spark.conf.set("fs.adl.oauth2.client.id", dbutils.secrets.get("lake", "spn-id"))\n',
  '  <property><name>dfs.adls.oauth2.refresh.url</name><value>https://login.microsoftonline.com/t/oauth2/token</value></property>\n',
  '    "dataLakeStoreUri": "https://contoso.azuredatalakestore.net/webhdfs/v1",\n',
  'from azure.datalake.store import core, lib\n',
  'Get-AzDataLakeStoreChildItem -Account contoso -Path /raw\n',
];

/** Writes the tree (or reuses one written with the same parameters). */
function writeTree(): { files: number; bytes: number; gen1Files: number } {
  const marker = join(DIR, '.bench-tree.json');
  if (existsSync(marker)) return JSON.parse(readFileSync(marker, 'utf8')) as { files: number; bytes: number; gen1Files: number };
  rmSync(DIR, { recursive: true, force: true });
  const target = (MIB * 1024 * 1024) / FILES;
  const exts = Object.keys(FILLER);
  let bytes = 0;
  let gen1Files = 0;
  for (let i = 0; i < FILES; i++) {
    const d = join(DIR, `d${String(Math.floor(i / PER_DIR)).padStart(4, '0')}`);
    if (i % PER_DIR === 0) mkdirSync(d, { recursive: true });
    const ext = pick(exts);
    const filler = FILLER[ext] as () => string;
    const size = Math.round(target * (0.5 + rand()));
    const parts: string[] = [];
    let n = 0;
    const gen1 = i % 100 === 7;
    if (gen1) gen1Files += 1;
    while (n < size) {
      const line = gen1 && parts.length % 40 === 3 ? pick(GEN1) : filler();
      parts.push(line);
      n += line.length;
    }
    const text = parts.join('');
    writeFileSync(join(d, `f${i}.${ext}`), text);
    bytes += text.length;
  }
  const meta = { files: FILES, bytes, gen1Files };
  writeFileSync(marker, JSON.stringify(meta));
  return meta;
}

/** Runs a command to completion; wall seconds and the CPU seconds (user + system) it used. */
function timed(cmd: string, args: readonly string[]): { wall: number; cpu: number; stdout: string; status: number | null } {
  const cpu0 = readWaitedChildrenCpuSeconds();
  const t = performance.now();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 28 });
  const wall = (performance.now() - t) / 1000;
  if (r.error !== undefined) throw r.error;
  return { wall, cpu: readWaitedChildrenCpuSeconds() - cpu0, stdout: r.stdout, status: r.status };
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(ROOT, 'bin', 'lakeshift.js');
const entry = existsSync(join(ROOT, 'dist', 'bundle', 'main.js')) ? 'built bundle (dist/bundle)' : 'TypeScript sources through tsx (run `npm run build` first to measure what users run)';

const rgVersion = spawnSync('rg', ['--version'], { encoding: 'utf8' });
const hasRg = rgVersion.status === 0 && rgVersion.error === undefined;
if (!hasRg) process.stdout.write("ripgrep (rg) is not installed: no ratio in this run. Install Debian's package: apt-get install -y ripgrep\n");

const t0 = performance.now();
const tree = writeTree();
process.stdout.write(`tree: ${tree.files} files, ${(tree.bytes / 2 ** 20).toFixed(0)} MiB, ${tree.gen1Files} with Gen1 references, at ${DIR} (written or reused in ${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);
if (process.argv.includes('--setup-only')) process.exit(0);

const mb = tree.bytes / 1e6;
const load = (): string => loadavg().map((x) => x.toFixed(2)).join(' ');
const rate = (files: number, s: number): string => `${(files / s).toFixed(0)} files/s, ${(mb / s).toFixed(0)} MB/s`;

let rg: { wall: number; cpu: number } | undefined;
if (hasRg) {
  const rgArgs = ['-c', 'azuredatalakestore|fs\\.adl|dfs\\.adls', DIR];
  spawnSync('rg', rgArgs, { encoding: 'utf8', maxBuffer: 1 << 28 }); // warms the page cache, not timed
  const r = timed('rg', rgArgs);
  rg = r;
  const rgFiles = r.stdout.split('\n').filter((l) => l !== '').length;
  process.stdout.write(`${rgVersion.stdout.split('\n')[0] ?? 'rg'}: ${r.wall.toFixed(2)} s wall, ${r.cpu.toFixed(2)} s CPU, ${rate(tree.files, r.wall)}, ${rgFiles} files with matches; load ${load()}\n`);
}

// The whole `lakeshift cutover scan` process, as users run it (start-up, walk, read, rules, JSON out).
const scanArgs = [CLI, 'cutover', 'scan', DIR, '--map', 'adl://contoso.azuredatalakestore.net/=abfss://gen1@contosoadls.dfs.core.windows.net/', '--output', 'json', ...(WORKERS === undefined ? [] : ['--workers', String(WORKERS)])];
const ls = timed(process.execPath, scanArgs);
if (ls.status !== 0 && ls.status !== 1) {
  process.stderr.write(`lakeshift cutover scan exited ${String(ls.status)}\n`);
  process.exit(70);
}
const report = JSON.parse(ls.stdout) as { files_scanned: number; findings: { file: string }[]; skipped: unknown[] };
const lsFiles = new Set(report.findings.map((f) => f.file)).size;
process.stdout.write(`lakeshift cutover scan (${entry}, full rule set, --workers ${WORKERS === undefined ? 'default' : String(WORKERS)}): ${ls.wall.toFixed(2)} s wall, ${ls.cpu.toFixed(2)} s CPU, ${rate(report.files_scanned, ls.wall)}, ${report.findings.length} findings in ${lsFiles} files, ${report.skipped.length} skipped; load ${load()}\n`);
if (rg !== undefined) process.stdout.write(`ratio lakeshift/rg: ${(ls.wall / rg.wall).toFixed(2)}x wall, ${(ls.cpu / rg.cpu).toFixed(2)}x CPU (target <= 3x); load average ${load()}; ${cpus().length} CPUs\n`);
if (!KEEP && !process.argv.includes('--dir')) rmSync(DIR, { recursive: true, force: true });
