import { nameRejection } from '../../core/names.js';
import type { Store } from '../../core/store.js';
import { pickWinner, type PolicyResolver } from './conflicts.js';
import { decide } from './decide.js';
import { SENTINEL_NAME, type Delta, type ListResult } from './listing.js';
import { pool } from './pool.js';
import { detectRenames, type Planned } from './renames.js';
import type { Action, ResyncMode, Side } from './types.js';

/**
 * The planner: decision table per changed path, equal content adopted, renames detected, conflict
 * policy applied, then the guards. Reads (to compare or fingerprint content) but never writes.
 */

export interface PlanContext {
  stores: { 1: Store; 2: Store };
  resolver: PolicyResolver;
  detectRenames: boolean;
  now: number;
  /** MD5 of both sides when their content is equal, else undefined (reads as needed). */
  equalContent(d: Delta): Promise<string | undefined>;
  fingerprint(side: Side, d: Delta): Promise<string | undefined>;
  baselineFilesUnder(dir: string): Promise<number>;
  /** Reads in flight while comparing or fingerprinting. */
  concurrency: number;
}

export interface Plan {
  items: Planned[];
  /** Paths a side cannot hold (its name rules), reported every run, never attempted. */
  rejected: { path: string; reason: string }[];
}

/** Marks copies the destination cannot take by name; they are reported, not attempted. */
function rejectNames(items: Planned[], stores: { 1: Store; 2: Store }, rejected: Plan['rejected']): Planned[] {
  return items.filter((p) => {
    const a = p.action;
    if ((a.op !== 'copy' && a.op !== 'rename' && a.op !== 'mkdir' && a.op !== 'conflict') || a.side === undefined && a.op !== 'conflict') return true;
    const sides: Side[] = a.side === undefined ? [1, 2] : [a.side];
    for (const s of sides) {
      const why = nameRejection(a.path, stores[s].capabilities.names);
      if (why !== undefined) {
        rejected.push({ path: a.path, reason: `path${s} cannot hold this name: ${why}` });
        return false;
      }
    }
    return true;
  });
}

/** Settles the both-changed paths: equal content is adopted; otherwise the policy picks a winner. */
async function settleConflicts(items: Planned[], ctx: PlanContext): Promise<void> {
  // Reads both sides of each candidate: run them concurrently (a first resync compares every file).
  await pool(items.filter((p) => p.action.op === 'conflict'), ctx.concurrency, async (p) => {
    const { e1, e2 } = p.delta;
    if (e1?.kind === 'file' && e2?.kind === 'file') {
      const md5 = await ctx.equalContent(p.delta);
      if (md5 !== undefined) {
        p.action = { op: 'adopt', path: p.action.path, reason: `${p.action.reason}; the content is equal`, md5 };
        return;
      }
    }
    const policy = ctx.resolver.policyFor(p.action.path, ctx.now);
    const kindsDiffer = e1 !== undefined && e2 !== undefined && e1.kind !== e2.kind;
    const winner = kindsDiffer ? undefined : pickWinner(policy, e1, e2);
    p.action = { ...p.action, policy: kindsDiffer ? 'none (file against directory)' : policy, ...(winner === undefined ? {} : { winner }) };
  });
}

/**
 * A side 'changed' with the same size as agreed may have changed only its metadata (an ACL, owner or
 * mode change moves the etag, and on some stores the mtime). When the agreed MD5 is known, the file is
 * read once: equal content makes it a metadata action instead of a copy.
 */
async function confirmMetadataOnly(d: Delta, ctx: PlanContext): Promise<void> {
  const md5 = d.b?.md5;
  if (md5 === null || md5 === undefined || d.b?.kind !== 'file') return;
  for (const side of [1, 2] as Side[]) {
    const c = side === 1 ? d.c1 : d.c2;
    const e = side === 1 ? d.e1 : d.e2;
    const agreed = side === 1 ? d.b.s1 : d.b.s2;
    if (c !== 'changed' || e?.kind !== 'file' || e.size !== agreed.size) continue;
    if (await ctx.fingerprint(side, d) !== md5) continue;
    if (side === 1) d.c1 = 'meta';
    else d.c2 = 'meta';
  }
}

/** Plans a normal run from the changed paths. */
export async function planSync(list: ListResult, ctx: PlanContext): Promise<Plan> {
  let items: Planned[] = [];
  await pool(list.deltas, ctx.concurrency, (d) => confirmMetadataOnly(d, ctx));
  for (const d of list.deltas) {
    const action = decide(d);
    if (action !== undefined) items.push({ action, delta: d });
  }
  await settleConflicts(items, ctx);
  if (ctx.detectRenames) items = await detectRenames(items, { fingerprint: ctx.fingerprint, baselineFilesUnder: ctx.baselineFilesUnder });
  const rejected: Plan['rejected'] = [];
  return { items: rejectNames(items, ctx.stores, rejected), rejected };
}

/**
 * Plans a resync: one-sided paths are copied across, equal ones adopted, differing ones settled by
 * the resync mode with the loser kept as a conflict backup. Never deletes.
 */
export async function planResync(list: ListResult, mode: ResyncMode, ctx: PlanContext): Promise<Plan> {
  const items: Planned[] = [];
  for (const d of list.both ?? []) {
    const { e1, e2, path } = d;
    if (e1 === undefined && e2 === undefined) {
      if (d.b !== undefined) items.push({ action: { op: 'drop', path, reason: 'gone from both sides' }, delta: d });
      continue;
    }
    if (e2 === undefined) items.push({ action: { op: e1?.kind === 'directory' ? 'mkdir' : 'copy', path, side: 2, reason: 'only on path1' }, delta: d });
    else if (e1 === undefined) items.push({ action: { op: e2.kind === 'directory' ? 'mkdir' : 'copy', path, side: 1, reason: 'only on path2' }, delta: d });
    else if (e1.kind === 'directory' && e2.kind === 'directory') items.push({ action: { op: 'adopt', path, reason: 'directory on both sides' }, delta: d });
    else items.push({ action: { op: 'conflict', path, reason: 'on both sides' }, delta: d });
  }
  const resolver: PolicyResolver = { policyFor: () => (mode === 'path1' ? 'path1' : mode === 'path2' ? 'path2' : mode) };
  await settleConflicts(items, { ...ctx, resolver });
  // Resync always settles: a tie under newer/larger keeps path1.
  for (const p of items) if (p.action.op === 'conflict' && p.action.winner === undefined && p.delta.e1?.kind === p.delta.e2?.kind) p.action.winner = 1;
  const rejected: Plan['rejected'] = [];
  return { items: rejectNames(items, ctx.stores, rejected), rejected };
}

export interface GuardLimits {
  maxDeletePercent: number;
  maxDeleteCount?: number | undefined;
  maxConflicts: number;
  force: boolean;
  /** Baseline files (the all-changed and ratio guards' denominator). */
  baselineFiles: number;
  allChangedMinFiles?: number | undefined;
  checkAccess?: boolean | undefined;
  maxTransferBytes?: number | undefined;
  maxRenames?: number | undefined;
}

/** Bytes the plan copies: copies (the source's listed size) and conflicts with a winner (the winner's). */
export function plannedBytes(plan: Plan): number {
  let bytes = 0;
  for (const { action: a, delta: d } of plan.items) {
    const from = a.op === 'copy' && a.side !== undefined ? (a.side === 1 ? d.e2 : d.e1) : a.op === 'conflict' && a.winner !== undefined ? (a.winner === 1 ? d.e1 : d.e2) : undefined;
    if (from?.kind === 'file') bytes += from.size;
  }
  return bytes;
}

/** Files moved by renames on each side, and how many of the renames are directory renames. */
function plannedMoves(plan: Plan): Record<Side, { files: number; dirs: number }> {
  const out: Record<Side, { files: number; dirs: number }> = { 1: { files: 0, dirs: 0 }, 2: { files: 0, dirs: 0 } };
  for (const { action: a } of plan.items) {
    if (a.side === undefined) continue;
    if (a.op === 'rename') out[a.side].files++;
    if (a.op === 'rename-dir') {
      out[a.side].files += a.files ?? 1;
      out[a.side].dirs++;
    }
  }
  return out;
}

/** All-changed trips only on a baseline at least this large (a handful of files may all change). */
export const ALL_CHANGED_MIN_FILES = 100;

/** The first guard the plan trips, as a sentence saying what to do, or undefined. */
export function checkGuards(plan: Plan, list: ListResult, g: GuardLimits): string | undefined {
  const deletes = { 1: 0, 2: 0 };
  let conflicts = 0;
  for (const { action } of plan.items) {
    if (action.op === 'delete' && action.side !== undefined) deletes[action.side]++;
    if (action.op === 'conflict') conflicts++;
  }
  if (g.checkAccess === true) {
    const [a, b] = [list.sentinels.path1, list.sentinels.path2];
    if (a.length === 0 || b.length === 0) return `--check-access: no ${SENTINEL_NAME} file on path${a.length === 0 ? 1 : 2}. A root that lost its sentinels may be the wrong one or unmounted; check it, or create the sentinel files on both sides.`;
    if (a.join('\n') !== b.join('\n')) return `--check-access: the ${SENTINEL_NAME} files differ (path1: ${a.join(', ')}; path2: ${b.join(', ')}). Check both roots.`;
  }
  const listed = { 1: list.files.path1, 2: list.files.path2 };
  for (const s of [1, 2] as Side[]) {
    if (g.baselineFiles > 0 && listed[s] === 0 && !g.force) {
      return `path${s} lists no files but the baseline has ${g.baselineFiles}: a wrong or unmounted root would delete everything on the other side. Check the URI; if the side really was emptied on purpose, rerun with --force.`;
    }
  }
  for (const s of [1, 2] as Side[]) {
    const n = deletes[s];
    if (g.maxDeleteCount !== undefined && n > g.maxDeleteCount) {
      return `${n} deletions planned on path${s}, more than --max-delete-count ${g.maxDeleteCount}. Check the other side; raise the limit if they are intended (--force does not override this one).`;
    }
    if (!g.force && g.baselineFiles > 0 && n * 100 > g.maxDeletePercent * g.baselineFiles) {
      return `${n} of ${g.baselineFiles} files (${((n * 100) / g.baselineFiles).toFixed(1)}%) would be deleted on path${s}, more than --max-delete ${g.maxDeletePercent}%. Check the other side; rerun with --force or a higher --max-delete if intended.`;
    }
  }
  const changed = { 1: list.changedFiles.path1, 2: list.changedFiles.path2 };
  for (const s of [1, 2] as Side[]) {
    if (!g.force && g.baselineFiles >= (g.allChangedMinFiles ?? ALL_CHANGED_MIN_FILES) && changed[s] >= g.baselineFiles) {
      return `every one of the ${g.baselineFiles} files on path${s} changed since the last run (a mass timestamp change or a different store?). Check path${s}; rerun with --force if intended.`;
    }
  }
  if (conflicts > g.maxConflicts) {
    return `${conflicts} conflicts, more than --max-conflicts ${g.maxConflicts}: the two sides may not be a pair. Check the URIs, or raise --max-conflicts.`;
  }
  if (g.maxRenames !== undefined) {
    const moves = plannedMoves(plan);
    for (const s of [1, 2] as Side[]) {
      const m = moves[s];
      if (m.files > g.maxRenames) {
        return `${m.files} files would be moved by renames on path${s}${m.dirs > 0 ? ` (${m.dirs} of them directory renames)` : ''}, more than --max-renames ${g.maxRenames}. Check the renames on path${s === 1 ? 2 : 1}; raise --max-renames if they are intended (--force does not override this one).`;
      }
    }
  }
  return checkTransfer(plan, g.maxTransferBytes);
}

/** The --max-transfer guard alone (it applies to a resync too): a sentence, or undefined. */
export function checkTransfer(plan: Plan, maxTransferBytes: number | undefined): string | undefined {
  if (maxTransferBytes === undefined) return undefined;
  const bytes = plannedBytes(plan);
  if (bytes <= maxTransferBytes) return undefined;
  return `the plan copies ${bytes} bytes, more than --max-transfer ${maxTransferBytes} bytes. Check what changed; raise --max-transfer if it is intended (--force does not override this one).`;
}

export type { Action };
