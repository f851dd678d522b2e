import { isStorageError } from '../../core/errors.js';
import { loadPlan } from '../../plan/load-plan.js';
import { mergedIdentityMap, readRootAcls } from '../../provision/index.js';
import { runPrepare, type PrepareResult } from '../../provision/prepare/prepare.js';
import { openStore } from '../../stores/open-store.js';
import { UserError } from '../cli-error.js';
import { outputFrom, storeOptionsFrom } from '../common-options.js';
import { readIdentityMapFlag } from '../copy-flags.js';
import { EXIT } from '../exit-codes.js';
import { checkReachable } from '../reachability.js';
import { formatAclSpec } from '../../core/acl.js';

function renderText(r: PrepareResult): string {
  const lines = [`Gen2 account ${r.account}: hierarchical namespace ${r.hns} (${r.hnsEvidence}); credential: ${r.credential}${r.dryRun ? '; dry run, nothing written' : ''}`];
  for (const f of r.filesystems) {
    const verb = r.dryRun ? 'would change' : 'changed';
    lines.push(`  ${f.name}: ${f.changes.length === 0 ? 'already as planned, nothing changed' : `${verb}: ${f.changes.join('; ')}`}${f.error ? ` - FAILED: ${f.error}` : ''}`);
    if (f.root !== undefined) lines.push(`    root: owner ${f.root.owner}, group ${f.root.group}, ${formatAclSpec(f.root.entries)}${(f.root.permissions & 0o1000) !== 0 ? ' (sticky)' : ''}`);
    for (const p of f.probes) if (p.ok === false) lines.push(`    MISSING RIGHT ${p.operation}: ${p.detail ?? ''}; granted by ${p.grantedBy ?? '?'}`);
    const ok = f.probes.filter((p) => p.ok === true).map((p) => p.operation);
    if (ok.length > 0) lines.push(`    rights confirmed: ${ok.join(', ')}`);
  }
  lines.push(r.missingRights.length === 0 ? 'Every probed right is there.' : `${r.missingRights.length} missing right(s): fix them before migrate.`);
  return `${lines.join('\n')}\n`;
}

/**
 * The prepare action: load the plan and identity map, read each filesystem's root ACL from Gen1, run
 * prepare. Exit 0 when everything is as planned and every probed right is there; 1 when a right is
 * missing or a filesystem could not be prepared; 6 when the account has no hierarchical namespace.
 */
export async function runPrepareCommand(dest: string, o: Record<string, unknown>): Promise<void> {
  const plan = await loadPlan(String(o['plan'])).catch((error: unknown) => {
    throw isStorageError(error, 'invalid-argument') ? new UserError(error.message) : error;
  });
  const identityMap = mergedIdentityMap(plan, await readIdentityMapFlag(o));
  const storeOptions = storeOptionsFrom(o);
  const sourceUri = typeof o['source'] === 'string' ? o['source'] : plan.source;
  let source;
  try {
    source = openStore(sourceUri, { ...storeOptions, role: 'source' });
  } catch (error) {
    throw isStorageError(error, 'invalid-argument') ? new UserError(`--source/plan source: ${error.message}`) : error;
  }
  const unmapped = new Set<string>();
  let rootAcls;
  try {
    await checkReachable(source, 'source');
    rootAcls = await readRootAcls(source, plan, identityMap, unmapped);
  } finally {
    await source.close();
  }
  let result: PrepareResult;
  try {
    result = await runPrepare({ dest, plan, rootAcls, dryRun: o['dryRun'] === true, storeOptions });
  } catch (error) {
    if (isStorageError(error, 'not-supported')) throw new UserError(error.message, EXIT.gate);
    if (isStorageError(error, 'invalid-argument')) throw new UserError(error.message);
    throw error;
  }
  if (outputFrom(o) === 'json') process.stdout.write(`${JSON.stringify({ ...result, unmappedPrincipals: [...unmapped].sort() }, null, 2)}\n`);
  else {
    process.stdout.write(renderText(result));
    if (unmapped.size > 0) process.stdout.write(`Principals not in the identity map (carried unchanged): ${[...unmapped].sort().join(', ')}\n`);
  }
  if (result.missingRights.length > 0 || result.filesystems.some((f) => f.error !== undefined)) process.exitCode = EXIT.failures;
}
