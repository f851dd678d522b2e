import { cp } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Store } from '../core/store.js';
import { DECOMMISSION_CONDITIONS, runDecommissionCheck } from '../cutover/decommission/index.js';
import { runFinalSync } from '../cutover/final-sync/final-sync.js';
import { freezeTree } from '../cutover/freeze/freeze.js';
import type { JobDb } from '../state/db.js';
import { loadWorkloadTools } from './workload-tools.js';

/** The mapping the demo workload is rewritten with (its Gen1 account -> the demo's Gen2 filesystem). */
export const DEMO_WORKLOAD_MAP = ['adl://contosolake.azuredatalakestore.net/=abfss://gen1@contosolake2.dfs.core.windows.net/'];

/** A bundled folder of src/demo (dist/ holds no copy, so always the sources). */
function demoDir(name: 'workload' | 'workload-ported'): string {
  return fileURLToPath(new URL(`../../src/demo/${name}`, import.meta.url));
}

/**
 * The demo's cutover: scan a copy of the bundled workload, show the diff, apply it to the copy; then
 * freeze Gen1, run the final sync and the decommission check (with the rewritten copy as workloads).
 * Returns true when the gate passes. The demo lake holds names Gen2 cannot hold on purpose, so the
 * check accepts them as lost with the account and says so.
 */
export async function runCutoverStep(source: Store, dest: Store, jobDb: JobDb, work: string, write: (text: string) => void): Promise<boolean> {
  const started = Date.now();
  const copy = join(work, 'workload');
  await cp(demoDir('workload'), copy, { recursive: true, filter: (from) => !from.endsWith('README.md') });
  const tools = await loadWorkloadTools(DEMO_WORKLOAD_MAP);
  const found = await tools.scan([copy]);
  const rewritable = found.findings.filter((f) => f.action === 'rewrite').length;
  const kinds = new Map<string, number>();
  for (const f of found.findings) kinds.set(f.kind ?? f.action, (kinds.get(f.kind ?? f.action) ?? 0) + 1);
  write(`  scan: ${found.filesScanned} workload files, ${found.findings.length} Gen1 references (${rewritable} rewritable; ${[...kinds].map(([k, n]) => `${k} ${n}`).join(', ')})\n`);
  const rewrite = tools.rewrite;
  if (rewrite === undefined) {
    write('  diff and apply: the rewrite library is not in this build; the workload condition is left out of the gate below\n');
  } else {
    const { diff, files } = await rewrite.diff(copy);
    const lines = diff.split('\n');
    write(`  diff: ${files} files would change; first lines:\n${lines.slice(0, 16).map((l) => `    ${l}`).join('\n')}\n${lines.length > 16 ? `    ... ${lines.length - 16} more lines\n` : ''}`);
    const applied = await rewrite.apply(copy);
    const left = await tools.scan([copy]);
    write(`  apply (on a copy): ${applied.files} files rewritten; a second scan finds ${left.findings.length} Gen1 references for a person\n`);
    // What lakeshift reports a person changes: here the hand-written ports of src/demo/workload-ported.
    await cp(demoDir('workload-ported'), copy, { recursive: true });
    const ported = await tools.scan([copy]);
    write(`  by hand: the reported SDK script, linked-service properties and token-provider keys ported (src/demo/workload-ported); a last scan finds ${ported.findings.length}\n`);
  }
  const frozen = await freezeTree(source, { jobDb, concurrency: 16 });
  write(`  freeze: ${frozen.changed} of ${frozen.seen} paths lost their write bits (recorded first); only superusers can write now\n`);
  const sync = await runFinalSync(source, dest, { jobDb, concurrency: 16 });
  write(`  final sync: ${sync.copy.files.copied} copied, ${sync.copy.deleted} deleted, ${sync.copy.files.unchanged} unchanged; checksum validation: ${sync.validation?.differenceCount ?? '-'} differences\n`);
  const check = await runDecommissionCheck(source, dest, {
    jobDb, workloads: [copy], acceptNotHeld: true,
    scanWorkloads: tools.scan, ...(rewrite === undefined ? { conditions: DECOMMISSION_CONDITIONS.filter((c) => c.id !== 'workloads-clean') } : {}),
  });
  write('  decommission check:\n');
  for (const c of check.conditions) write(`    [${!c.checked ? 'n/a ' : c.ok ? 'pass' : 'FAIL'}] ${c.title}: ${c.evidence}\n`);
  write(`    ... and ${check.manualChecklist.length} checks for a person (RBAC, networking, diagnostic settings, the deletion itself)\n`);
  write(`  gate: ${check.passed ? 'passed' : 'NOT passed'} (cutover step ${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
  return check.passed && sync.ok;
}
