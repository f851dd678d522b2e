import type { Call, Handler } from './call.js';
import { applyUploadTier, blobArchived, parseTier, tierOfPath } from './tiers.js';
import { header } from './wire.js';

/**
 * Operation-table wrappers that add the tier rules to existing handlers without changing them:
 * writes to an Archive blob are refused, and uploads honour `x-ms-access-tier`.
 */

/** Refuses the operation with 409 BlobArchived when the path is a file in the Archive tier. */
export function onlineOnly(run: Handler): Handler {
  return (c: Call) => {
    const row = c.path === '' || c.fs === undefined ? undefined : c.ns.db.getPath(c.account, c.fs, c.path);
    if (row && tierOfPath(c.ns.hns, row, c.now).tier === 'Archive') throw blobArchived();
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
    const row = c.fs === undefined ? undefined : c.ns.db.getPath(c.account, c.fs, c.path);
    if (row && !row.is_dir) c.ns.db.tx(() => applyUploadTier(c.ns.hns, row.id, tier, c.now));
  };
}
