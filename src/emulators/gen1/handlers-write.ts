/**
 * Write operations: CREATE, APPEND, CONCURRENTAPPEND, CONCAT, MSCONCAT. Bodies are capped at
 * `maxAppendBytes` (4 MiB by default) and land in the blob store; the length in the metadata changes
 * only after the bytes are written, so readers never see unwritten data.
 */
import type { IncomingMessage } from 'node:http';
import { badRequest, Gen1Error, GEN1_STATUS_CODES, notFound } from './errors.js';
import type { EntryRow } from './metadata.js';
import {
  createChild, discardTree, ensureDirectories, requirePerm, requireSticky, resolve, resolveExisting, type OpContext,
} from './namespace.js';
import { boolParam, displayPath, intParam, permParam, splitPath } from './request.js';
import { sendEmpty } from './response.js';

/** Reads a request body of at most `max` bytes; 400 IllegalArgumentException beyond. */
export async function readBody(req: IncomingMessage, max: number, op: string): Promise<Buffer[]> {
  const declared = req.headers['content-length'];
  const tooBig = (n: number): Gen1Error =>
    badRequest(`${op} body of ${n} bytes exceeds the maximum of ${max} bytes per request; send the data in chunks of at most ${max} bytes.`);
  if (declared !== undefined && Number(declared) > max) throw tooBig(Number(declared));
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const c of req) {
    const buf = c as Buffer;
    total += buf.length;
    if (total > max) throw tooBig(total);
    chunks.push(buf);
  }
  return chunks;
}

function sizeOf(chunks: readonly Buffer[]): number {
  return chunks.reduce((n, c) => n + c.length, 0);
}

/**
 * A writer's lease lapses after this long without writes (HDFS's soft lease limit), so a crashed
 * uploader cannot lock a file forever.
 */
export const LEASE_SOFT_LIMIT_MS = 60_000;

/** True when `row` is held open by a different, still-live lease. */
function isLeasedByOther(row: EntryRow, leaseId: string | undefined, now: number): boolean {
  return row.lease !== null && row.lease !== leaseId && now - row.mtime < LEASE_SOFT_LIMIT_MS;
}

function leaseConflict(op: string, path: string): Gen1Error {
  return new Gen1Error(
    'IOException',
    `${op} failed with error 0x83090a16 (Failed to perform the requested operation because the file is currently open in write mode by another user or process.). ${path}`,
    { statusCode: GEN1_STATUS_CODES.leaseConflict },
  );
}

function syncFlagOf(ctx: OpContext): 'DATA' | 'METADATA' | 'CLOSE' {
  const v = (ctx.target.query.get('syncflag') ?? 'DATA').toUpperCase();
  if (v !== 'DATA' && v !== 'METADATA' && v !== 'CLOSE') throw badRequest(`Invalid value for webhdfs parameter "syncFlag": '${v}' (use DATA, METADATA or CLOSE).`);
  return v;
}

/** Parent directory for a new file at the request path: created when missing unless CreateParent=false. */
function parentForCreate(ctx: OpContext): EntryRow {
  const segs = ctx.target.segments;
  const parentSegs = segs.slice(0, -1);
  const r = resolve(ctx, parentSegs);
  if (r.entry) {
    if (r.entry.type !== 'DIRECTORY') throw new Gen1Error('FileAlreadyExistsException', `Cannot create ${ctx.path}: the parent ${displayPath(parentSegs)} is a file.`);
    return r.entry;
  }
  if (!boolParam(ctx.target.query, 'createparent', true)) throw notFound(`${displayPath(parentSegs)} (parent of ${ctx.path}; CreateParent=false)`);
  return ensureDirectories(ctx, parentSegs, undefined);
}

/** CREATE: 201 with Location; body = optional initial data. overwrite=false on an existing file → 403. */
export async function handleCreate(ctx: OpContext): Promise<void> {
  const q = ctx.target.query;
  const overwrite = boolParam(q, 'overwrite', false);
  const requested = permParam(q);
  const sync = syncFlagOf(ctx);
  const leaseId = q.get('leaseid') || undefined;
  const chunks = await readBody(ctx.req, ctx.state.maxAppendBytes, 'CREATE');
  const segs = ctx.target.segments;
  const name = segs[segs.length - 1];
  if (name === undefined) throw new Gen1Error('FileAlreadyExistsException', 'Cannot create a file at the root directory /.');
  const parent = parentForCreate(ctx);
  const existing = ctx.state.meta.child(parent.id, name);
  if (existing) {
    if (existing.type === 'DIRECTORY') throw new Gen1Error('FileAlreadyExistsException', `Cannot create file ${ctx.path}: a directory exists at that path.`);
    if (!overwrite) throw new Gen1Error('FileAlreadyExistsException', `File ${ctx.path} already exists; pass overwrite=true to replace it.`);
    if (isLeasedByOther(existing, leaseId, ctx.state.now())) throw leaseConflict('CREATE', ctx.path);
    requirePerm(ctx, parent, 3, displayPath(segs.slice(0, -1)));
    requireSticky(ctx, parent, existing, ctx.path);
    discardTree(ctx.state, existing.id);
  } else {
    requirePerm(ctx, parent, 3, displayPath(segs.slice(0, -1)));
  }
  const blob = ctx.state.blobs.newId();
  const row = createChild(ctx, parent, name, 'FILE', requested, { blob, lease: sync === 'CLOSE' ? null : leaseId ?? null });
  const n = sizeOf(chunks);
  if (n > 0) {
    await ctx.state.locks.run(row.id, async () => {
      await ctx.state.blobs.write(blob, 0, chunks);
      ctx.state.meta.setLength(row.id, n, ctx.state.now(), 1);
    });
  }
  const proto = (ctx.req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
  sendEmpty(ctx.res, 201, { Location: `${proto}://${ctx.req.headers.host ?? 'localhost'}${ctx.req.url ?? ''}` });
}

async function appendTo(ctx: OpContext, fileId: number, chunks: Buffer[], mode: 1 | 2, offset: number | undefined): Promise<void> {
  const leaseId = ctx.target.query.get('leaseid') || undefined;
  const sync = syncFlagOf(ctx);
  await ctx.state.locks.run(fileId, async () => {
    const row = ctx.state.meta.get(fileId);
    if (!row) throw notFound(ctx.path);
    if (isLeasedByOther(row, leaseId, ctx.state.now())) throw leaseConflict(ctx.op, ctx.path);
    if (row.appendMode !== 0 && row.appendMode !== mode) {
      throw badRequest(`${ctx.op} on ${ctx.path} is not allowed: the file was written with ${row.appendMode === 1 ? 'CREATE/APPEND' : 'CONCURRENTAPPEND'}, and the two cannot be mixed.`);
    }
    if (offset !== undefined && offset !== row.length) {
      throw new Gen1Error(
        'BadOffsetException',
        `APPEND failed with error 0x83090015 (Bad request. Invalid offset.). Offset ${offset} does not match the length of ${ctx.path} (${row.length}).`,
        { statusCode: GEN1_STATUS_CODES.badOffset },
      );
    }
    const n = sizeOf(chunks);
    let blob = row.blob;
    if (blob === null) {
      blob = ctx.state.blobs.newId();
      ctx.state.meta.setBlob(row.id, blob, row.length, ctx.state.now());
    }
    if (n > 0) {
      await ctx.state.blobs.write(blob, row.length, chunks);
      ctx.state.meta.setLength(row.id, row.length + n, ctx.state.now(), mode);
    }
    const nextLease = sync === 'CLOSE' ? null : leaseId ?? row.lease;
    if (nextLease !== row.lease) ctx.state.meta.setLease(row.id, nextLease);
  });
}

/** APPEND: writes at `offset` (must equal the length; absent = at end). Zero-length at EOF succeeds. */
export async function handleAppend(ctx: OpContext): Promise<void> {
  const offset = intParam(ctx.target.query, 'offset');
  const chunks = await readBody(ctx.req, ctx.state.maxAppendBytes, 'APPEND');
  const { entry } = resolveExisting(ctx, ctx.target.segments);
  if (entry.type !== 'FILE') throw notFound(`${ctx.path} (it is a directory, not a file)`);
  requirePerm(ctx, entry, 2, ctx.path);
  await appendTo(ctx, entry.id, chunks, 1, offset);
  sendEmpty(ctx.res, 200);
}

/** CONCURRENTAPPEND: appends at the end; appendMode=autocreate creates the file when missing. */
export async function handleConcurrentAppend(ctx: OpContext): Promise<void> {
  const mode = ctx.target.query.get('appendmode');
  if (mode !== undefined && mode.toLowerCase() !== 'autocreate') throw badRequest(`Invalid value for parameter "appendMode": '${mode}' (only autocreate).`);
  const chunks = await readBody(ctx.req, ctx.state.maxAppendBytes, 'CONCURRENTAPPEND');
  let entry = resolve(ctx, ctx.target.segments).entry;
  if (!entry) {
    if (mode === undefined) throw notFound(ctx.path);
    const name = ctx.target.segments[ctx.target.segments.length - 1];
    if (name === undefined) throw badRequest('CONCURRENTAPPEND needs a file path, not the root.');
    const parent = parentForCreate(ctx);
    requirePerm(ctx, parent, 3, displayPath(ctx.target.segments.slice(0, -1)));
    entry = ctx.state.meta.child(parent.id, name) ?? createChild(ctx, parent, name, 'FILE', undefined, { blob: ctx.state.blobs.newId() });
  }
  if (entry.type !== 'FILE') throw notFound(`${ctx.path} (it is a directory, not a file)`);
  requirePerm(ctx, entry, 2, ctx.path);
  await appendTo(ctx, entry.id, chunks, 2, undefined);
  sendEmpty(ctx.res, 200);
}

function parseSourceList(text: string): string[][] {
  return text.split(',').map((s) => s.trim()).filter((s) => s !== '').map((s) => splitPath(s, 'source path'));
}

/** Reads MSCONCAT sources: JSON `{"sources":[…]}` or the older text body `sources=/a,/b`. */
async function msConcatSources(ctx: OpContext): Promise<string[][]> {
  const text = Buffer.concat(await readBody(ctx.req, ctx.state.maxAppendBytes, 'MSCONCAT')).toString('utf8').trim();
  if (text.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw badRequest('MSCONCAT body is not valid JSON; send {"sources":["/a","/b"]}.');
    }
    const sources = typeof parsed === 'object' && parsed !== null ? (parsed as { sources?: unknown }).sources : undefined;
    if (!Array.isArray(sources) || !sources.every((s): s is string => typeof s === 'string')) {
      throw badRequest('MSCONCAT body must be {"sources":["/a","/b"]} with path strings.');
    }
    return sources.map((s) => splitPath(s, 'source path'));
  }
  const m = /^sources=(.*)$/s.exec(text);
  if (!m || m[1] === undefined) throw badRequest('MSCONCAT body must be {"sources":[…]} or sources=/a,/b.');
  try {
    return parseSourceList(decodeURIComponent(m[1]));
  } catch (error) {
    if (error instanceof URIError) throw badRequest('MSCONCAT sources= body is not valid percent-encoding.');
    throw error;
  }
}

/** CONCAT (sources in the query) and MSCONCAT (sources in the body): joins files into the path, deleting the sources. */
export async function handleConcat(ctx: OpContext): Promise<void> {
  const sourcesSegs = ctx.op === 'MSCONCAT' ? await msConcatSources(ctx) : parseSourceList(ctx.target.query.get('sources') ?? '');
  if (ctx.op !== 'MSCONCAT') ctx.req.resume();
  if (sourcesSegs.length === 0) throw badRequest(`${ctx.op} needs at least one source file.`);
  const segs = ctx.target.segments;
  const destName = segs[segs.length - 1];
  if (destName === undefined) throw badRequest(`${ctx.op} needs a destination file path, not the root.`);
  const seen = new Set<number>();
  const sources: { row: EntryRow; parent: EntryRow; path: string }[] = [];
  for (const s of sourcesSegs) {
    const path = displayPath(s);
    const r = resolveExisting(ctx, s, path);
    if (r.entry.type !== 'FILE' || !r.parent) throw badRequest(`${ctx.op} source ${path} is not a file.`);
    if (seen.has(r.entry.id)) throw badRequest(`${ctx.op} source ${path} is listed twice.`);
    seen.add(r.entry.id);
    requirePerm(ctx, r.entry, 4, path);
    requirePerm(ctx, r.parent, 3, displayPath(s.slice(0, -1)));
    requireSticky(ctx, r.parent, r.entry, path);
    sources.push({ row: r.entry, parent: r.parent, path });
  }
  const parent = parentForCreate(ctx);
  requirePerm(ctx, parent, 3, displayPath(segs.slice(0, -1)));
  const existing = ctx.state.meta.child(parent.id, destName);
  if (existing && !(existing.type === 'FILE' && seen.has(existing.id))) {
    throw new Gen1Error('FileAlreadyExistsException', `${ctx.op} destination ${ctx.path} already exists (it may only be one of the sources).`);
  }
  const blob = ctx.state.blobs.newId();
  let length = 0;
  for (const s of sources) {
    const row = ctx.state.meta.get(s.row.id);
    if (!row) throw notFound(s.path);
    if (row.blob !== null) await ctx.state.blobs.copy(row.blob, row.length, blob, length);
    length += row.length;
  }
  const deleteDir = boolParam(ctx.target.query, 'deletesourcedirectory', false);
  // The source folder may go only when every source sits in it and the destination is not inside it.
  const destAncestors = new Set([...resolve(ctx, segs.slice(0, -1)).chain.map((d) => d.id), parent.id]);
  const sameDir = sources.every((s) => s.parent.id === sources[0]?.parent.id) && !destAncestors.has(sources[0]?.parent.id ?? -1);
  ctx.state.meta.transaction(() => {
    for (const s of sources) discardTree(ctx.state, s.row.id);
    const row = createChild(ctx, parent, destName, 'FILE', undefined, { blob });
    ctx.state.meta.setLength(row.id, length, ctx.state.now(), 1);
    const dir = sources[0]?.parent;
    if (deleteDir && sameDir && dir && dir.parent !== 0) discardTree(ctx.state, dir.id);
  });
  sendEmpty(ctx.res, 200);
}
