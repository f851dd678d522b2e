import type { Store } from '../../core/store.js';
import type { JobDb } from '../../state/db.js';
import { latestFinalSync, type FinalSyncRecord } from '../final-sync/final-sync-record.js';
import { scanSource, type SourceScan } from '../final-sync/source-scan.js';
import { recordCutoverEvent } from '../ops-state/events.js';
import { findCoveringFreeze, storeKey, type FreezeRow } from '../ops-state/freezes.js';
import { cutoverDb } from '../ops-state/tables.js';
import { DECOMMISSION_CONDITIONS, MANUAL_CHECKLIST } from './conditions.js';
import type { ConditionResult, DecommissionCondition, DecommissionContext, WorkloadScanner } from './types.js';

export interface DecommissionCheckOptions {
  jobDb: JobDb;
  workloads?: string[];
  scanWorkloads?: WorkloadScanner;
  acceptNotHeld?: boolean;
  /** Check only; do not record the check as a cutover event. */
  dryRun?: boolean;
  flags?: Record<string, unknown>;
  /** The conditions to check (default DECOMMISSION_CONDITIONS). */
  conditions?: readonly DecommissionCondition[];
  signal?: AbortSignal;
}

export interface DecommissionReport {
  source: string;
  dest: string;
  checkedAt: string;
  /** True only when every checked condition holds (unchecked ones are listed, see ConditionResult.checked). */
  passed: boolean;
  conditions: ConditionResult[];
  /** What lakeshift cannot check; a person confirms each before deleting the account. */
  manualChecklist: readonly string[];
}

function once<T>(fn: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () => (p ??= fn());
}

/**
 * The gate before deleting a Gen1 account: runs every condition (each sees the same memoized source
 * listing and final-sync record), turns a condition that throws into a failed one with the error as
 * evidence, and records the verdict (not for a dry run). Read-only towards both stores.
 */
export async function runDecommissionCheck(source: Store, dest: Store, options: DecommissionCheckOptions): Promise<DecommissionReport> {
  const db = await cutoverDb(options.jobDb);
  const sourceKey = storeKey(source.displayUri);
  const destKey = storeKey(dest.displayUri);
  const ctx: DecommissionContext = {
    source, dest, jobDb: options.jobDb, db,
    workloads: options.workloads ?? [],
    scanWorkloads: options.scanWorkloads,
    acceptNotHeld: options.acceptNotHeld === true,
    flags: options.flags ?? {},
    sourceScan: once<SourceScan>(() => scanSource(source, options.signal)),
    freeze: once<{ freeze: FreezeRow; prefix: string } | undefined>(() => findCoveringFreeze(db, sourceKey)),
    lastFinalSync: once<FinalSyncRecord | undefined>(() => latestFinalSync(db, sourceKey, destKey)),
  };
  const conditions: ConditionResult[] = [];
  for (const c of options.conditions ?? DECOMMISSION_CONDITIONS) {
    try {
      const r = await c.check(ctx);
      const checked = r.notChecked !== true;
      conditions.push({ id: c.id, title: c.title, ok: checked && r.ok, checked, evidence: r.evidence, hint: checked && r.ok ? '' : (r.hint ?? '') });
    } catch (error) {
      conditions.push({ id: c.id, title: c.title, ok: false, checked: true, evidence: `the check failed: ${error instanceof Error ? error.message : String(error)}`, hint: 'fix the cause and run the check again' });
    }
  }
  const report: DecommissionReport = {
    source: sourceKey, dest: destKey, checkedAt: new Date().toISOString(),
    passed: conditions.every((c) => c.ok || !c.checked), conditions, manualChecklist: MANUAL_CHECKLIST,
  };
  if (options.dryRun !== true) {
    await recordCutoverEvent(db, { kind: 'decommission-check', source: sourceKey, dest: destKey, ok: report.passed, details: { conditions: conditions.filter((c) => c.checked).map((c) => ({ id: c.id, ok: c.ok })), notChecked: conditions.filter((c) => !c.checked).map((c) => c.id) } });
  }
  return report;
}

/** The report for people: each condition with its evidence and hint, then the manual checklist. */
export function formatDecommissionReport(r: DecommissionReport): string {
  const lines = [`Decommission check ${r.source} -> ${r.dest}`];
  for (const c of r.conditions) {
    lines.push(`  [${!c.checked ? 'n/a ' : c.ok ? 'pass' : 'FAIL'}] ${c.title} (${c.id})`, `         ${c.evidence}`);
    if (!c.ok && c.hint !== '') lines.push(`         ${c.checked ? 'to do' : 'to check'}: ${c.hint}`);
  }
  lines.push('', '  lakeshift cannot check these; confirm each before deleting the account:');
  for (const item of r.manualChecklist) lines.push(`  [ ] ${item}`);
  const checked = r.conditions.filter((c) => c.checked);
  const failed = checked.filter((c) => !c.ok).length;
  const unchecked = r.conditions.length - checked.length;
  const note = unchecked === 0 ? '' : ` (${unchecked} not checked: their inputs were not given)`;
  lines.push('', r.passed ? `  result: every checked condition holds; the gate is passed${note}` : `  result: ${failed} of ${checked.length} checked conditions do not hold; do not delete the Gen1 account${note}`);
  return `${lines.join('\n')}\n`;
}
