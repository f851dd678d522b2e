import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import type { Extent } from './bytes.js';
import { boolQuery, intQuery, type Call } from './call.js';
import { checkConditions, checkWriteLease, leaseState } from './conditions.js';
import { chunksOf, type PathRow, type StagedRow } from './meta.js';
import { checkPerm, checkTraverse, ensureParents, isSuper, newItem, requireFs } from './namespace.js';
import { contentOf, pathHeaders, readContentHeaders, type ContentHeaders } from './present.js';
import { blobArchived, tierHeaders, tierOfPath, type TierState } from './tiers.js';
import { header, httpDate, newEtag, notFoundPath, quoteEtag, sendEmpty, WireError, writeHeadWith } from './wire.js';

/**
 * Data operations: DFS append and flush, Blob get/head, Put Blob. Request bodies stream into chunks;
 * a flush only records extents, it never copies bytes.
 */

const blobExists = (): WireError => new WireError(409, 'BlobAlreadyExists', 'The specified blob already exists.');
const md5Mismatch = (): WireError => new WireError(400, 'Md5Mismatch', 'The MD5 value specified in the request did not match with the MD5 value calculated by the server.');

/** Checks the transactional Content-MD5 of a stored body; releases the chunk on mismatch. */
export function verifyMd5(c: Call, given: string | undefined, actual: Buffer | undefined, chunk: string | undefined): void {
  if (given === undefined || actual === undefined) return;
  if (Buffer.from(given, 'base64').equals(actual)) return;
  if (chunk !== undefined) c.ns.bytes.remove([chunk]);
  throw md5Mismatch();
}

function existingFile(c: Call): PathRow {
  requireFs(c.ns, c.api, c.account, c.fs);
  checkTraverse(c.ns, c.principal, c.account, c.fs ?? '', c.path);
  const row = c.ns.db.getPath(c.account, c.fs ?? '', c.path);
  if (!row || c.path === '') throw notFoundPath();
  if (row.is_dir) throw new WireError(409, 'PathConflict', 'The specified path, or an element of the path, exists and its resource type is invalid for this operation.');
  return row;
}

/** PATCH ?action=append&position=N — stages data at a position (202). `flush=true` also commits it. */
export async function appendData(c: Call): Promise<void> {
  const position = intQuery(c, 'position', true) ?? 0;
  if (header(c.req, 'x-ms-lease-action') !== undefined) throw new WireError(501, 'NotImplemented', 'x-ms-lease-action on append is not supported by the lakeshift Gen2 emulator; acquire the lease with a lease request first.');
  const row = existingFile(c);
  checkPerm(c.principal, row, 2);
  checkWriteLease(c.req, row.lease, 'dfs', c.now);
  const len = header(c.req, 'content-length');
  if (len === '0' || (len === undefined && header(c.req, 'transfer-encoding') === undefined)) {
    throw new WireError(400, 'InvalidHeaderValue', 'The value for one of the HTTP headers is not in the correct format: Content-Length. Append needs a non-empty body.');
  }
  const md5Header = header(c.req, 'content-md5');
  const body = await c.ns.bytes.writeBody(c.req, c.limits.maxAppendBytes, md5Header !== undefined);
  verifyMd5(c, md5Header, body.md5, body.chunk);
  const chunk = body.chunk;
  if (chunk === undefined) throw new WireError(400, 'InvalidHeaderValue', 'The value for one of the HTTP headers is not in the correct format: Content-Length. Append needs a non-empty body.');
  const flush = boolQuery(c, 'flush', false);
  const out = c.ns.db.tx(() => {
    // The file may have been deleted or replaced while the body streamed in; a flush needs the whole row.
    const fresh = flush ? c.ns.db.getPath(c.account, row.fs, row.path) : undefined;
    const currentId = flush ? fresh?.id : c.ns.db.pathId(c.account, row.fs, row.path);
    if (currentId !== row.id) {
      c.ns.bytes.remove([chunk]);
      throw notFoundPath();
    }
    const released = c.ns.db.putStaged(row.id, position, chunk, body.size);
    return { released, flushed: fresh ? commitStaged(c, fresh, position + body.size, false, {}) : undefined };
  });
  c.ns.bytes.remove(out.released);
  const headers: Record<string, string> = { 'x-ms-request-server-encrypted': 'true' };
  if (body.md5 !== undefined) headers['Content-MD5'] = body.md5.toString('base64');
  if (out.flushed) Object.assign(headers, { ETag: quoteEtag(out.flushed.etag), 'Last-Modified': httpDate(out.flushed.modified) });
  sendEmpty(c, 202, headers);
}

const invalidFlush = (): WireError => new WireError(400, 'InvalidFlushPosition', 'The uploaded data is not contiguous or the position query parameter value is not equal to the length of the file after appending the uploaded data.');

/**
 * Commits staged data up to `position` (must be contiguous from the committed length). Runs inside
 * a transaction; returns the new ETag and time.
 */
function commitStaged(c: Call, row: PathRow, position: number, retain: boolean, extra: { md5?: string | null; content?: ContentHeaders }): { etag: string; modified: number } {
  if (position < row.size) throw invalidFlush();
  const staged = c.ns.db.staged(row.id);
  const added: Extent[] = [];
  let cur = row.size;
  for (const s of staged) {
    if (cur >= position) break;
    const end = s.position + s.len;
    if (end <= cur) continue;
    if (s.position > cur) break;
    const from = cur - s.position;
    const to = Math.min(end, position) - s.position;
    added.push({ c: s.chunk, o: s.chunk_off + from, n: to - from });
    cur = s.position + to;
  }
  if (cur !== position) throw invalidFlush();
  const keep: StagedRow[] = [];
  if (retain) {
    for (const s of staged) {
      const end = s.position + s.len;
      if (end <= position) continue;
      if (s.position >= position) keep.push(s);
      else keep.push({ position, chunk: s.chunk, chunk_off: s.chunk_off + (position - s.position), len: end - position });
    }
  }
  c.ns.bytes.remove(c.ns.db.replaceStaged(row.id, staged, keep, added.map((e) => e.c)));
  const extents = [...(JSON.parse(row.extents) as Extent[]).map((e) => ({ c: e.c, o: e.o, n: e.n })), ...added];
  const etag = newEtag();
  const update: Parameters<typeof c.ns.db.updatePath>[1] = { size: position, extents: JSON.stringify(extents), etag, modified: c.now };
  if (extra.md5 !== undefined) update.md5 = extra.md5;
  if (extra.content && Object.keys(extra.content).length > 0) update.headers = JSON.stringify({ ...contentOf(row), ...extra.content });
  c.ns.db.updatePath(row.id, update);
  return { etag, modified: c.now };
}

/** PATCH ?action=flush&position=N — commits staged data (200). */
export function flushData(c: Call): void {
  const position = intQuery(c, 'position', true) ?? 0;
  const len = header(c.req, 'content-length');
  if (len !== undefined && len !== '0') throw new WireError(400, 'ContentLengthMustBeZero', 'The Content-Length request header must be zero for a flush.');
  const retain = boolQuery(c, 'retainUncommittedData', false);
  boolQuery(c, 'close', false);
  const md5 = header(c.req, 'x-ms-content-md5');
  const content = readContentHeaders(c.req, 'x-ms-content-', 'x-ms-cache-control');
  const out = c.ns.db.tx(() => {
    const row = existingFile(c);
    checkPerm(c.principal, row, 2);
    checkConditions(c.req, row, { read: false });
    checkWriteLease(c.req, row.lease, 'dfs', c.now);
    return commitStaged(c, row, position, retain, { ...(md5 === undefined ? {} : { md5 }), content });
  });
  sendEmpty(c, 200, { ETag: quoteEtag(out.etag), 'Last-Modified': httpDate(out.modified), 'x-ms-request-server-encrypted': 'false' });
}

function parseRange(c: Call): { start: number; end: number | undefined } | undefined {
  const xms = header(c.req, 'x-ms-range');
  const text = xms ?? header(c.req, 'range');
  if (text === undefined) return undefined;
  const m = /^bytes=(\d+)-(\d*)$/.exec(text.trim());
  if (!m || m[1] === undefined) {
    if (xms !== undefined) throw new WireError(400, 'InvalidHeaderValue', `The value for one of the HTTP headers is not in the correct format: x-ms-range '${text}'. Use bytes=START-END or bytes=START-.`);
    return undefined;
  }
  const start = Number(m[1]);
  const end = m[2] === undefined || m[2] === '' ? undefined : Number(m[2]);
  if (end !== undefined && end < start) throw new WireError(416, 'InvalidRange', 'The range specified is invalid for the current size of the resource.');
  return { start, end };
}

class Collector extends Writable {
  readonly parts: Buffer[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.parts.push(chunk);
    cb();
  }
}

/** GET/HEAD on a path: Blob read/properties with the DFS headers as well (200/206/304/416). */
export async function readPath(c: Call): Promise<void> {
  requireFs(c.ns, 'blob', c.account, c.fs);
  checkTraverse(c.ns, c.principal, c.account, c.fs ?? '', c.path);
  const row = c.ns.db.getPath(c.account, c.fs ?? '', c.path);
  if (!row) throw new WireError(404, 'BlobNotFound', 'The specified blob does not exist.');
  checkPerm(c.principal, row, 4);
  await sendPathContent(c, row, tierOfPath(c.ns.hns, row, c.now));
}

/**
 * Answers GET/HEAD for `row` (a path, or a snapshot presented as one) once it was found and the
 * caller may read it: conditions, lease, range, tier headers; 409 BlobArchived for GET of an Archive blob.
 */
export async function sendPathContent(c: Call, row: PathRow, tier: TierState): Promise<void> {
  const headers = { ...pathHeaders(row, c.now, true), ...tierHeaders(tier) };
  if (checkConditions(c.req, row, { read: true }) === 'not-modified') {
    throw new WireError(304, 'ConditionNotMet', 'The condition specified using HTTP conditional header(s) is not met.', { ETag: headers.ETag ?? '', 'Last-Modified': headers['Last-Modified'] ?? '' });
  }
  const leaseId = header(c.req, 'x-ms-lease-id');
  if (leaseId !== undefined && leaseState(row.lease, c.now).info?.id !== leaseId) throw new WireError(412, 'LeaseIdMismatchWithBlobOperation', 'The lease ID specified did not match the lease ID for the blob.');
  if (tier.tier === 'Archive' && c.req.method === 'GET') throw blobArchived();
  const range = parseRange(c);
  let start = 0;
  let end = row.size;
  let status = 200;
  if (range) {
    if (range.start >= row.size) throw new WireError(416, 'InvalidRange', 'The range specified is invalid for the current size of the resource.', { 'Content-Range': `bytes */${row.size}` });
    start = range.start;
    end = Math.min(row.size, range.end === undefined ? row.size : range.end + 1);
    status = 206;
    headers['Content-Range'] = `bytes ${start}-${end - 1}/${row.size}`;
    if (row.md5 !== null) headers['x-ms-blob-content-md5'] = row.md5;
  } else if (row.md5 !== null) headers['Content-MD5'] = row.md5;
  headers['Content-Length'] = String(end - start);
  const extents = JSON.parse(row.extents) as Extent[];
  const wantRangeMd5 = range !== undefined && (header(c.req, 'x-ms-range-get-content-md5') ?? '').toLowerCase() === 'true';
  if (wantRangeMd5) {
    if (end - start > 4 * 1024 * 1024) throw new WireError(400, 'OutOfRangeInput', 'x-ms-range-get-content-md5 needs a range of at most 4 MiB.');
    const hash = createHash('md5');
    const sink = new Collector();
    await c.ns.bytes.streamRange(extents, start, end, sink, hash);
    headers['Content-MD5'] = hash.digest().toString('base64');
    writeHeadWith(c, status, headers);
    c.res.end(c.req.method === 'HEAD' ? undefined : Buffer.concat(sink.parts));
    return;
  }
  writeHeadWith(c, status, headers);
  if (c.req.method === 'HEAD' || end === start) {
    c.res.end();
    return;
  }
  try {
    await c.ns.bytes.streamRange(extents, start, end, c.res);
    c.res.end();
  } catch {
    c.res.destroy();
  }
}

/**
 * Writes a committed file at the call's path (Put Blob, Put Block List): creates missing parent
 * directories, keeps ownership and ACL of an existing file, replaces content, metadata and headers.
 * Must run inside a transaction. Returns the new ETag.
 */
export function commitFile(c: Call, extents: Extent[], size: number, md5: string | null, content: ContentHeaders, metadata: Record<string, string>): { etag: string; modified: number } {
  requireFs(c.ns, 'blob', c.account, c.fs);
  const fs = c.fs ?? '';
  const existing = c.ns.db.getPath(c.account, fs, c.path);
  if (existing?.is_dir) throw new WireError(409, 'PathConflict', 'The specified path, or an element of the path, exists and its resource type is invalid for this operation.');
  checkConditions(c.req, existing, { read: false, existsError: blobExists });
  if (existing) checkWriteLease(c.req, existing.lease, 'blob', c.now);
  const parent = ensureParents(c.ns, c.principal, c.account, fs, c.path, c.now);
  c.ns.db.ref(extents.map((e) => e.c));
  const etag = newEtag();
  const fields = { size, extents: JSON.stringify(extents), md5, headers: JSON.stringify(content), metadata: JSON.stringify(metadata), etag, modified: c.now };
  if (existing) {
    if (!isSuper(c.principal)) checkPerm(c.principal, existing, 2);
    c.ns.bytes.remove(c.ns.db.unref(chunksOf(existing.extents)));
    c.ns.db.updatePath(existing.id, fields);
  } else {
    checkPerm(c.principal, parent, 3);
    c.ns.db.insertPath({ ...newItem(c.account, fs, c.path, parent, c.principal, { isDir: false, umask: 0o027, now: c.now }), ...fields });
  }
  return { etag, modified: c.now };
}

/** Content headers of a Blob write: `x-ms-blob-content-*`, falling back to the request Content-Type. */
export function blobContentHeaders(c: Call): ContentHeaders {
  return readContentHeaders(c.req, 'x-ms-blob-content-', 'x-ms-blob-cache-control');
}
