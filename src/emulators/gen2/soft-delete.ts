import { boolQuery, decodeToken, encodeToken, intQuery, type Call } from './call.js';
import { checkConditions, checkWriteLease } from './conditions.js';
import { deleteFilesystem } from './fs-ops.js';
import type { DeletedRow, KeptPath, SnapshotRow } from './hns-store.js';
import { chunksOf, type PathRow } from './meta.js';
import { checkPerm, checkSticky, checkTraverse, parentOf, requireFs } from './namespace.js';
import { checkSubtreeWritable, deletePath } from './path-ops.js';
import { serviceProperties } from './service-properties.js';
import { dropSnapshots, parseDeleteSnapshots, parseSnapshotParam, snapshotsPresent } from './snapshots.js';
import { escapeXml, httpDate, notFoundPath, sendEmpty, sendXml, WireError } from './wire.js';

/**
 * Deletes on the hierarchical namespace with the HNS features: snapshots (`snapshot=`,
 * `x-ms-delete-snapshots`, 409 SnapshotsPresent) and, when the account's delete retention policy is
 * enabled, soft delete: a deleted file or directory (with its subtree) is kept, listed with
 * `include=deleted` (List Blobs) or `showonly=deleted` (List Deleted Paths), and restored with
 * Undelete Blob / Undelete Path until its retention ends. Without the policy deletes are permanent
 * and the plain delete handler does the work.
 */

const notFound = (c: Call): WireError => (c.api === 'dfs' ? notFoundPath() : new WireError(404, 'BlobNotFound', 'The specified blob does not exist.'));

/** Drops soft-deleted entries of the account whose retention has ended (inside a transaction). */
function purgeExpired(c: Call): void {
  for (const e of c.ns.hns.expired(c.account, c.now)) releaseEntry(c, e);
}

function releaseEntry(c: Call, e: DeletedRow): void {
  const kept = JSON.parse(e.rows) as KeptPath[];
  const snaps = JSON.parse(e.snapshots) as SnapshotRow[];
  c.ns.bytes.remove(c.ns.db.unref([...kept.flatMap((k) => chunksOf(k.row.extents)), ...snaps.flatMap((s) => chunksOf(s.extents))]));
  c.ns.hns.dropDeleted(e.deletion_id);
}

/** Snapshots under `path` whose file no longer exists (after a permanent delete) are dropped with it. */
function dropOrphanSnapshots(c: Call, fs: string, path: string): void {
  if (path === '') return;
  c.ns.db.tx(() => {
    const orphans = c.ns.hns.snapshotsUnder(c.account, fs, path).filter((s) => c.ns.db.getPath(c.account, fs, s.path)?.is_dir !== 0);
    c.ns.bytes.remove(dropSnapshots(c, orphans));
  });
}

/** DELETE on a path (Delete Blob, Delete Path) with snapshot and soft-delete rules. */
export function deleteWithHns(c: Call): void {
  const snapshot = c.query.get('snapshot');
  const mode = parseDeleteSnapshots(c);
  if (snapshot !== undefined) {
    if (mode !== undefined) throw new WireError(400, 'InvalidQueryParameterValue', 'Value for one of the query parameters specified in the request URI is invalid: snapshot. x-ms-delete-snapshots may not be sent when deleting a snapshot.');
    deleteOneSnapshot(c, parseSnapshotParam(snapshot));
    return;
  }
  const fs = c.fs ?? '';
  const row = c.path === '' || !c.ns.db.getFs(c.account, fs) ? undefined : c.ns.db.getPath(c.account, fs, c.path);
  if (row && !row.is_dir && (mode === 'only' || c.ns.hns.hasSnapshots(c.account, fs, row.path))) {
    // Azure refuses a DFS delete of a file with snapshots the same way (there is no header to say otherwise).
    if (c.api === 'dfs' || mode === undefined) throw snapshotsPresent();
    if (mode === 'only') {
      deleteSnapshotsOnly(c, row);
      return;
    }
  }
  const retention = serviceProperties(c.ns.hns, c.account).deleteRetention;
  if (retention.enabled && row) {
    softDelete(c, row, retention.days ?? 7);
    return;
  }
  deletePath(c);
  dropOrphanSnapshots(c, fs, c.path);
}

function deleteOneSnapshot(c: Call, snapshot: string): void {
  c.ns.db.tx(() => {
    requireFs(c.ns, 'blob', c.account, c.fs);
    checkTraverse(c.ns, c.principal, c.account, c.fs ?? '', c.path);
    const snap = c.path === '' ? undefined : c.ns.hns.snapshot(c.account, c.fs ?? '', c.path, snapshot);
    if (!snap) throw new WireError(404, 'BlobNotFound', 'The specified blob does not exist.');
    const parent = c.ns.db.getPath(c.account, snap.fs, parentOf(snap.path));
    if (parent) checkPerm(c.principal, parent, 3);
    c.ns.bytes.remove(dropSnapshots(c, [snap]));
  });
  sendEmpty(c, 202, { 'x-ms-delete-type-permanent': 'true' });
}

function deleteSnapshotsOnly(c: Call, row: PathRow): void {
  c.ns.db.tx(() => {
    checkTraverse(c.ns, c.principal, c.account, row.fs, row.path);
    checkConditions(c.req, row, { read: false });
    checkWriteLease(c.req, row.lease, 'blob', c.now);
    const parent = c.ns.db.getPath(c.account, row.fs, parentOf(row.path));
    if (parent) checkPerm(c.principal, parent, 3);
    c.ns.bytes.remove(dropSnapshots(c, c.ns.hns.snapshots(c.account, row.fs, row.path)));
  });
  sendEmpty(c, 202, { 'x-ms-delete-type-permanent': 'true' });
}

/** Moves a file or a directory subtree (rows, tiers, snapshots) into one deleted entry. */
function softDelete(c: Call, found: PathRow, days: number): void {
  const recursive = boolQuery(c, 'recursive', false);
  const hns = c.ns.hns;
  const id = c.ns.db.tx((): string => {
    purgeExpired(c);
    checkTraverse(c.ns, c.principal, c.account, found.fs, found.path);
    const row = c.ns.db.getPath(c.account, found.fs, found.path);
    if (!row) throw notFound(c);
    checkConditions(c.req, row, { read: false });
    checkWriteLease(c.req, row.lease, c.api, c.now);
    const parent = c.ns.db.getPath(c.account, row.fs, parentOf(row.path));
    if (parent) {
      checkPerm(c.principal, parent, 3);
      checkSticky(c.principal, parent, row);
    }
    const rows: PathRow[] = [row];
    if (row.is_dir && c.ns.db.hasChildren(c.account, row.fs, row.path)) {
      if (!recursive || c.api === 'blob') throw new WireError(409, 'DirectoryNotEmpty', 'The recursive query parameter value must be true to delete a non-empty directory.');
      checkSubtreeWritable(c, row);
      let after = '';
      for (;;) {
        const page = c.ns.db.byPrefix(c.account, row.fs, `${row.path}/`, after, 5000);
        rows.push(...page);
        if (page.length < 5000) break;
        after = page[page.length - 1]?.path ?? '';
      }
    }
    const kept: KeptPath[] = rows.map((r) => {
      const { id: rowId, ...rest } = r;
      const t = hns.tier(rowId);
      return { row: rest, tier: t === undefined ? undefined : { tier: t.tier, changed: t.changed, rehydrate_to: t.rehydrate_to, rehydrate_priority: t.rehydrate_priority, rehydrate_at: t.rehydrate_at } };
    });
    const snaps = hns.snapshotsUnder(c.account, row.fs, row.path);
    for (const s of snaps) hns.removeSnapshotKeepContent(s);
    // Children first, so a directory row never goes before what it holds.
    for (const r of [...rows].reverse()) c.ns.bytes.remove(hns.removeRowKeepContent(r));
    const deletionId = hns.newDeletionId(c.now);
    hns.insertDeleted({
      deletion_id: deletionId, account: c.account, fs: row.fs, path: row.path, is_dir: row.is_dir, deleted_at: c.now,
      expires_at: c.now + days * hns.options.retentionDayMs, created: row.created, modified: row.modified, size: row.size, etag: row.etag,
      rows: JSON.stringify(kept), snapshots: JSON.stringify(snaps),
    });
    return deletionId;
  });
  const h: Record<string, string> = { 'x-ms-delete-type-permanent': 'false' };
  if (c.api === 'dfs') h['x-ms-deletion-id'] = id;
  sendEmpty(c, c.api === 'dfs' ? 200 : 202, h);
}

/** `x-ms-undelete-source` (`[path]?deletionid=ID`): the deletion id, undefined when absent. */
function deletionIdOf(c: Call): string | undefined {
  const source = c.req.headers['x-ms-undelete-source'];
  const v = Array.isArray(source) ? source[0] : source;
  if (v === undefined || v.trim() === '') return undefined;
  const q = v.indexOf('?');
  const id = new URLSearchParams(q < 0 ? '' : v.slice(q + 1)).get('deletionid');
  if (id === null || !/^\d+$/.test(id)) throw new WireError(400, 'InvalidHeaderValue', `The value for one of the HTTP headers is not in the correct format: x-ms-undelete-source '${v}'. Use ?deletionid=ID from List Deleted Paths.`);
  return id;
}

/**
 * PUT ?comp=undelete — Undelete Blob / Undelete Path (200, `x-ms-resource-type`). With a deletion id
 * that entry comes back; without one the most recently deleted entry of the name. A name that exists
 * again cannot take a deleted entry back (409); a blob that exists with nothing deleted is a no-op, as
 * Undelete Blob is on a live blob. The parent directory must exist (404 ParentNotFound).
 */
export function undeletePath(c: Call): void {
  const wantedId = deletionIdOf(c);
  const hns = c.ns.hns;
  const type = c.ns.db.tx((): string => {
    requireFs(c.ns, c.api, c.account, c.fs);
    purgeExpired(c);
    const fs = c.fs ?? '';
    if (c.path === '') throw notFound(c);
    const entry = wantedId === undefined ? hns.deleted(c.account, fs, c.path)[0] : hns.deletedById(c.account, fs, c.path, wantedId);
    const live = c.ns.db.getPath(c.account, fs, c.path);
    if (!entry) {
      if (live && wantedId === undefined) return live.is_dir ? 'directory' : 'file';
      throw notFound(c);
    }
    if (live) throw c.api === 'dfs' ? new WireError(409, 'PathAlreadyExists', 'The specified path already exists.') : new WireError(409, 'BlobAlreadyExists', 'The specified blob already exists.');
    const parent = c.ns.db.getPath(c.account, fs, parentOf(c.path));
    if (!parent?.is_dir) throw new WireError(404, 'ParentNotFound', 'The parent directory of the path does not exist: restore or create it first.');
    checkTraverse(c.ns, c.principal, c.account, fs, c.path);
    checkPerm(c.principal, parent, 3);
    for (const k of JSON.parse(entry.rows) as KeptPath[]) {
      const rowId = c.ns.db.insertPath(k.row);
      if (k.tier) hns.putTier({ path_id: rowId, ...k.tier });
    }
    for (const s of JSON.parse(entry.snapshots) as SnapshotRow[]) hns.insertSnapshot(s, []);
    hns.dropDeleted(entry.deletion_id);
    return entry.is_dir ? 'directory' : 'file';
  });
  sendEmpty(c, 200, { 'x-ms-resource-type': type });
}

/** DELETE of a container / filesystem: also releases the snapshots and soft-deleted entries it held. */
export function deleteFilesystemWithHns(c: Call): void {
  deleteFilesystem(c);
  const fs = c.fs ?? '';
  c.ns.db.tx(() => {
    if (c.ns.db.getFs(c.account, fs)) return;
    c.ns.bytes.remove(c.ns.db.unref(c.ns.hns.fsSnapshots(c.account, fs).flatMap((s) => chunksOf(s.extents))));
    c.ns.hns.deleteFsSnapshots(c.account, fs);
    c.ns.hns.dropContainerAcl(c.account, fs);
    for (const e of c.ns.hns.fsDeleted(c.account, fs)) releaseEntry(c, e);
  });
}

const remainingDays = (c: Call, e: DeletedRow): number => Math.max(1, Math.ceil((e.expires_at - c.now) / c.ns.hns.options.retentionDayMs));

/** One soft-deleted entry as a `<Blob>` of a listing (List Blobs include=deleted, List Deleted Paths). */
export function deletedBlobXml(c: Call, e: DeletedRow): string {
  return `<Blob><Name>${escapeXml(e.path)}</Name><Deleted>true</Deleted><DeletionId>${e.deletion_id}</DeletionId><Properties><Creation-Time>${httpDate(e.created)}</Creation-Time><Last-Modified>${httpDate(e.modified)}</Last-Modified><Etag>${e.etag}</Etag><ResourceType>${e.is_dir ? 'directory' : 'file'}</ResourceType><Content-Length>${e.size}</Content-Length><BlobType>BlockBlob</BlobType><DeletedTime>${httpDate(e.deleted_at)}</DeletedTime><RemainingRetentionDays>${remainingDays(c, e)}</RemainingRetentionDays></Properties></Blob>`;
}

/**
 * Soft-deleted entries for List Blobs `include=deleted`: those whose name starts with `prefix` and,
 * for a `/`-delimited listing, that sit directly in `dir`.
 */
export function deletedForListing(c: Call, fs: string, prefix: string, dir: string | undefined): string[] {
  return c.ns.db.tx(() => {
    purgeExpired(c);
    return c.ns.hns.deletedPage(c.account, fs, prefix, '', '', 5000).filter((e) => dir === undefined || parentOf(e.path) === dir).map((e) => deletedBlobXml(c, e));
  });
}

/** GET /FS?restype=container&comp=list&showonly=deleted — List Deleted Paths (200 XML, paged). */
export function listDeletedPaths(c: Call): void {
  const fs = requireFs(c.ns, c.api, c.account, c.fs).name;
  if ((c.query.get('showonly') ?? '') !== 'deleted') throw new WireError(400, 'InvalidQueryParameterValue', "Value for one of the query parameters specified in the request URI is invalid: showonly. Use showonly=deleted.");
  const prefix = c.query.get('prefix') ?? '';
  const marker = c.query.get('marker') ?? '';
  const max = Math.min(intQuery(c, 'maxresults', false) ?? 5000, 5000);
  if (max < 1) throw new WireError(400, 'OutOfRangeQueryParameterValue', 'One of the query parameters specified in the request URI is outside the permissible range: maxresults.');
  const [afterPath = '', afterId = ''] = decodeToken('marker', marker).split('\u0000');
  const root = c.ns.db.getPath(c.account, fs, '');
  if (root) checkPerm(c.principal, root, 5);
  const rows = c.ns.db.tx(() => {
    purgeExpired(c);
    return c.ns.hns.deletedPage(c.account, fs, prefix, afterPath, afterId, max + 1);
  });
  const page = rows.slice(0, max);
  const last = page[page.length - 1];
  const next = rows.length > max && last ? encodeToken(`${last.path}\u0000${last.deletion_id}`) : '';
  const endpoint = `${c.baseUrl}/${c.account}/`;
  const delimiter = c.query.get('delimiter');
  const delim = delimiter === undefined ? '' : `<Delimiter>${escapeXml(delimiter)}</Delimiter>`;
  sendXml(c, 200, `<EnumerationResults ServiceEndpoint="${escapeXml(endpoint)}" ContainerName="${escapeXml(fs)}"><Prefix>${escapeXml(prefix)}</Prefix><Marker>${escapeXml(marker)}</Marker><MaxResults>${max}</MaxResults>${delim}<Blobs>${page.map((e) => deletedBlobXml(c, e)).join('')}</Blobs><NextMarker>${escapeXml(next)}</NextMarker></EnumerationResults>`);
}
