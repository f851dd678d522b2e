/**
 * Read-side operations: OPEN, GETFILESTATUS, LISTSTATUS (paged), GETCONTENTSUMMARY, CHECKACCESS.
 */
import { pipeline } from 'node:stream/promises';
import { effectivePerm } from './acl.js';
import { SMALL_READ_MAX } from './blobs.js';
import { badRequest, Gen1Error, GEN1_STATUS_CODES, notFound } from './errors.js';
import type { ListTuple } from './metadata.js';
import { aclOf, requirePerm, resolveExisting, type OpContext } from './namespace.js';
import { intParam } from './request.js';
import { fileStatusJson, listEntryJson, sendEmpty, sendJson } from './response.js';

/** OPEN: streams up to `length` bytes from `offset` (200, application/octet-stream). */
export async function handleOpen(ctx: OpContext): Promise<void> {
  const { entry } = resolveExisting(ctx, ctx.target.segments);
  if (entry.type !== 'FILE') throw notFound(`${ctx.path} (it is a directory, not a file)`);
  requirePerm(ctx, entry, 4, ctx.path);
  const offset = intParam(ctx.target.query, 'offset') ?? 0;
  if (offset > entry.length) {
    throw new Gen1Error('BadOffsetException', `OPEN failed with error 0x83090015 (Bad request. Invalid offset.). Offset ${offset} is beyond the end of ${ctx.path} (length ${entry.length}).`, {
      statusCode: GEN1_STATUS_CODES.badOffset,
    });
  }
  const wanted = intParam(ctx.target.query, 'length');
  const count = Math.min(wanted ?? Number.MAX_SAFE_INTEGER, entry.length - offset);
  if (count > 0 && count <= SMALL_READ_MAX && entry.blob !== null) {
    // Small ranges: one buffer, no stream, no pipeline.
    let bytes: Buffer;
    try {
      bytes = ctx.state.blobs.readSmall(entry.blob, offset, count);
    } catch {
      bytes = Buffer.alloc(0);
    }
    if (bytes.length !== count) {
      // The bytes vanished (file deleted meanwhile): cut the connection as a failed stream would.
      ctx.res.destroy();
      return;
    }
    ctx.res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(count) });
    ctx.res.end(bytes);
    return;
  }
  ctx.res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(count) });
  if (count === 0 || entry.blob === null) {
    ctx.res.end();
    return;
  }
  try {
    await pipeline(ctx.state.blobs.read(entry.blob, offset, count), ctx.res);
  } catch {
    // Client went away or the bytes vanished mid-read (file deleted): the connection is already finished.
    ctx.res.destroy();
  }
}

/** GETFILESTATUS: `{"FileStatus":{…}}` with pathSuffix "". */
export function handleGetFileStatus(ctx: OpContext): void {
  const { entry } = resolveExisting(ctx, ctx.target.segments);
  sendJson(ctx.res, 200, `{"FileStatus":${fileStatusJson(entry, '')}}`);
}

/** True when `apiVersion` carries LISTSTATUS continuation tokens (2018-09-01 and later, or absent). */
export function hasContinuationToken(apiVersion: string): boolean {
  return apiVersion === '' || apiVersion >= '2018-09-01';
}

const STREAM_PAGE = 2000;

/**
 * LISTSTATUS: children sorted by name, `listAfter`/`listBefore` exclusive bounds, `listSize` page size.
 * `continuationToken` (first key) is the last name when the page is full, else "".
 */
export async function handleListStatus(ctx: OpContext): Promise<void> {
  const { entry } = resolveExisting(ctx, ctx.target.segments);
  const q = ctx.target.query;
  const withToken = hasContinuationToken(ctx.apiVersion);
  const head = (token: string): string => `{"FileStatuses":{${withToken ? `"continuationToken":${JSON.stringify(token)},` : ''}"FileStatus":[`;
  if (entry.type === 'FILE') {
    sendJson(ctx.res, 200, `${head('')}${fileStatusJson(entry, '')}]}}`);
    return;
  }
  requirePerm(ctx, entry, 5, ctx.path);
  const listSize = intParam(q, 'listsize', 1);
  const after = q.get('listafter') ?? '';
  const beforeRaw = q.get('listbefore');
  const before = beforeRaw === undefined || beforeRaw === '' ? undefined : beforeRaw;
  const now = ctx.state.now();
  const quoted = new Map<string, string>();
  // Expired files are hidden (they behave as deleted).
  const render = (rows: ListTuple[]): string[] => {
    const out: string[] = [];
    for (const t of rows) if (!(t[1] !== 1 && t[8] > 0 && t[8] <= now)) out.push(listEntryJson(t, quoted));
    return out;
  };
  if (listSize !== undefined) {
    const rows = ctx.state.meta.listTuples(entry.id, after, before, listSize);
    const last = rows[rows.length - 1];
    const token = rows.length === listSize && last ? last[0] : '';
    sendJson(ctx.res, 200, `${head(token)}${render(rows).join(',')}]}}`);
    return;
  }
  // No page size: the whole directory, streamed in slices so memory stays flat for huge directories.
  const res = ctx.res;
  res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' });
  let cursor = after;
  let first = true;
  let chunk = head('');
  while (true) {
    const rows = ctx.state.meta.listTuples(entry.id, cursor, before, STREAM_PAGE);
    const parts = render(rows);
    if (parts.length > 0) {
      chunk += `${first ? '' : ','}${parts.join(',')}`;
      first = false;
    }
    const last = rows[rows.length - 1];
    if (rows.length < STREAM_PAGE || !last) break;
    cursor = last[0];
    if (!res.write(chunk)) await new Promise<void>((resolve) => res.once('drain', () => resolve()));
    chunk = '';
    if (res.destroyed) return;
  }
  res.end(`${chunk}]}}`);
}

/** GETCONTENTSUMMARY: counts (the directory itself included in directoryCount) and bytes. */
export function handleGetContentSummary(ctx: OpContext): void {
  const { entry } = resolveExisting(ctx, ctx.target.segments);
  let dirs = 0;
  let files = 0;
  let bytes = 0;
  if (entry.type === 'FILE') {
    files = 1;
    bytes = entry.length;
  } else {
    requirePerm(ctx, entry, 5, ctx.path);
    dirs = 1;
    for (const d of ctx.state.meta.descendants(entry.id)) {
      if (d.type === 'DIRECTORY') dirs++;
      else {
        files++;
        bytes += d.length;
      }
    }
  }
  sendJson(
    ctx.res,
    200,
    `{"ContentSummary":{"directoryCount":${dirs},"fileCount":${files},"length":${bytes},"quota":-1,"spaceConsumed":${bytes},"spaceQuota":-1}}`,
  );
}

/** CHECKACCESS: 200 when the caller holds `fsaction` ([rwx-]{3}), else 403 AccessControlException. */
export function handleCheckAccess(ctx: OpContext): void {
  const action = ctx.target.query.get('fsaction');
  if (action === undefined || !/^[r-][w-][x-]$/.test(action)) {
    throw badRequest(`CHECKACCESS needs fsaction matching [rwx-]{3} (e.g. r-x), got '${action ?? ''}'.`);
  }
  const { entry } = resolveExisting(ctx, ctx.target.segments);
  const bits = (action[0] === 'r' ? 4 : 0) | (action[1] === 'w' ? 2 : 0) | (action[2] === 'x' ? 1 : 0);
  if (!ctx.caller.isSuperuser) {
    const have = effectivePerm(ctx.caller, entry.owner, entry.grp, aclOf(entry));
    if ((have & bits) !== bits) requirePerm(ctx, entry, bits, ctx.path);
  }
  sendEmpty(ctx.res, 200);
}
