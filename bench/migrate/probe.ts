/**
 * Probe (not part of the bench figures): lakeshift alone on one tree (big, small or acl), with a latency
 * fault, once per flag set; odd runs use PROBE_CLI_A, even runs PROBE_CLI_B (default bin/lakeshift.js),
 * so two builds can be compared in one setup (e.g. PROBE_CLI_A=/work/main/bin/lakeshift.js).
 * Usage: node --import tsx bench/migrate/probe.ts TREE(big|small|acl) LATENCY -- [flags...] [-- flags...]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { bulkLoadNamespace } from '../../src/emulators/gen1/bulk-load.js';
import { PEER_TREES, writeTree } from '../lib/trees.js';
import { readProcessCpuSeconds } from '../lib/proc-cpu.js';
import { runLakeshift, useLakeshiftCli } from './child-process.js';
import { lastJsonLine, scratchDir, startGen1Child, startGen2Child } from './env.js';
import { aclTreeEntries, localTreeEntries } from './workloads.js';

const [tree = 'big', lat = '30', ...rest] = process.argv.slice(2);
const sets: string[][] = [];
for (const a of rest) { if (a === '--') sets.push([]); else sets[sets.length - 1]?.push(a); }
if (sets.length === 0) sets.push([]);
useLakeshiftCli(process.env.PROBE_TSX === '1' ? ['--import', 'tsx', 'src/cli/main.ts'] : ['bin/lakeshift.js']);
const root = mkdtempSync(join(tmpdir(), 'lakeshift-probe-'));
try {
  const gen1Dir = scratchDir(root, 'gen1');
  if (tree === 'acl') await bulkLoadNamespace(gen1Dir, aclTreeEntries('acl', Number(process.env.PROBE_ITEMS ?? 5000) / 10, Number(process.env.PROBE_ITEMS ?? 5000) * 0.9));
  else {
    const spec = PEER_TREES.find((t) => t.name === tree);
    if (spec === undefined) throw new Error('tree?');
    const dir = writeTree(scratchDir(root, 'local'), spec);
    await bulkLoadNamespace(gen1Dir, localTreeEntries(dir, spec.name), { batchSize: 4 });
  }
  const gen1 = await startGen1Child(gen1Dir, Number(lat));
  const gen2 = await startGen2Child(Number(lat));
  try {
    let n = 0;
    for (const flags of sets) {
      n++;
      const c1 = readProcessCpuSeconds(gen1.pid); const c2 = readProcessCpuSeconds(gen2.pid);
      const cli = n % 2 === 1 ? (process.env.PROBE_CLI_A ?? 'bin/lakeshift.js') : (process.env.PROBE_CLI_B ?? 'bin/lakeshift.js');
      useLakeshiftCli([cli]);
      const r = await runLakeshift(['migrate', `${gen1.gen1Url}/webhdfs/v1/${tree}`, `${gen2.accountUrl}/probe-${n}`, '--output', 'json', '--state-dir', `${root}/s${n}`, ...flags]);
      const s = lastJsonLine(r.stdout, 'summary');
      console.log(`${cli} [${flags.join(' ')}] exit ${r.exitCode} wall ${r.wallSeconds.toFixed(2)} s cpu ${r.cpuSeconds.toFixed(1)} gen1 ${(readProcessCpuSeconds(gen1.pid) - c1).toFixed(1)} gen2 ${(readProcessCpuSeconds(gen2.pid) - c2).toFixed(1)} rss ${r.peakRssMb.toFixed(0)} files ${JSON.stringify(s?.['files'])} load ${loadavg()[0]?.toFixed(1)}`);
      if (r.exitCode !== 0) console.log(r.stderr.slice(-1500));
    }
  } finally { await gen1.stop(); await gen2.stop(); }
} finally { rmSync(root, { recursive: true, force: true }); }
