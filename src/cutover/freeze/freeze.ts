import type { Entry } from '../../core/entry.js';
import { isStorageError, StorageError } from '../../core/errors.js';
import type { Store } from '../../core/store.js';
import type { JobDb } from '../../state/db.js';
import { recordCutoverEvent } from '../ops-state/events.js';
import { createFreeze, findFreezePaths, findOpenFreeze, insertFreezePaths, storeKey, updateFreeze, updateFreezePaths, type FreezePathRow, type NewFreezePath } from '../ops-state/freezes.js';
import { cutoverDb, type CutoverDb } from '../ops-state/tables.js';
import { describeState, formatEntries, freezeMethodOf, frozenStateOf, grantsWrite, parseEntries, sameState, stateFromListing, stateOf, type PermissionState } from './frozen-acl.js';
import { mapLimited, treePages } from './tree-pages.js';

export interface FreezeOptions {
  /** Where freezes are recorded; required unless dryRun. */
  jobDb?: JobDb;
  /** Count what would change; change and record nothing. */
  dryRun?: boolean;
  /** Paths read and changed at once (default 16). */
  concurrency?: number;
  signal?: AbortSignal;
  onProgress?: (p: { seen: number; changed: number }) => void;
  /** Awaited after a page's records are written and before its paths change (tests kill the process here). */
  beforeApply?: (page: number) => Promise<void>;
}

export interface FreezeReport {
  store: string;
  /** The freeze's id in the job database (null for a dry run of a store never frozen). */
  freezeId: string | null;
  dryRun: boolean;
  /** frozen: every path is now without write bits; incomplete: some paths failed (rerun to resume). */
  state: 'frozen' | 'incomplete' | 'would-freeze';
  /** This run continued (or repeated) an earlier freeze of the same store. */
  continued: boolean;
  seen: number;
  /** Paths whose write bits this run removed (dry run: would remove). */
  changed: number;
  /** Paths an earlier run froze that are still frozen. */
  alreadyFrozen: number;
  /** Paths that never had a write bit (nothing to record). */
  withoutWriteBits: number;
  /** Frozen paths someone gave a write bit again since, frozen again (their first record is kept). */
  refrozen: number;
  /** Paths that could not be read or changed (all counted; the first MAX_LISTED listed in failures). */
  failed: number;
  failures: { path: string; error: string }[];
  /** The first changed paths with their state before and after. */
  examples: { path: string; before: string; after: string }[];
  durationMs: number;
}

const EXAMPLES = 20;
const MAX_LISTED = 1000;

function fail(report: FreezeReport, path: string, error: string): void {
  report.failed++;
  if (report.failures.length < MAX_LISTED) report.failures.push({ path, error });
}

interface Seen {
  entry: Entry;
  state: PermissionState | undefined;
  error?: string;
}

type Action = { path: string; rec?: FreezePathRow; kind: 'apply' | 'mark' | 'refreeze'; before: PermissionState; after: PermissionState };

async function readState(store: Store, e: Entry, signal: AbortSignal | undefined): Promise<Seen> {
  const listed = stateFromListing(e);
  if (listed !== undefined) return { entry: e, state: listed };
  try {
    return { entry: e, state: stateOf(await store.getAcl(e.path, signal === undefined ? {} : { signal })) };
  } catch (error) {
    if (isStorageError(error, 'cancelled')) throw error;
    if (isStorageError(error, 'not-found')) return { entry: e, state: undefined };
    return { entry: e, state: undefined, error: error instanceof Error ? error.message : String(error) };
  }
}

/** Sets a path to `s` with one call: setPermissions for a base-only access ACL, setAcl otherwise. */
export async function applyState(store: Store, path: string, s: PermissionState, signal?: AbortSignal): Promise<void> {
  const o = signal === undefined ? {} : { signal };
  if (freezeMethodOf(s) === 'mode') await store.setPermissions(path, s.mode, o);
  else await store.setAcl(path, s.entries, o);
}

/** What one path needs, given its current state and its record in this freeze (if any). */
function decide(path: string, cur: PermissionState, rec: FreezePathRow | undefined): Action | 'frozen' | 'none' {
  if (rec !== undefined) {
    const before = { mode: rec.before_mode, entries: parseEntries(rec.before_acl) };
    const after = { mode: rec.after_mode, entries: parseEntries(rec.after_acl) };
    if (sameState(cur, after)) return rec.state === 'recorded' ? { path, rec, kind: 'mark', before, after } : 'frozen';
    if (rec.state === 'recorded' && sameState(cur, before)) return { path, rec, kind: 'apply', before, after };
    if (grantsWrite(cur)) return { path, rec, kind: 'refreeze', before, after: frozenStateOf(cur) };
    return 'frozen';
  }
  if (!grantsWrite(cur)) return 'none';
  return { path, kind: 'apply', before: cur, after: frozenStateOf(cur) };
}

/**
 * Freezes a Gen1 tree: walks it from its root and removes every write bit from every path (mode and
 * access ACL entries; see frozen-acl.ts for why default entries stay), so that only superusers can
 * write. Each page's changes are recorded in the job database before they are made (state
 * `recorded`), then made, then marked `applied`; a killed freeze is resumed by running it again, or
 * undone by unfreeze. Idempotent: freezing a frozen tree changes nothing. Per-path failures are
 * reported (state `incomplete`); throws StorageError when the tree cannot be listed.
 */
export async function freezeTree(store: Store, options: FreezeOptions = {}): Promise<FreezeReport> {
  const started = Date.now();
  const dryRun = options.dryRun === true;
  const concurrency = options.concurrency ?? 16;
  if (!store.capabilities.permissions || !store.capabilities.acl) {
    throw new StorageError('not-supported', `${store.displayUri} has no POSIX permissions and ACLs to freeze.`);
  }
  const jobDb = options.jobDb;
  if (jobDb === undefined && !dryRun) throw new StorageError('invalid-argument', 'freezeTree needs a job database to record what it changes.');
  const db: CutoverDb | undefined = jobDb === undefined ? undefined : await cutoverDb(jobDb);
  const key = storeKey(store.displayUri);
  let freeze = db === undefined ? undefined : await findOpenFreeze(db, key);
  const continued = freeze !== undefined;
  if (freeze !== undefined && freeze.state === 'unfreezing') {
    throw new StorageError('precondition-failed', `An unfreeze of ${key} (freeze ${freeze.id}) did not finish. Run 'lakeshift cutover unfreeze' again to finish it before freezing again.`);
  }
  if (db !== undefined && !dryRun) {
    if (freeze === undefined) freeze = await createFreeze(db, key);
    else await updateFreeze(db, freeze.id, { state: 'freezing', finished_at: null });
  }
  const report: FreezeReport = {
    store: key, freezeId: freeze?.id ?? null, dryRun, state: dryRun ? 'would-freeze' : 'frozen', continued,
    seen: 0, changed: 0, alreadyFrozen: 0, withoutWriteBits: 0, refrozen: 0, failed: 0, failures: [], examples: [], durationMs: 0,
  };
  const signal = options.signal;
  let pageNo = 0;
  for await (const page of treePages(store, signal)) {
    pageNo++;
    const seen = await mapLimited(page, concurrency, (e) => readState(store, e, signal));
    const records = db !== undefined && freeze !== undefined ? await findFreezePaths(db, freeze.id, page.map((e) => e.path)) : new Map<string, FreezePathRow>();
    const actions: Action[] = [];
    for (const s of seen) {
      report.seen++;
      if (s.error !== undefined) fail(report, s.entry.path, s.error);
      if (s.state === undefined) continue;
      const d = decide(s.entry.path, s.state, records.get(s.entry.path));
      if (d === 'frozen') report.alreadyFrozen++;
      else if (d === 'none') report.withoutWriteBits++;
      else actions.push(d);
    }
    const kinds = new Map(page.map((e) => [e.path, e.kind]));
    const pause = options.beforeApply;
    const n = pageNo;
    await applyActions(store, db, freeze?.id, actions, kinds, report, dryRun, concurrency, signal, pause === undefined ? undefined : () => pause(n));
    options.onProgress?.({ seen: report.seen, changed: report.changed });
  }
  if (report.failed > 0 && !dryRun) report.state = 'incomplete';
  report.durationMs = Date.now() - started;
  if (db !== undefined && freeze !== undefined && !dryRun) {
    const changedTotal = (freeze.paths_changed ?? 0) + report.changed;
    await updateFreeze(db, freeze.id, { state: report.state === 'frozen' ? 'frozen' : 'freezing', finished_at: report.state === 'frozen' ? Date.now() : null, paths_seen: report.seen, paths_changed: changedTotal });
    await recordCutoverEvent(db, { kind: 'freeze', source: key, ok: report.state === 'frozen', details: { ...report, examples: undefined, failures: undefined } });
  }
  return report;
}

async function applyActions(
  store: Store, db: CutoverDb | undefined, freezeId: string | undefined, actions: Action[], kinds: Map<string, Entry['kind']>,
  report: FreezeReport, dryRun: boolean, concurrency: number, signal: AbortSignal | undefined, beforeApply: (() => Promise<void>) | undefined,
): Promise<void> {
  const count = (a: Action): void => {
    if (a.kind === 'refreeze') report.refrozen++;
    else if (a.kind === 'apply') report.changed++;
    else report.alreadyFrozen++;
    if (a.kind !== 'mark' && report.examples.length < EXAMPLES) report.examples.push({ path: a.path, before: describeState(a.before), after: describeState(a.after) });
  };
  if (dryRun || db === undefined || freezeId === undefined) {
    for (const a of actions) count(a);
    return;
  }
  // Record first: a kill after this point leaves records whose path is either unchanged or frozen.
  const fresh: NewFreezePath[] = actions.filter((a) => a.rec === undefined).map((a) => ({
    path: a.path, kind: kinds.get(a.path) ?? 'file', method: freezeMethodOf(a.after), state: 'recorded',
    before_mode: a.before.mode, before_acl: formatEntries(a.before.entries), after_mode: a.after.mode, after_acl: formatEntries(a.after.entries),
  }));
  await insertFreezePaths(db, freezeId, fresh);
  await updateFreezePaths(db, actions.flatMap((a) => (a.kind === 'refreeze' && a.rec !== undefined
    ? [{ id: a.rec.id, state: 'recorded' as const, after: { mode: a.after.mode, acl: formatEntries(a.after.entries) } }]
    : [])));
  await beforeApply?.();
  const done = await mapLimited(actions, concurrency, async (a) => {
    if (a.kind === 'mark') return true;
    try {
      await applyState(store, a.path, a.after, signal);
      return true;
    } catch (error) {
      if (isStorageError(error, 'cancelled')) throw error;
      fail(report, a.path, error instanceof Error ? error.message : String(error));
      return false;
    }
  });
  const ok = actions.filter((_, i) => done[i] === true);
  const ids = await findFreezePaths(db, freezeId, ok.map((a) => a.path));
  await updateFreezePaths(db, ok.flatMap((a) => {
    const id = ids.get(a.path)?.id;
    return id === undefined ? [] : [{ id, state: 'applied' as const }];
  }));
  for (const a of ok) count(a);
}
