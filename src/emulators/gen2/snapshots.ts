import type { Extent } from './bytes.js';
import type { Call } from './call.js';
import { checkConditions, leaseState } from './conditions.js';
import { sendPathContent } from './data-ops.js';
import type { SnapshotRow } from './hns-store.js';
import { chunksOf, type PathRow } from './meta.js';
import { checkPerm, checkTraverse, requireFs } from './namespace.js';
import { readMetadata } from './present.js';
import { blobArchived, tierOfPath, tierOfSnapshot } from './tiers.js';
import { escapeXml, header, httpDate, quoteEtag, sendEmpty, sendXml, WireError } from './wire.js';

/**
 * Blob snapshots on the hierarchical namespace: Snapshot Blob, reads of a snapshot (`snapshot=` on
 * GET, HEAD and Get Block List), and the rules deletes follow (`x-ms-delete-snapshots`). A snapshot
 * is a read-only copy of a file's committed content, metadata and headers; it shares the file's
 * chunks (one reference each), so taking one copies no bytes. Directories have no snapshots.
 */

const notFoundBlob = (): WireError => new WireError(404, 'BlobNotFound', 'The specified blob does not exist.');
export const snapshotsPresent = (): WireError => new WireError(409, 'SnapshotsPresent', 'This operation is not permitted because the blob has snapshots.');

let lastMs = 0;
let seq = 0;

/** A snapshot time in Azure's form, `yyyy-MM-ddTHH:mm:ss.fffffffZ`, increasing within the process. */
export function newSnapshotTime(now: number): string {
  if (now === lastMs) seq++;
  else {
    lastMs = now;
    seq = 0;
  }
  return new Date(now).toISOString().replace(/\.(\d{3})Z$/, (_m, ms: string) => `.${ms}${String(seq % 10000).padStart(4, '0')}Z`);
}

const SNAPSHOT_TEXT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,7})?Z$/;

/** Validates a `snapshot=` query value (400 InvalidQueryParameterValue when it is not a snapshot time). */
export function parseSnapshotParam(value: string): string {
  if (!SNAPSHOT_TEXT.test(value) || Number.isNaN(Date.parse(value))) {
    throw new WireError(400, 'InvalidQueryParameterValue', `Value for one of the query parameters specified in the request URI is invalid: snapshot='${value}'. Use a snapshot time such as 2024-01-01T00:00:00.0000000Z.`);
  }
  return value;
}

/** The file a snapshot request addresses (404 BlobNotFound when absent, 409 for a directory). */
function fileRow(c: Call): PathRow {
  requireFs(c.ns, 'blob', c.account, c.fs);
  checkTraverse(c.ns, c.principal, c.account, c.fs ?? '', c.path);
  const row = c.path === '' ? undefined : c.ns.db.getPath(c.account, c.fs ?? '', c.path);
  if (!row) throw notFoundBlob();
  if (row.is_dir) throw new WireError(409, 'PathConflict', 'The specified path, or an element of the path, exists and its resource type is invalid for this operation: a directory has no snapshots.');
  return row;
}

/** PUT ?comp=snapshot — 201 with `x-ms-snapshot`; `x-ms-meta-*` given replace the copied metadata. */
export function createSnapshot(c: Call): void {
  const metadata = readMetadata(c.req);
  const hasMeta = Object.keys(metadata).length > 0;
  const out = c.ns.db.tx(() => {
    const row = fileRow(c);
    checkPerm(c.principal, row, 4);
    checkConditions(c.req, row, { read: false });
    const leaseId = header(c.req, 'x-ms-lease-id');
    if (leaseId !== undefined && leaseState(row.lease, c.now).info?.id !== leaseId) throw new WireError(412, 'LeaseIdMismatchWithBlobOperation', 'The lease ID specified did not match the lease ID for the blob.');
    const tier = tierOfPath(c.ns.hns, row, c.now);
    if (tier.tier === 'Archive') throw blobArchived();
    const snapshot = newSnapshotTime(c.now);
    c.ns.hns.insertSnapshot({
      account: c.account, fs: row.fs, path: row.path, snapshot, size: row.size, etag: row.etag, modified: row.modified, created: row.created,
      md5: row.md5, headers: row.headers, metadata: hasMeta ? JSON.stringify(metadata) : row.metadata,
      extents: JSON.stringify((JSON.parse(row.extents) as Extent[])), tier: tier.inferred ? null : tier.tier,
    }, chunksOf(row.extents));
    return { snapshot, etag: row.etag, modified: row.modified };
  });
  sendEmpty(c, 201, { 'x-ms-snapshot': out.snapshot, ETag: quoteEtag(out.etag), 'Last-Modified': httpDate(out.modified), 'x-ms-request-server-encrypted': 'false' });
}

/** A snapshot presented as a path row (ownership and ACL of the live file, when it still exists). */
export function snapshotAsRow(s: SnapshotRow, base: PathRow | undefined): PathRow {
  return {
    id: -1, account: s.account, fs: s.fs, path: s.path, parent: base?.parent ?? '', is_dir: 0, size: s.size, etag: s.etag, modified: s.modified,
    created: s.created, owner: base?.owner ?? '$superuser', grp: base?.grp ?? '$superuser', acl: base?.acl ?? 'user::rw-,group::r--,other::---',
    default_acl: '', sticky: 0, metadata: s.metadata, headers: s.headers, md5: s.md5, extents: s.extents, lease: null,
  };
}

function snapshotRow(c: Call): { snap: SnapshotRow; row: PathRow } {
  const snapshot = parseSnapshotParam(c.query.get('snapshot') ?? '');
  requireFs(c.ns, 'blob', c.account, c.fs);
  checkTraverse(c.ns, c.principal, c.account, c.fs ?? '', c.path);
  const snap = c.path === '' ? undefined : c.ns.hns.snapshot(c.account, c.fs ?? '', c.path, snapshot);
  if (!snap) throw notFoundBlob();
  const row = snapshotAsRow(snap, c.ns.db.getPath(c.account, c.fs ?? '', c.path));
  checkPerm(c.principal, row, 4);
  return { snap, row };
}

/** GET/HEAD ?snapshot= — the snapshot's content and properties (200/206/304). */
export async function readSnapshot(c: Call): Promise<void> {
  if (header(c.req, 'x-ms-lease-id') !== undefined) throw new WireError(400, 'InvalidHeaderValue', 'The value for one of the HTTP headers is not in the correct format: x-ms-lease-id. A snapshot has no lease.');
  const { snap, row } = snapshotRow(c);
  await sendPathContent(c, row, tierOfSnapshot(snap.tier));
}

/** GET ?comp=blocklist&snapshot= — the committed blocks of a snapshot (a snapshot has no uncommitted ones). */
export function getSnapshotBlockList(c: Call): void {
  const type = (c.query.get('blocklisttype') ?? 'committed').toLowerCase();
  if (type !== 'committed' && type !== 'uncommitted' && type !== 'all') throw new WireError(400, 'InvalidQueryParameterValue', `Value for one of the query parameters specified in the request URI is invalid: blocklisttype='${type}'. Use committed, uncommitted or all.`);
  const { row } = snapshotRow(c);
  const item = (e: Extent): string => `<Block><Name>${escapeXml(e.b ?? '')}</Name><Size>${e.n}</Size></Block>`;
  const committed = (JSON.parse(row.extents) as Extent[]).filter((e) => e.b !== undefined).map(item).join('');
  const parts = [type !== 'uncommitted' ? `<CommittedBlocks>${committed}</CommittedBlocks>` : '', type !== 'committed' ? '<UncommittedBlocks></UncommittedBlocks>' : ''];
  sendXml(c, 200, `<BlockList>${parts.join('')}</BlockList>`, { ETag: quoteEtag(row.etag), 'Last-Modified': httpDate(row.modified), 'x-ms-blob-content-length': String(row.size) });
}

/** Deletes snapshots (inside a transaction); returns chunk ids to release from the byte store. */
export function dropSnapshots(c: Call, snaps: readonly SnapshotRow[]): string[] {
  return snaps.flatMap((s) => c.ns.hns.deleteSnapshot(s, chunksOf(s.extents)));
}

/** `x-ms-delete-snapshots` of a Delete Blob: undefined, `include` or `only` (400 for other values). */
export function parseDeleteSnapshots(c: Call): 'include' | 'only' | undefined {
  const v = header(c.req, 'x-ms-delete-snapshots');
  if (v === undefined) return undefined;
  const l = v.trim().toLowerCase();
  if (l === 'include' || l === 'only') return l;
  throw new WireError(400, 'InvalidHeaderValue', `The value for one of the HTTP headers is not in the correct format: x-ms-delete-snapshots '${v}'. Use include or only.`);
}
