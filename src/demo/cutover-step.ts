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

/** The bundled workload (src/demo/workload; dist/demo/workload does not exist, so always the sources). */
function workloadDir(): string {
  return fileURLToPath(new URL('../../src/demo/workload', import.meta.url));
}

/**
 * The demo's cutover: scan a copy of the bundled workload, show the diff, apply it to the copy; then
 * freeze Gen1, run the final sync and the decommission check (with the rewritten copy as workloads).
 * Returns true when the gate passes. The demo lake holds names Gen2 cannot hold on purpose, so the
 * check accepts them as lost with the account and says so.
 */
export async function runCutoverStep(source: Store, dest: Store, jobDb: JobDb, work: string, write: (text: string) => void): Promise<boolean> {
  const copy = join(work, 'workload');
  await cp(workloadDir(), copy, { recursive: true });
  const tools = await loadWorkloadTools(DEMO_WORKLOAD_MAP);
  if (tools === undefined) {
    write('  workload scan and rewrite: not in this build; the workload part is left out\n');
  } else {
    const found = await tools.scan([copy]);
    const rewritable = found.findings.filter((f) => f.action === 'rewrite').length;
    write(`  scan: ${found.filesScanned} workload files, ${found.findings.length} Gen1 references (${rewritable} rewritable)\n`);
    const { diff, files } = await tools.diff([copy]);
    const lines = diff.split('\n');
    write(`  diff: ${files} files would change; first lines:\n${lines.slice(0, 16).map((l) => `    ${l}`).join('\n')}\n${lines.length > 16 ? `    ... ${lines.length - 16} more lines\n` : ''}`);
    const applied = await tools.apply([copy]);
    const left = await tools.scan([copy]);
    write(`  apply (on a copy): ${applied.files} files rewritten; a second scan finds ${left.findings.length} Gen1 references\n`);
  }
  const frozen = await freezeTree(source, { jobDb, concurrency: 16 });
  write(`  freeze: ${frozen.changed} of ${frozen.seen} paths lost their write bits (recorded first); only superusers can write now\n`);
  const sync = await runFinalSync(source, dest, { jobDb, concurrency: 16 });
  write(`  final sync: ${sync.copy.files.copied} copied, ${sync.copy.deleted} deleted, ${sync.copy.files.unchanged} unchanged; checksum validation: ${sync.validation?.differenceCount ?? '-'} differences\n`);
  const check = await runDecommissionCheck(source, dest, {
    jobDb, workloads: [copy], acceptNotHeld: true,
    ...(tools === undefined ? { conditions: DECOMMISSION_CONDITIONS.filter((c) => c.id !== 'workloads-clean') } : { scanWorkloads: tools.scan }),
  });
  write('  decommission check:\n');
  for (const c of check.conditions) write(`    [${c.ok ? 'pass' : 'FAIL'}] ${c.title}: ${c.evidence}\n`);
  write(`    ... and ${check.manualChecklist.length} checks for a person (RBAC, networking, diagnostic settings, the deletion itself)\n`);
  write(`  gate: ${check.passed ? 'passed' : 'NOT passed'}\n`);
  return check.passed && sync.ok;
}
