import type { Call } from './call.js';
import { checkWriteLease } from './conditions.js';
import type { PathRow } from './meta.js';
import { checkPerm, checkTraverse, requireFs } from './namespace.js';
import type { HnsStore, TierRow } from './hns-store.js';
import { header, httpDate, sendEmpty, WireError } from './wire.js';

/**
 * Access tiers of block blobs (Hot, Cool, Cold, Archive) on the hierarchical namespace: Set Blob
 * Tier, `x-ms-access-tier` on uploads, the tier shown in properties and listings, and rehydration
 * of Archive blobs with a priority. A blob without a tier row has the account default, Hot, inferred.
 * Rehydration completes lazily: a pending row whose time has come reads as the target tier.
 */

export type Tier = 'Hot' | 'Cool' | 'Cold' | 'Archive';
const TIERS: readonly Tier[] = ['Hot', 'Cool', 'Cold', 'Archive'];
export type Priority = 'Standard' | 'High';

export interface TierState { tier: Tier; inferred: boolean; changed: number | undefined; archiveStatus: string | undefined; priority: Priority | undefined }

const INFERRED: TierState = { tier: 'Hot', inferred: true, changed: undefined, archiveStatus: undefined, priority: undefined };

export const blobArchived = (): WireError => new WireError(409, 'BlobArchived', 'This operation is not permitted on an archived blob.');
const beingRehydrated = (): WireError => new WireError(409, 'BlobBeingRehydrated', 'This operation is not permitted because the blob is being rehydrated.');

/** Parses `x-ms-access-tier` (any case); undefined when absent; 400 InvalidHeaderValue for other values. */
export function parseTier(value: string | undefined, name = 'x-ms-access-tier'): Tier | undefined {
  if (value === undefined) return undefined;
  const t = TIERS.find((x) => x.toLowerCase() === value.trim().toLowerCase());
  if (t === undefined) throw new WireError(400, 'InvalidHeaderValue', `The value for one of the HTTP headers is not in the correct format: ${name} '${value}'. Use Hot, Cool, Cold or Archive.`);
  return t;
}

/** Parses `x-ms-rehydrate-priority`; undefined when absent; 400 InvalidHeaderValue for other values. */
export function parsePriority(value: string | undefined): Priority | undefined {
  if (value === undefined) return undefined;
  const l = value.trim().toLowerCase();
  if (l === 'standard') return 'Standard';
  if (l === 'high') return 'High';
  throw new WireError(400, 'InvalidHeaderValue', `The value for one of the HTTP headers is not in the correct format: x-ms-rehydrate-priority '${value}'. Use Standard or High.`);
}

/** The tier of a stored row as the service shows it at `now`. */
export function stateOf(row: TierRow | undefined, now: number): TierState {
  if (row === undefined) return INFERRED;
  const tier = parseTier(row.tier) ?? 'Hot';
  if (row.rehydrate_to !== null && row.rehydrate_at !== null) {
    const to = parseTier(row.rehydrate_to) ?? 'Hot';
    if (now >= row.rehydrate_at) return { tier: to, inferred: false, changed: row.rehydrate_at, archiveStatus: undefined, priority: undefined };
    return { tier, inferred: false, changed: row.changed, archiveStatus: `rehydrate-pending-to-${to.toLowerCase()}`, priority: row.rehydrate_priority === 'High' ? 'High' : 'Standard' };
  }
  return { tier, inferred: false, changed: row.changed, archiveStatus: undefined, priority: undefined };
}

/** Tier of a file row (directories have none: they show the inferred default). */
export function tierOfPath(hns: HnsStore, row: Pick<PathRow, 'id' | 'is_dir'>, now: number): TierState {
  return row.is_dir ? INFERRED : stateOf(hns.tier(row.id), now);
}

/** Tier of a snapshot row (its own tier, explicit once set). */
export function tierOfSnapshot(tier: string | null): TierState {
  const t = parseTier(tier ?? undefined);
  return t === undefined ? INFERRED : { tier: t, inferred: false, changed: undefined, archiveStatus: undefined, priority: undefined };
}

/** Property headers of a tier (Get Blob Properties, Get Blob); listings leave AccessTierInferred out once set. */
export function tierHeaders(s: TierState): Record<string, string> {
  const h: Record<string, string> = { 'x-ms-access-tier': s.tier };
  // Issue #18 asks for `false` once a tier was set (the REST page says the header comes only when inferred).
  h['x-ms-access-tier-inferred'] = s.inferred ? 'true' : 'false';
  if (s.changed !== undefined) h['x-ms-access-tier-change-time'] = httpDate(s.changed);
  if (s.archiveStatus !== undefined) h['x-ms-archive-status'] = s.archiveStatus;
  if (s.priority !== undefined) h['x-ms-rehydrate-priority'] = s.priority;
  return h;
}

/** The tier elements of a `<Properties>` entry in List Blobs. */
export function tierXml(s: TierState): string {
  let x = `<AccessTier>${s.tier}</AccessTier>`;
  if (s.inferred) x += '<AccessTierInferred>true</AccessTierInferred>';
  if (s.archiveStatus !== undefined) x += `<ArchiveStatus>${s.archiveStatus}</ArchiveStatus>`;
  if (s.priority !== undefined) x += `<RehydratePriority>${s.priority}</RehydratePriority>`;
  if (s.changed !== undefined) x += `<AccessTierChangeTime>${httpDate(s.changed)}</AccessTierChangeTime>`;
  return x;
}

/**
 * After Put Blob / Put Block List committed `pathId`: the uploaded blob takes `x-ms-access-tier`
 * when sent, otherwise the inferred default (an overwrite does not keep the old tier). Runs in the
 * upload's transaction; the header was validated before the body was read.
 */
export function applyUploadTier(hns: HnsStore, pathId: number, tier: Tier | undefined, now: number): void {
  if (tier === undefined) hns.clearTier(pathId);
  else hns.putTier({ path_id: pathId, tier, changed: now, rehydrate_to: null, rehydrate_priority: null, rehydrate_at: null });
}

/** PUT ?comp=tier — Set Blob Tier: 200 when the change is immediate, 202 when an Archive blob starts rehydrating. */
export function setBlobTier(c: Call): void {
  const hns = c.ns.hns;
  const wanted = parseTier(header(c.req, 'x-ms-access-tier'));
  if (wanted === undefined) throw new WireError(400, 'MissingRequiredHeader', 'An HTTP header that is mandatory for this request is not specified: x-ms-access-tier.');
  const priority = parsePriority(header(c.req, 'x-ms-rehydrate-priority'));
  const snapshot = c.query.get('snapshot');
  const status = c.ns.db.tx((): number => {
    requireFs(c.ns, 'blob', c.account, c.fs);
    checkTraverse(c.ns, c.principal, c.account, c.fs ?? '', c.path);
    const row = c.path === '' ? undefined : c.ns.db.getPath(c.account, c.fs ?? '', c.path);
    if (snapshot !== undefined) {
      const snap = hns.snapshot(c.account, c.fs ?? '', c.path, snapshot);
      if (!snap) throw new WireError(404, 'BlobNotFound', 'The specified blob does not exist.');
      hns.setSnapshotTier(snap, wanted);
      return 200;
    }
    if (!row) throw new WireError(404, 'BlobNotFound', 'The specified blob does not exist.');
    if (row.is_dir) throw new WireError(409, 'PathConflict', 'The specified path, or an element of the path, exists and its resource type is invalid for this operation: a directory has no access tier.');
    checkPerm(c.principal, row, 2);
    checkWriteLease(c.req, row.lease, 'blob', c.now);
    const current = stateOf(hns.tier(row.id), c.now);
    const base = { path_id: row.id, rehydrate_to: null, rehydrate_priority: null, rehydrate_at: null };
    if (current.archiveStatus !== undefined) {
      // Rehydrating: only the same target may be asked again, and only to raise the priority.
      if (current.archiveStatus !== `rehydrate-pending-to-${wanted.toLowerCase()}`) throw beingRehydrated();
      if (priority === 'High' && current.priority === 'Standard') {
        const at = Math.min(hns.tier(row.id)?.rehydrate_at ?? c.now, c.now + hns.options.rehydrateMs.high);
        hns.putTier({ ...base, tier: 'Archive', changed: current.changed ?? c.now, rehydrate_to: wanted, rehydrate_priority: 'High', rehydrate_at: at });
      } else if (priority === 'Standard' && current.priority === 'High') throw beingRehydrated();
      return 202;
    }
    if (current.tier === 'Archive' && wanted !== 'Archive') {
      const p = priority ?? 'Standard';
      const at = c.now + (p === 'High' ? hns.options.rehydrateMs.high : hns.options.rehydrateMs.standard);
      hns.putTier({ ...base, tier: 'Archive', changed: c.now, rehydrate_to: wanted, rehydrate_priority: p, rehydrate_at: at });
      return 202;
    }
    if (current.inferred || current.tier !== wanted) hns.putTier({ ...base, tier: wanted, changed: c.now });
    return 200;
  });
  sendEmpty(c, status);
}
