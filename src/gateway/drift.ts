import type { Store } from '../core/store.js';
import { validateStores, type ValidateOptions } from '../validate/validate.js';
import type { Journal } from './journal.js';
import { reconcilePath, reconcileTree } from './reconcile.js';

/**
 * Drift between Gen1 (authoritative during a dual pipeline) and Gen2: validate's two-sided comparison,
 * with the time each difference was first seen kept in the job database, so a report says how long
 * each difference has existed. Readiness: no difference older than the settle window, apart from paths
 * the mirror's journal still has to apply. The cutover decommission check calls driftReport.
 */

export interface DriftOptions {
  journal: Journal;
  /** Differences younger than this are in flight, not drift (default 2 minutes). */
  settleMs?: number;
  /** Journal key; default `GEN1 -> GEN2` display URIs (the mirror's key for one --map rule). */
  pair?: string;
  /** Bring Gen2 to Gen1's state for every difference found, then compare again. */
  repair?: boolean;
  /** Passed to validate (checksum, sample, identity map, include/exclude...). */
  validate?: Omit<ValidateOptions, 'maxDifferences'>;
  now?: () => number;
}

export interface DriftItem {
  path: string;
  kind: string;
  detail: string;
  firstSeen: string;
  ageMs: number;
  /** The mirror still has an unapplied intent for this path (not counted as settled drift). */
  pendingIntent: boolean;
}

export interface DriftReport {
  schemaVersion: 1;
  pair: string;
  checkedAt: string;
  settleMs: number;
  counts: {
    /** Every difference found now. */
    differences: number;
    /** Differences older than the settle window and not awaiting the journal: the readiness figure. */
    settled: number;
    /** Differences still inside the settle window or with a pending intent. */
    inFlight: number;
    /** Intents the mirror has not applied yet. */
    journalBacklog: number;
    /** Paths drift --repair brought to Gen1's state in this run. */
    repaired: number;
  };
  /** True when nothing has drifted for longer than the settle window. */
  ready: boolean;
  oldestJournalEntry?: string;
  /** Gen1 paths with unapplied intents (first 1000). */
  journalPaths: string[];
  differences: DriftItem[];
  truncated: boolean;
}

export const DEFAULT_SETTLE_MS = 120_000;

const REPAIR_TREE = new Set(['missing', 'extra', 'type']);
const REPAIR_CONTENT = new Set(['size', 'checksum']);

/** Touches `path` or something below/above it (also used by the dashboard's drift page). */
export function related(a: string, b: string): boolean {
  return a === b || a === '' || b === '' || a.startsWith(`${b}/`) || b.startsWith(`${a}/`);
}

async function repairAll(gen1: Store, gen2: Store, diffs: { path: string; kind: string }[], base: { source: string; dest: string }): Promise<number> {
  const join = (root: string, p: string): string => (root === '' ? p : p === '' ? root : `${root}/${p}`);
  let repaired = 0;
  const done = new Set<string>();
  for (const d of diffs) {
    if (done.has(d.path)) continue;
    done.add(d.path);
    const sp = join(base.source, d.path);
    const dp = join(base.dest, d.path);
    if (REPAIR_TREE.has(d.kind)) await reconcileTree(gen1, sp, gen2, dp, { content: 'if-changed' });
    else await reconcilePath(gen1, sp, gen2, dp, { content: REPAIR_CONTENT.has(d.kind) ? 'always' : 'if-changed' });
    repaired++;
  }
  return repaired;
}

/**
 * Compares gen1 and gen2, records first-seen times and returns the counts a decommission condition
 * needs (`counts.settled === 0` means ready). Throws StorageError when a side cannot be listed.
 */
export async function driftReport(gen1: Store, gen2: Store, options: DriftOptions): Promise<DriftReport> {
  const now = options.now ?? Date.now;
  const settleMs = options.settleMs ?? DEFAULT_SETTLE_MS;
  const pair = options.pair ?? `${gen1.displayUri} -> ${gen2.displayUri}`;
  const validate = { ...(options.validate ?? {}), maxDifferences: 100_000 };
  let report = await validateStores(gen1, gen2, validate);
  let repaired = 0;
  if (options.repair === true && report.differenceCount > 0) {
    const rootless = report.differences.map((d) => ({ path: d.path === '/' ? '' : d.path, kind: d.kind }));
    repaired = await repairAll(gen1, gen2, rootless, { source: validate.sourcePath ?? '', dest: validate.destPath ?? '' });
    report = await validateStores(gen1, gen2, validate);
  }
  const seen = report.differences.map((d) => ({ path: d.path === '/' ? '' : d.path, kind: d.kind, detail: d.detail }));
  const at = now();
  const firstSeen = await options.journal.observeDrift(pair, seen, at);
  const backlog = await options.journal.backlog(pair);
  const items: DriftItem[] = seen.map((d) => {
    const first = firstSeen.get(`${d.path}\n${d.kind}`) ?? at;
    return {
      path: d.path === '' ? '/' : d.path, kind: d.kind, detail: d.detail, firstSeen: new Date(first).toISOString(), ageMs: at - first,
      pendingIntent: backlog.paths.some((p) => related(p, d.path)),
    };
  });
  const settled = items.filter((i) => i.ageMs >= settleMs && !i.pendingIntent).length;
  return {
    schemaVersion: 1,
    pair,
    checkedAt: new Date(at).toISOString(),
    settleMs,
    counts: { differences: report.differenceCount, settled, inFlight: items.length - settled, journalBacklog: backlog.count, repaired },
    ready: settled === 0,
    ...(backlog.oldestMs === undefined ? {} : { oldestJournalEntry: new Date(backlog.oldestMs).toISOString() }),
    journalPaths: backlog.paths.slice(0, 1000),
    differences: items,
    truncated: report.truncated,
  };
}
