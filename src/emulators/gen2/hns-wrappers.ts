import type { Call, Handler } from './call.js';
import { snapshotsPresent } from './snapshots.js';
import { applyUploadTier, blobArchived, parseTier, stateOf } from './tiers.js';
import { header } from './wire.js';

/**
 * Operation-table wrappers that add the tier rules to existing handlers without changing them:
 * writes to an Archive blob are refused, and uploads honour `x-ms-access-tier`.
 */

/** Refuses the operation with 409 BlobArchived when the path is a file in the Archive tier. */
export function onlineOnly(run: Handler): Handler {
  return (c: Call) => {
    // Appends run this on every request: two index lookups, and a tier row exists only once one was set.
    const id = c.path === '' || c.fs === undefined ? undefined : c.ns.db.pathId(c.account, c.fs, c.path);
    const tier = id === undefined ? undefined : c.ns.hns.tier(id);
    if (tier !== undefined && stateOf(tier, c.now).tier === 'Archive') throw blobArchived();
    return run(c);
  };
}

/**
 * Put Blob / Put Block List: `x-ms-access-tier` is validated before the body is read (400 for an
 * unknown tier, nothing stored) and applied to the committed blob; without it the blob gets the
 * inferred default (an overwrite does not inherit the old tier). The tier is written right after the
 * upload's own transaction, in the same turn of the event loop, before any other request runs.
 */
export function withUploadTier(run: Handler): Handler {
  return async (c: Call) => {
    const tier = parseTier(header(c.req, 'x-ms-access-tier'));
    await run(c);
    if (c.fs === undefined || c.tierStored === true) return;
    if (tier === undefined) {
      // Most uploads send no tier: only an overwrite of a blob that had one has anything to clear.
      const id = c.ns.db.pathId(c.account, c.fs, c.path);
      if (id !== undefined && c.ns.hns.tier(id) !== undefined) c.ns.hns.clearTier(id);
      return;
    }
    const row = c.ns.db.getPath(c.account, c.fs, c.path);
    if (row && !row.is_dir) applyUploadTier(c.ns.hns, row.id, tier, c.now);
  };
}

/**
 * Rename Path: a file with snapshots cannot be renamed (409 SnapshotsPresent, as its delete is
 * refused); neither can a directory holding one, since its snapshots would lose their file.
 */
export function refuseSnapshotted(run: Handler): Handler {
  return (c: Call) => {
    const source = header(c.req, 'x-ms-rename-source') ?? '';
    const q = source.indexOf('?');
    let segs: string[];
    try {
      segs = (q < 0 ? source : source.slice(0, q)).replace(/^\/+/, '').split('/').map((s) => decodeURIComponent(s));
    } catch {
      return run(c); // the rename handler answers the malformed source
    }
    if (segs[0] === c.account && segs.length >= 3 && segs[1] !== undefined && c.ns.db.getFs(c.account, segs[1])) segs.shift();
    const fs = segs.shift() ?? '';
    const path = segs.join('/').replace(/\/+$/, '');
    if (fs !== '' && path !== '' && c.ns.hns.snapshotsUnder(c.account, fs, path).length > 0) throw snapshotsPresent();
    // A destination file that would be replaced is deleted by the rename: the same rule holds for it.
    const destFs = c.fs ?? '';
    const into = `${c.path}/${path.slice(path.lastIndexOf('/') + 1)}`;
    if (c.path !== '' && (c.ns.hns.hasSnapshots(c.account, destFs, c.path) || c.ns.hns.hasSnapshots(c.account, destFs, into))) throw snapshotsPresent();
    return run(c);
  };
}
