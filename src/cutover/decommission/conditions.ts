import { storeKey } from '../ops-state/freezes.js';
import type { DecommissionCondition } from './types.js';
import { gatewayDriftCondition, metastoreCondition } from './optional-conditions.js';
import { workloadsCondition } from './workload-condition.js';

const iso = (ms: number): string => new Date(ms).toISOString();

/** The source is frozen: a finished freeze is recorded and a listing finds no path that grants writing. */
export const frozenCondition: DecommissionCondition = {
  id: 'frozen',
  title: 'Gen1 is frozen (no path grants a write bit to non-superusers)',
  async check(ctx) {
    const found = await ctx.freeze();
    const source = storeKey(ctx.source.displayUri);
    if (found === undefined) return { ok: false, evidence: `no freeze of ${source} is recorded`, hint: `lakeshift cutover freeze ${source}` };
    const { freeze } = found;
    if (freeze.state !== 'frozen') return { ok: false, evidence: `freeze ${freeze.id} of ${freeze.store} is ${freeze.state}`, hint: `rerun lakeshift cutover freeze ${freeze.store} to finish it` };
    const scan = await ctx.sourceScan();
    const base = `freeze ${freeze.id} finished ${iso(freeze.finished_at ?? freeze.started_at)} (${freeze.paths_changed} paths changed)`;
    if (scan.writable > 0) {
      return {
        ok: false,
        evidence: `${base}, but ${scan.writable} of ${scan.paths} paths grant a write bit again (e.g. ${scan.writableExamples.slice(0, 3).map((p) => JSON.stringify(p)).join(', ')})`,
        hint: `an owner or superuser changed them since; rerun lakeshift cutover freeze ${freeze.store}, then final-sync again`,
      };
    }
    return { ok: true, evidence: `${base}; listing: 0 of ${scan.paths} paths grant a write bit` };
  },
};

/** The last final sync succeeded, ran under the freeze, and Gen1 has not changed since it listed the source. */
export const finalSyncCondition: DecommissionCondition = {
  id: 'final-sync-current',
  title: 'The last final sync is newer than the last Gen1 change',
  async check(ctx) {
    const last = await ctx.lastFinalSync();
    const hint = `lakeshift cutover final-sync ${storeKey(ctx.source.displayUri)} ${storeKey(ctx.dest.displayUri)}`;
    if (last === undefined) return { ok: false, evidence: 'no final sync of this source to this destination is recorded', hint };
    const when = `final sync ${iso(last.startedAtMs)} (job ${last.jobId} run ${last.runNo})`;
    if (last.freezeId === null) return { ok: false, evidence: `${when} ran without a freeze (--allow-unfrozen)`, hint: `freeze first, then ${hint}` };
    // Whether its validation was clean is the next condition's question; this one asks about the copy.
    const why = last.copyStatus !== 'completed' ? `the copy ${last.copyStatus}` : last.filesFailed > 0 ? `${last.filesFailed} files failed` : last.deleteRefused !== null ? `deletion was refused (${last.deleteRefused})` : undefined;
    if (why !== undefined) return { ok: false, evidence: `${when} did not finish its copy: ${why}`, hint };
    const scan = await ctx.sourceScan();
    const now = `newest Gen1 change now ${iso(scan.latestChangeMs)} (${JSON.stringify(scan.latestChangePath)})`;
    if (scan.latestChangeMs > last.sourceLatestChangeMs) {
      return { ok: false, evidence: `${now} is after the newest change the ${when} saw (${iso(last.sourceLatestChangeMs)})`, hint };
    }
    return { ok: true, evidence: `${when} saw newest change ${iso(last.sourceLatestChangeMs)}; ${now}` };
  },
};

/** The last final sync's checksum validation found zero differences. */
export const validationCondition: DecommissionCondition = {
  id: 'validation-clean',
  title: 'Checksum validation found zero differences',
  async check(ctx) {
    const last = await ctx.lastFinalSync();
    const v = last?.validation;
    const hint = `lakeshift cutover final-sync ${storeKey(ctx.source.displayUri)} ${storeKey(ctx.dest.displayUri)} (it validates with checksums)`;
    if (last === undefined || v === null || v === undefined) return { ok: false, evidence: 'no validation of a final sync is recorded', hint };
    const what = `validation of ${iso(last.finishedAtMs)}: ${v.files} files and ${v.directories} directories${v.checksum ? ', content compared' : ''}`;
    if (!v.checksum) return { ok: false, evidence: `${what} without content comparison`, hint };
    if (v.differenceCount > 0) {
      const kinds = Object.entries(v.byKind).map(([k, n]) => `${k} ${n}`).join(', ');
      return { ok: false, evidence: `${what}: ${v.differenceCount} differences (${kinds})`, hint: `see lakeshift validate --checksum for the list; fix, then ${hint}` };
    }
    return { ok: true, evidence: `${what}: 0 differences` };
  },
};

/** Every source path is held by the destination (names Gen2 refuses would be lost with the account). */
export const allHeldCondition: DecommissionCondition = {
  id: 'all-paths-held',
  title: 'Every Gen1 path has a copy in Gen2',
  async check(ctx) {
    const v = (await ctx.lastFinalSync())?.validation;
    if (v === null || v === undefined) return { ok: false, evidence: 'no validation of a final sync is recorded', hint: 'run the final sync' };
    if (v.notHeld === 0) return { ok: true, evidence: 'every source path is present in the destination' };
    const ex = v.notHeldExamples.slice(0, 3).map((p) => JSON.stringify(p)).join(', ');
    if (ctx.acceptNotHeld) return { ok: true, evidence: `${v.notHeld} paths Gen2 cannot hold (e.g. ${ex}) are accepted as lost with the account (--accept-not-held)` };
    return { ok: false, evidence: `${v.notHeld} source paths have names or depths Gen2 cannot hold (e.g. ${ex}); deleting Gen1 deletes them`, hint: 'rename or archive them (as a superuser), final-sync again, or pass --accept-not-held' };
  },
};

/**
 * The gate's conditions, in the order they are printed. Each is a small function of the context.
 * The last two (gateway drift, metastore) apply when their input is given and are listed as not
 * checked otherwise (optional-conditions.ts).
 */
export const DECOMMISSION_CONDITIONS: readonly DecommissionCondition[] = [
  frozenCondition,
  finalSyncCondition,
  validationCondition,
  allHeldCondition,
  workloadsCondition,
  gatewayDriftCondition,
  metastoreCondition,
];

/** What lakeshift cannot check: printed with every decommission check. */
export const MANUAL_CHECKLIST: readonly string[] = [
  'RBAC: remove or review role assignments on the Gen1 account (Owner, Contributor, custom roles with .../Superuser/action) and grant the Gen2 roles workloads need (Storage Blob Data Owner/Contributor/Reader).',
  'Networking: firewall rules, virtual network rules and private endpoints of the Gen2 account allow every workload; Gen1 firewall and trusted-service settings are no longer needed.',
  'Diagnostic settings: Gen2 diagnostic logs, metrics and alerts replace the Gen1 ones (Log Analytics, Event Hubs, storage targets).',
  'Service principals and managed identities that held Gen1 ACLs have the same access on Gen2 (identity map applied, no unmapped principals).',
  'Workloads outside the scanned paths (other repositories, job schedulers, Key Vault secrets, BI connections) no longer name Gen1.',
  'Billing: both accounts are billed until Gen1 is deleted; delete it once workloads have run cleanly on Gen2 for an agreed period.',
  'The deletion itself: a person deletes the Gen1 account (portal, az dls account delete, or Remove-AzDataLakeStoreAccount) after taking any final export; lakeshift never deletes it.',
];
