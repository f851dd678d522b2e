import { parentPath } from '../core/entry.js';
import { parseMode } from '../core/acl.js';
import { isStorageError } from '../core/errors.js';
import type { AccessControlChange, Store } from '../core/store.js';
import { emptyReply, mappedOrThrow, readBody, resolveParamPath, type Gen1Reply, type OpContext } from './context.js';
import { keptMetadata, writeNewVersion, type ByteSource } from './file-rewrite.js';
import { badRequest, Gen1Failure } from './gen1-errors.js';
import { boolParam, intParam } from './request.js';
import { TIME_PROPERTIES } from '../engine/metadata.js';

/**
 * CREATE, APPEND, CONCURRENTAPPEND, CONCAT and MSCONCAT over the store contract. A Gen2 file cannot be
 * appended to through the contract, so APPEND writes a new version (old bytes + new) and commits it with
 * one atomic rename: readers see the old or the new content, never a partial one. Writers of one path
 * are serialised in the gateway (KeyedLock), which makes concurrent appends safe: each lands whole, in
 * arrival order, at the end of the file.
 */

/** Gen1's default mode for new files and directories (what the service shows: 770). */
export const DEFAULT_MODE = 0o770;

export function requestedMode(ctx: OpContext): number {
  const text = ctx.target.query.get('permission');
  return text === undefined || text === '' ? DEFAULT_MODE : parseMode(text);
}

/** Owner (the caller, as Gen1 makes the creator the owner) and mode of a new path. */
export function creatorAccess(ctx: OpContext, store: Store, mode: number): AccessControlChange {
  return { ...(store.capabilities.ownership ? { owner: ctx.caller.oid } : {}), permissions: mode };
}

export async function handleCreate(ctx: OpContext): Promise<Gen1Reply> {
  const { store, path } = mappedOrThrow(ctx);
  if (path === '') throw new Gen1Failure('FileAlreadyExistsException', `CREATE failed: ${ctx.gen1Path} is a directory.`);
  const overwrite = boolParam(ctx.target.query, 'overwrite', false);
  const mode = requestedMode(ctx);
  const data = await readBody(ctx);
  await ctx.state.locks.run(path, async () => {
    if (boolParam(ctx.target.query, 'createparent', true) === false) {
      const parent = parentPath(path);
      if (parent !== '') await store.stat(parent);
    }
    // No stat first: the commit refuses an existing file without overwrite, and a directory always.
    try {
      await writeNewVersion(store, path, [data], { overwrite, accessControl: creatorAccess(ctx, store, mode), permissions: mode });
    } catch (error) {
      if (!isStorageError(error, 'already-exists')) throw error;
      throw new Gen1Failure('FileAlreadyExistsException', `CREATE failed with error 0x83090a1c: ${ctx.gen1Path} already exists${overwrite ? ' as a directory' : ' and overwrite is false'}.`);
    }
  });
  return { status: 201, headers: { Location: ctx.requestUrl } };
}

/** Appends `data` at the end of `path` (at `offset` when given: else 400 BadOffsetException). */
async function appendTo(ctx: OpContext, store: Store, path: string, data: Buffer, offset: number | undefined, autocreate: boolean): Promise<void> {
  await ctx.state.locks.run(path, async () => {
    if (store.capabilities.append === true && store.append !== undefined) {
      await appendInPlace(ctx, store, path, data, offset, autocreate);
      return;
    }
    let size: number;
    try {
      const entry = await store.stat(path);
      if (entry.kind === 'directory') throw new Gen1Failure('FileNotFoundException', `${ctx.op} failed: ${ctx.gen1Path} is a directory.`);
      size = entry.size;
    } catch (error) {
      if (!(autocreate && isStorageError(error, 'not-found'))) throw error;
      await createForAppend(ctx, store, path, data);
      return;
    }
    if (offset !== undefined && offset !== size) throw badOffset(ctx, offset, `${size} bytes`);
    // A zero-length append at the end is how clients check that a retried append landed.
    if (data.length === 0) return;
    const kept = await keptMetadata(store, path);
    const sources: ByteSource[] = size === 0 ? [data] : [{ store, path }, data];
    await writeNewVersion(store, path, sources, { overwrite: true, ...kept });
  });
}

const badOffset = (ctx: OpContext, offset: number, has: string): Gen1Failure =>
  new Gen1Failure('BadOffsetException', `APPEND failed with error 0x83090015 (Bad request. Invalid offset.): offset ${offset}, but ${ctx.gen1Path} has ${has}.`);

function createForAppend(ctx: OpContext, store: Store, path: string, data: Buffer): Promise<number> {
  return writeNewVersion(store, path, [data], { overwrite: false, accessControl: creatorAccess(ctx, store, DEFAULT_MODE), permissions: DEFAULT_MODE });
}

/**
 * The store appends in place (Gen2: HEAD + append-with-flush): no copy of the existing bytes. The
 * Gen1 times migrate kept as properties are dropped, so the file shows the append's own time.
 */
async function appendInPlace(ctx: OpContext, store: Store, path: string, data: Buffer, offset: number | undefined, autocreate: boolean): Promise<void> {
  const append = store.append?.bind(store);
  if (append === undefined) return;
  try {
    await append(path, data, { ...(offset === undefined ? {} : { expectedSize: offset }), removeProperties: [TIME_PROPERTIES.mtime, TIME_PROPERTIES.atime] });
  } catch (error) {
    if (autocreate && isStorageError(error, 'not-found')) {
      await createForAppend(ctx, store, path, data);
      return;
    }
    if (isStorageError(error, 'precondition-failed') && offset !== undefined) throw badOffset(ctx, offset, 'another size');
    if (isStorageError(error, 'invalid-argument')) throw new Gen1Failure('FileNotFoundException', `${ctx.op} failed: ${ctx.gen1Path} is a directory.`);
    throw error;
  }
}

export async function handleAppend(ctx: OpContext): Promise<Gen1Reply> {
  const { store, path } = mappedOrThrow(ctx);
  const data = await readBody(ctx);
  await appendTo(ctx, store, path, data, intParam(ctx.target.query, 'offset'), false);
  return emptyReply();
}

export async function handleConcurrentAppend(ctx: OpContext): Promise<Gen1Reply> {
  const { store, path } = mappedOrThrow(ctx);
  const mode = (ctx.target.query.get('appendmode') ?? '').toLowerCase();
  if (mode !== '' && mode !== 'autocreate') throw badRequest(`CONCURRENTAPPEND: appendMode '${mode}' is not supported; use autocreate or leave it out.`);
  const data = await readBody(ctx);
  await appendTo(ctx, store, path, data, undefined, mode === 'autocreate');
  return emptyReply();
}

function concatSources(ctx: OpContext, body: Buffer): string[] {
  if (ctx.op === 'CONCAT') {
    const text = ctx.target.query.get('sources') ?? '';
    return text.split(',').filter((s) => s !== '');
  }
  const text = body.toString('utf8').trim();
  if (text.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw badRequest('MSCONCAT: the body is not valid JSON; send {"sources":["/a","/b"]}.');
    }
    const list = (parsed as { sources?: unknown }).sources;
    if (!Array.isArray(list) || !list.every((s): s is string => typeof s === 'string')) throw badRequest('MSCONCAT: "sources" must be an array of paths.');
    return list;
  }
  const m = /^sources=(.*)$/s.exec(text);
  if (m === null || m[1] === undefined) throw badRequest('MSCONCAT: send the sources as JSON {"sources":[...]} or as sources=/a,/b.');
  return decodeURIComponent(m[1]).split(',').filter((s) => s !== '');
}

/**
 * CONCAT (sources appended to the target) and MSCONCAT (sources joined into a new target): the
 * result is written as one new version of the target, then the sources are deleted.
 */
export async function handleConcat(ctx: OpContext): Promise<Gen1Reply> {
  const { store, path } = mappedOrThrow(ctx);
  const body = await readBody(ctx);
  const names = concatSources(ctx, body);
  if (names.length === 0) throw badRequest(`${ctx.op} needs at least one source.`);
  const sources = names.map((n) => {
    const r = resolveParamPath(ctx, n);
    const m = mappedOrThrow(ctx, r.resolved, r.gen1Path);
    if (r.resolved.kind !== 'mapped' || ctx.resolved.kind !== 'mapped' || r.resolved.store !== ctx.resolved.store) {
      throw badRequest(`${ctx.op}: source ${r.gen1Path} is in another filesystem than ${ctx.gen1Path}; concatenate within one mapped filesystem.`);
    }
    return m.path;
  });
  await ctx.state.locks.run(path, async () => {
    for (const s of sources) {
      const e = await store.stat(s);
      if (e.kind !== 'file') throw badRequest(`${ctx.op}: source /${s} is a directory.`);
    }
    const parts: ByteSource[] = [];
    let kept: Awaited<ReturnType<typeof keptMetadata>> | undefined;
    if (ctx.op === 'CONCAT') {
      parts.push({ store, path });
      kept = await keptMetadata(store, path);
    }
    for (const s of sources) if (s !== path) parts.push({ store, path: s });
    await writeNewVersion(store, path, parts, { overwrite: true, ...(kept ?? { accessControl: creatorAccess(ctx, store, DEFAULT_MODE), permissions: DEFAULT_MODE }) });
    for (const s of sources) if (s !== path) await store.remove(s);
    if (ctx.op === 'MSCONCAT' && boolParam(ctx.target.query, 'deletesourcedirectory', false)) {
      const dir = parentPath(sources[0] ?? '');
      if (dir !== '' && !path.startsWith(`${dir}/`)) await store.remove(dir, { recursive: true });
    }
  });
  return emptyReply();
}
