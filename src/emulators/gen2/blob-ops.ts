import type { Extent } from './bytes.js';
import type { Call } from './call.js';
import { checkConditions, checkWriteLease } from './conditions.js';
import { parseBlockList } from './block-list-xml.js';
import { blobContentHeaders, commitFile } from './data-ops.js';
import { blobMd5Header, checkDigests, digestHeaders, expectedDigests } from './integrity.js';
import { checkPerm, checkTraverse, ensureParents, isSuper, newItem, requireFs, validateNewPath } from './namespace.js';
import { readMetadata } from './present.js';
import { escapeXml, header, httpDate, newEtag, quoteEtag, sendEmpty, sendXml, WireError } from './wire.js';

/** Blob write operations on the hierarchical namespace: Put Blob, blocks, metadata and HTTP headers. */

const blobExists = (): WireError => new WireError(409, 'BlobAlreadyExists', 'The specified blob already exists.');
const notFoundBlob = (): WireError => new WireError(404, 'BlobNotFound', 'The specified blob does not exist.');

function requirePathName(c: Call): void {
  if (c.path === '') throw new WireError(400, 'InvalidUri', 'The requested URI does not represent any resource on the server: a blob name is required.');
  validateNewPath(c.path);
}

/** PUT with x-ms-blob-type: BlockBlob — stores the body as one chunk (201). Zero-length with hdi_isfolder=true creates a directory. */
export async function putBlob(c: Call): Promise<void> {
  requirePathName(c);
  requireFs(c.ns, 'blob', c.account, c.fs);
  const type = header(c.req, 'x-ms-blob-type');
  if (type !== 'BlockBlob') throw new WireError(501, 'NotImplemented', `Blob type '${type ?? ''}' is not supported by the lakeshift Gen2 emulator; only BlockBlob is.`);
  const metadata = readMetadata(c.req);
  const content = blobContentHeaders(c);
  if (content.ct === undefined && header(c.req, 'content-type') !== undefined) content.ct = header(c.req, 'content-type') ?? '';
  const expected = expectedDigests(c.req, true);
  const blobMd5 = blobMd5Header(c.req);
  const body = await c.ns.bytes.writeBody(c.req, c.limits.maxAppendBytes, true, expected.crc);
  checkDigests(expected, body.md5, () => body.chunk !== undefined && c.ns.bytes.remove([body.chunk]));
  const isFolder = Object.entries(metadata).some(([k, v]) => k.toLowerCase() === 'hdi_isfolder' && v.toLowerCase() === 'true');
  try {
    const out = c.ns.db.tx(() => {
      if (isFolder && body.size === 0) return putFolder(c, metadata);
      const md5 = blobMd5 ?? body.md5?.toString('base64') ?? null;
      const extents: Extent[] = body.chunk === undefined ? [] : [{ c: body.chunk, o: 0, n: body.size }];
      return commitFile(c, extents, body.size, md5, content, metadata);
    });
    const h: Record<string, string> = { ETag: quoteEtag(out.etag), 'Last-Modified': httpDate(out.modified), 'x-ms-request-server-encrypted': 'true' };
    sendEmpty(c, 201, digestHeaders(expected, body.md5, h));
  } catch (e) {
    if (body.chunk !== undefined) c.ns.bytes.remove([body.chunk]);
    throw e;
  }
}

function putFolder(c: Call, metadata: Record<string, string>): { etag: string; modified: number } {
  const fs = c.fs ?? '';
  const meta = Object.fromEntries(Object.entries(metadata).filter(([k]) => k.toLowerCase() !== 'hdi_isfolder'));
  const existing = c.ns.db.getPath(c.account, fs, c.path);
  if (existing && !existing.is_dir) throw new WireError(409, 'PathConflict', 'The specified path, or an element of the path, exists and its resource type is invalid for this operation.');
  checkConditions(c.req, existing, { read: false, existsError: blobExists });
  const parent = ensureParents(c.ns, c.principal, c.account, fs, c.path, c.now);
  const etag = existing?.etag ?? '';
  if (existing) {
    c.ns.db.updatePath(existing.id, { metadata: JSON.stringify(meta), modified: c.now });
    return { etag, modified: c.now };
  }
  checkPerm(c.principal, parent, 3);
  const row = { ...newItem(c.account, fs, c.path, parent, c.principal, { isDir: true, umask: 0o027, now: c.now }), metadata: JSON.stringify(meta) };
  c.ns.db.insertPath(row);
  return { etag: row.etag, modified: c.now };
}

function blockIdOf(c: Call): string {
  const id = c.query.get('blockid');
  if (id === undefined || id === '' || !/^[A-Za-z0-9+/]*={0,2}$/.test(id) || Buffer.from(id, 'base64').length > 64) {
    throw new WireError(400, 'InvalidQueryParameterValue', `Value for one of the query parameters specified in the request URI is invalid: blockid='${id ?? ''}'. Use base64 of at most 64 bytes.`);
  }
  return id;
}

/** PUT ?comp=block&blockid= — stages an uncommitted block (201). */
export async function putBlock(c: Call): Promise<void> {
  requirePathName(c);
  requireFs(c.ns, 'blob', c.account, c.fs);
  const blockId = blockIdOf(c);
  const expected = expectedDigests(c.req, false);
  const body = await c.ns.bytes.writeBody(c.req, c.limits.maxAppendBytes, expected.md5 !== undefined, expected.crc);
  checkDigests(expected, body.md5, () => body.chunk !== undefined && c.ns.bytes.remove([body.chunk]));
  try {
    const released = c.ns.db.tx(() => {
      const existing = c.ns.db.getPath(c.account, c.fs ?? '', c.path);
      if (existing?.is_dir) throw new WireError(409, 'PathConflict', 'The specified path, or an element of the path, exists and its resource type is invalid for this operation.');
      checkBlockIdLength(c.ns.db.blocks(c.account, c.fs ?? '', c.path), blockId);
      return c.ns.db.putBlock(c.account, c.fs ?? '', c.path, blockId, body.chunk, body.size);
    });
    c.ns.bytes.remove(released);
  } catch (e) {
    if (body.chunk !== undefined) c.ns.bytes.remove([body.chunk]);
    throw e;
  }
  sendEmpty(c, 201, digestHeaders(expected, body.md5, { 'x-ms-request-server-encrypted': 'true' }));
}

/** Uncommitted blocks of one blob share one block id length (decoded); 400 InvalidBlobOrBlock otherwise. */
function checkBlockIdLength(staged: readonly { block_id: string }[], blockId: string): void {
  const length = Buffer.from(blockId, 'base64').length;
  const other = staged.find((b) => b.block_id !== blockId && Buffer.from(b.block_id, 'base64').length !== length);
  if (other !== undefined) {
    throw new WireError(400, 'InvalidBlobOrBlock', `The specified blob or block content is invalid: block ids of one blob must all have the same length; this one decodes to ${length} bytes, the staged ones to ${Buffer.from(other.block_id, 'base64').length}.`);
  }
}

/** Reads a small request body (XML) as UTF-8; 413 RequestBodyTooLarge past `max` bytes. */
export async function readSmallBody(c: Call, max: number): Promise<string> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const d of c.req as AsyncIterable<Buffer>) {
    size += d.length;
    if (size > max) throw new WireError(413, 'RequestBodyTooLarge', `The request body is too large and exceeds the maximum permissible limit of ${max} bytes.`);
    parts.push(d);
  }
  return Buffer.concat(parts).toString('utf8');
}

/** PUT ?comp=blocklist — commits blocks in the listed order without copying data (201). */
export async function putBlockList(c: Call): Promise<void> {
  requirePathName(c);
  const md5 = blobMd5Header(c.req) ?? null;
  const xml = await readSmallBody(c, 8 * 1024 * 1024);
  const wanted = parseBlockList(xml);
  const metadata = readMetadata(c.req);
  const content = blobContentHeaders(c);
  const out = c.ns.db.tx(() => {
    const fs = c.fs ?? '';
    requireFs(c.ns, 'blob', c.account, c.fs);
    const existing = c.ns.db.getPath(c.account, fs, c.path);
    const committed = new Map<string, Extent>();
    if (existing && !existing.is_dir) for (const e of JSON.parse(existing.extents) as Extent[]) if (e.b !== undefined) committed.set(e.b, e);
    const uncommitted = new Map(c.ns.db.blocks(c.account, fs, c.path).map((b) => [b.block_id, b]));
    const extents: Extent[] = [];
    let size = 0;
    for (const w of wanted) {
      const u = w.kind !== 'Committed' ? uncommitted.get(w.id) : undefined;
      const k = w.kind !== 'Uncommitted' && !u ? committed.get(w.id) : undefined;
      if (u) {
        extents.push({ c: u.chunk ?? '', o: 0, n: u.len, b: w.id });
        size += u.len;
      } else if (k) {
        extents.push({ ...k });
        size += k.n;
      } else throw new WireError(400, 'InvalidBlockList', `The specified block list is invalid: block '${w.id}' is not staged.`);
    }
    const result = commitFile(c, extents.filter((e) => e.c !== ''), size, md5, content, metadata);
    c.ns.bytes.remove(c.ns.db.clearBlocks(c.account, fs, c.path));
    return result;
  });
  sendEmpty(c, 201, { ETag: quoteEtag(out.etag), 'Last-Modified': httpDate(out.modified), 'x-ms-request-server-encrypted': 'true' });
}

/** GET ?comp=blocklist&blocklisttype=committed|uncommitted|all (200 XML). */
export function getBlockList(c: Call): void {
  requireFs(c.ns, 'blob', c.account, c.fs);
  const type = (c.query.get('blocklisttype') ?? 'committed').toLowerCase();
  if (type !== 'committed' && type !== 'uncommitted' && type !== 'all') throw new WireError(400, 'InvalidQueryParameterValue', `Value for one of the query parameters specified in the request URI is invalid: blocklisttype='${type}'. Use committed, uncommitted or all.`);
  const row = c.ns.db.getPath(c.account, c.fs ?? '', c.path);
  const blocks = c.ns.db.blocks(c.account, c.fs ?? '', c.path);
  if ((!row || row.is_dir) && blocks.length === 0) throw notFoundBlob();
  const item = (id: string, n: number): string => `<Block><Name>${escapeXml(id)}</Name><Size>${n}</Size></Block>`;
  const committed = row && !row.is_dir ? (JSON.parse(row.extents) as Extent[]).filter((e) => e.b !== undefined).map((e) => item(e.b ?? '', e.n)).join('') : '';
  const uncommitted = blocks.map((b) => item(b.block_id, b.len)).join('');
  const h: Record<string, string> = { 'x-ms-blob-content-length': String(row?.size ?? 0) };
  if (row) Object.assign(h, { ETag: quoteEtag(row.etag), 'Last-Modified': httpDate(row.modified) });
  const parts = [type !== 'uncommitted' ? `<CommittedBlocks>${committed}</CommittedBlocks>` : '', type !== 'committed' ? `<UncommittedBlocks>${uncommitted}</UncommittedBlocks>` : ''];
  sendXml(c, 200, `<BlockList>${parts.join('')}</BlockList>`, h);
}

/** PUT ?comp=metadata (replace metadata) and ?comp=properties (replace HTTP headers) on a path (200). */
export function setBlobMetadataOrProperties(c: Call, what: 'metadata' | 'properties'): void {
  const out = c.ns.db.tx(() => {
    requireFs(c.ns, 'blob', c.account, c.fs);
    const row = c.ns.db.getPath(c.account, c.fs ?? '', c.path);
    if (!row || c.path === '') throw notFoundBlob();
    checkTraverse(c.ns, c.principal, c.account, row.fs, row.path);
    if (!isSuper(c.principal)) checkPerm(c.principal, row, 2);
    checkConditions(c.req, row, { read: false });
    checkWriteLease(c.req, row.lease, 'blob', c.now);
    const etag = newEtag();
    if (what === 'metadata') {
      const meta = Object.fromEntries(Object.entries(readMetadata(c.req)).filter(([k]) => !(row.is_dir && k.toLowerCase() === 'hdi_isfolder')));
      c.ns.db.updatePath(row.id, { metadata: JSON.stringify(meta), etag, modified: c.now });
    } else {
      c.ns.db.updatePath(row.id, { headers: JSON.stringify(blobContentHeaders(c)), md5: blobMd5Header(c.req) ?? null, etag, modified: c.now });
    }
    return { etag, modified: c.now };
  });
  sendEmpty(c, 200, { ETag: quoteEtag(out.etag), 'Last-Modified': httpDate(out.modified), 'x-ms-request-server-encrypted': 'true' });
}
