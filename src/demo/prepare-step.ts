import type { Store } from '../core/store.js';
import type { Plan } from '../plan/plan-schema.js';
import { readRootAcls } from '../provision/root-acls.js';
import { runPrepare } from '../provision/prepare/prepare.js';

/**
 * The demo's prepare step: the demo migrates the whole lake into one filesystem (`gen1`, as the portal
 * migration does), so the plan is narrowed to that one target, then `lakeshift prepare` runs on it.
 * Throws when a right is missing or the filesystem could not be prepared (the demo must stay honest).
 */
export async function runPrepareStep(proposed: Plan, source: Store, destUri: string, write: (text: string) => void): Promise<void> {
  const plan: Plan = {
    ...proposed,
    datasets: [{ name: 'lake', sourcePath: '', include: 'subtree', target: { filesystem: 'gen1', path: '' }, pattern: 'lift-and-shift', wave: 1, files: 0, directories: 0, bytes: 0, bytesChangedLast30d: 0, rationale: 'demo: everything into gen1' }],
    waves: [{ number: 1, datasets: ['lake'], bytes: 0, files: 0 }],
  };
  const rootAcls = await readRootAcls(source, plan, undefined);
  const result = await runPrepare({ dest: destUri, plan, rootAcls });
  for (const f of result.filesystems) {
    write(`  ${f.name}: ${f.changes.length === 0 ? 'already as planned' : f.changes.join('; ')}; rights probed: ${f.probes.map((p) => `${p.operation} ${p.ok === true ? 'ok' : String(p.ok)}`).join(', ')}\n`);
    if (f.error !== undefined) throw new Error(`prepare failed on ${f.name}: ${f.error}`);
  }
  write(`  hierarchical namespace ${result.hns}; ${result.missingRights.length} missing rights\n`);
  if (result.missingRights.length > 0) throw new Error(`prepare found missing rights: ${result.missingRights.join('; ')}`);
}
