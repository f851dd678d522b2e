import { isStorageError, StorageError } from '../../core/errors.js';
import type { Store } from '../../core/store.js';
import type { JobDb } from '../../state/db.js';
import { recordCutoverEvent } from '../ops-state/events.js';
import { findOpenFreeze, pageFreezePaths, storeKey, updateFreeze, updateFreezePaths, type FreezePathRow, type FreezeRow } from '../ops-state/freezes.js';
import { cutoverDb, type CutoverDb } from '../ops-state/tables.js';
import { applyState } from './freeze.js';
import { describeState, parseEntries, sameState, stateOf, type PermissionState } from './frozen-acl.js';
import { mapLimited } from './tree-pages.js';

export interface UnfreezeOptions {
  jobDb: JobDb;
  /** Restore paths whose state changed since the freeze too (their change is overwritten). */
  force?: boolean;
  /** Check and report; change nothing. */
  dryRun?: boolean;
  concurrency?: number;
  signal?: AbortSignal;
}

/**
 * restored: set back to what the freeze recorded (and read back equal); unchanged: already as recorded
 * before the freeze; conflict: neither frozen nor as before (someone changed it): refused without force;
 * forced: a conflict restored with force; missing: the path no longer exists; failed: the restore call
 * or its read-back failed; would-restore: dry run.
 */
export type UnfreezeOutcome = 'restored' | 'unchanged' | 'conflict' | 'forced' | 'missing' | 'failed' | 'would-restore';

export interface UnfreezePath {
  path: string;
  outcome: UnfreezeOutcome;
  /** The recorded state before the freeze (what is restored). */
  before: string;
  /** The state found now when it is not what the freeze left. */
  found?: string;
  error?: string;
}

export interface UnfreezeReport {
  store: string;
  freezeId: string;
  dryRun: boolean;
  force: boolean;
  /** unfrozen: every record restored; refused: conflicts and no force, nothing changed; incomplete: some failed. */
  state: 'unfrozen' | 'refused' | 'incomplete' | 'would-unfreeze';
  counts: Record<UnfreezeOutcome, number>;
  paths: UnfreezePath[];
  durationMs: number;
}

const PAGE = 500;

interface Found {
  rec: FreezePathRow;
  before: PermissionState;
  after: PermissionState;
  current: PermissionState | undefined;
  error?: string;
}

async function inspect(store: Store, rec: FreezePathRow, signal: AbortSignal | undefined): Promise<Found> {
  const before = { mode: rec.before_mode, entries: parseEntries(rec.before_acl) };
  const after = { mode: rec.after_mode, entries: parseEntries(rec.after_acl) };
  try {
    return { rec, before, after, current: stateOf(await store.getAcl(rec.path, signal === undefined ? {} : { signal })) };
  } catch (error) {
    if (isStorageError(error, 'not-found')) return { rec, before, after, current: undefined };
    if (isStorageError(error, 'cancelled')) throw error;
    return { rec, before, after, current: undefined, error: error instanceof Error ? error.message : String(error) };
  }
}

function classify(f: Found): 'restore' | 'unchanged' | 'conflict' | 'missing' | 'failed' {
  if (f.error !== undefined) return 'failed';
  if (f.current === undefined) return 'missing';
  if (sameState(f.current, f.before)) return 'unchanged';
  // A record written just before a kill may never have been applied: the path is then as before.
  if (sameState(f.current, f.after)) return 'restore';
  return 'conflict';
}

async function* records(db: CutoverDb, freezeId: string): AsyncIterable<FreezePathRow[]> {
  for (let after = 0; ;) {
    const page = await pageFreezePaths(db, freezeId, after, PAGE);
    if (page.length === 0) return;
    yield page;
    after = page[page.length - 1]?.id ?? after;
  }
}

/** The open freeze of `store`, or the only open freeze when `store` is undefined. Throws StorageError saying what to do. */
export async function resolveOpenFreeze(jobDb: JobDb, store: string | undefined): Promise<FreezeRow> {
  const db = await cutoverDb(jobDb);
  if (store !== undefined) {
    const f = await findOpenFreeze(db, store);
    if (f === undefined) throw new StorageError('not-found', `${storeKey(store)} is not frozen in the job database ${jobDb.location} (check --state-dir).`);
    return f;
  }
  const all = await db.selectFrom('cutover_freezes').selectAll().where('state', '!=', 'unfrozen').execute();
  const [only, second] = all;
  if (only === undefined) throw new StorageError('not-found', `No frozen store in the job database ${jobDb.location} (check --state-dir).`);
  if (second !== undefined) throw new StorageError('invalid-argument', `Several stores are frozen (${all.map((f) => f.store).join(', ')}); name the one to unfreeze.`);
  return only;
}

/**
 * Restores exactly what a freeze recorded, path by path. First checks every record (nothing is
 * changed): a path that is neither as the freeze left it nor as it was before is a conflict, and
 * without `force` the whole unfreeze is refused. Then restores each path and reads it back. Paths
 * that no longer exist are reported and skipped. Resumable: restored records are not touched again.
 * Pass the store the freeze was made on (the same URI).
 */
export async function unfreezeTree(store: Store, freeze: FreezeRow, options: UnfreezeOptions): Promise<UnfreezeReport> {
  const started = Date.now();
  const db = await cutoverDb(options.jobDb);
  const force = options.force === true;
  const dryRun = options.dryRun === true;
  const concurrency = options.concurrency ?? 16;
  const signal = options.signal;
  const counts: Record<UnfreezeOutcome, number> = { restored: 0, unchanged: 0, conflict: 0, forced: 0, missing: 0, failed: 0, 'would-restore': 0 };
  const paths: UnfreezePath[] = [];
  const report: UnfreezeReport = { store: freeze.store, freezeId: freeze.id, dryRun, force, state: dryRun ? 'would-unfreeze' : 'unfrozen', counts, paths, durationMs: 0 };
  const note = (f: Found, outcome: UnfreezeOutcome, error?: string): void => {
    counts[outcome]++;
    const showFound = (outcome === 'conflict' || outcome === 'forced') && f.current !== undefined;
    paths.push({ path: f.rec.path, outcome, before: describeState(f.before), ...(showFound && f.current !== undefined ? { found: describeState(f.current) } : {}), ...(error === undefined ? {} : { error }) });
  };
  if (!force || dryRun) {
    let conflicts = 0;
    for await (const page of records(db, freeze.id)) {
      for (const f of await mapLimited(page, concurrency, (r) => inspect(store, r, signal))) {
        const c = classify(f);
        if (c === 'conflict') conflicts++;
        if (dryRun) note(f, c === 'restore' ? 'would-restore' : c, f.error);
        else if (c === 'conflict') note(f, 'conflict');
      }
    }
    if (dryRun) return { ...report, durationMs: Date.now() - started };
    if (conflicts > 0) return { ...report, state: 'refused', durationMs: Date.now() - started };
  }
  if (freeze.state !== 'unfreezing') await updateFreeze(db, freeze.id, { state: 'unfreezing' });
  for await (const page of records(db, freeze.id)) {
    const found = await mapLimited(page, concurrency, (r) => inspect(store, r, signal));
    const results = await mapLimited(found, concurrency, async (f) => restoreOne(store, f, force, signal));
    await updateFreezePaths(db, found.flatMap((f, i) => (results[i]?.done === true ? [{ id: f.rec.id, state: 'restored' as const }] : [])));
    found.forEach((f, i) => {
      const r = results[i];
      if (r !== undefined) note(f, r.outcome, r.error);
    });
  }
  const left = counts.failed + counts.conflict + counts.missing;
  report.state = counts.failed + counts.conflict > 0 ? 'incomplete' : 'unfrozen';
  if (report.state === 'unfrozen') await updateFreeze(db, freeze.id, { state: 'unfrozen', finished_at: Date.now() });
  await recordCutoverEvent(db, { kind: 'unfreeze', source: freeze.store, ok: report.state === 'unfrozen', details: { freezeId: freeze.id, force, counts, notRestored: left } });
  return { ...report, durationMs: Date.now() - started };
}

async function restoreOne(store: Store, f: Found, force: boolean, signal: AbortSignal | undefined): Promise<{ outcome: UnfreezeOutcome; done: boolean; error?: string }> {
  const c = classify(f);
  if (c === 'failed') return { outcome: 'failed', done: false, ...(f.error === undefined ? {} : { error: f.error }) };
  // A missing path cannot be restored: its record is closed so a rerun does not stop on it again.
  if (c === 'missing') return { outcome: 'missing', done: true };
  if (c === 'unchanged') return { outcome: 'unchanged', done: true };
  if (c === 'conflict' && !force) return { outcome: 'conflict', done: false };
  try {
    await applyState(store, f.rec.path, f.before, signal);
    const back = stateOf(await store.getAcl(f.rec.path, signal === undefined ? {} : { signal }));
    if (!sameState(back, f.before)) return { outcome: 'failed', done: false, error: `read back ${describeState(back)} after restoring ${describeState(f.before)}` };
    return { outcome: c === 'conflict' ? 'forced' : 'restored', done: true };
  } catch (error) {
    if (isStorageError(error, 'cancelled')) throw error;
    return { outcome: 'failed', done: false, error: error instanceof Error ? error.message : String(error) };
  }
}
