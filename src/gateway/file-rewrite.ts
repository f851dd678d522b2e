import type { AccessControlChange, ChunkedWriter, Store, WriteOptions } from '../core/store.js';
import { TIME_PROPERTIES } from '../engine/metadata.js';

/**
 * Whole-file writes over the store contract, which has no append: a file is written as a new version
 * (staged, then committed in one atomic rename) from a sequence of byte sources. APPEND, CONCURRENTAPPEND
 * and CONCAT are emulated with it: the existing bytes and the new ones go into the new version, which
 * keeps the file's owner, group, ACL and properties. Callers serialise writers of one path.
 */

export type ByteSource = Uint8Array | { store: Store; path: string };

const CHUNK = 4 * 1024 * 1024;

async function writeSequential(writer: ChunkedWriter, sources: readonly ByteSource[], chunkLimit: number): Promise<number> {
  const chunk = Math.max(1, Math.min(CHUNK, chunkLimit));
  let offset = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const flush = async (): Promise<void> => {
    if (pendingBytes === 0) return;
    const data = pending.length === 1 && pending[0] !== undefined ? pending[0] : Buffer.concat(pending, pendingBytes);
    await writer.write(offset, data);
    offset += pendingBytes;
    pending = [];
    pendingBytes = 0;
  };
  const push = async (part: Uint8Array): Promise<void> => {
    let b = Buffer.from(part.buffer, part.byteOffset, part.byteLength);
    while (b.length > 0) {
      const take = Math.min(b.length, chunk - pendingBytes);
      pending.push(b.subarray(0, take));
      pendingBytes += take;
      b = b.subarray(take);
      if (pendingBytes >= chunk) await flush();
    }
  };
  for (const source of sources) {
    if (source instanceof Uint8Array) await push(source);
    else for await (const part of await source.store.openRead(source.path)) await push(part);
  }
  await flush();
  return offset;
}

/** The sources as one buffer when all are in memory and fit the store's one-shot commit. */
function oneShotBody(sources: readonly ByteSource[], max: number): Uint8Array | undefined {
  if (max <= 0) return undefined;
  const parts: Uint8Array[] = [];
  let total = 0;
  for (const s of sources) {
    if (!(s instanceof Uint8Array)) return undefined;
    parts.push(s);
    total += s.byteLength;
  }
  if (total > max) return undefined;
  return parts.length === 1 && parts[0] !== undefined ? parts[0] : Buffer.concat(parts, total);
}

export interface NewVersionOptions {
  overwrite: boolean;
  /** Access control of the new version (owner for a new file; the old version's for a rewrite). */
  accessControl?: AccessControlChange;
  /** Mode for a new file when no ACL entries are given. */
  permissions?: number;
  properties?: Record<string, string>;
}

/**
 * Writes `sources` in order as the new content of `path` and commits it. Access control is given at
 * create where the store takes it there, else applied after the commit. Returns the size.
 */
export async function writeNewVersion(store: Store, path: string, sources: readonly ByteSource[], options: NewVersionOptions): Promise<number> {
  const caps = store.capabilities;
  const withCreate = caps.createWithMetadata;
  const ac = options.accessControl;
  const writeOptions: WriteOptions = {
    overwrite: options.overwrite,
    ...(options.properties === undefined || !caps.properties ? {} : { properties: options.properties }),
    ...(withCreate && ac !== undefined ? { accessControl: ac } : options.permissions === undefined || ac?.entries !== undefined ? {} : { permissions: options.permissions }),
  };
  const writer = await store.createWriter(path, writeOptions);
  let size: number;
  try {
    const whole = oneShotBody(sources, caps.oneShotMaxBytes ?? 0);
    if (whole !== undefined) {
      // A small body in memory goes whole with the commit (Gen2: one Put Blob instead of block + list).
      size = whole.byteLength;
      await writer.commit({ size, data: whole });
    } else {
      size = await writeSequential(writer, sources, caps.maxChunkSize);
      await writer.commit({ size });
    }
  } catch (error) {
    await writer.abort().catch(() => undefined);
    throw error;
  }
  if (!withCreate && ac !== undefined) {
    if (ac.entries !== undefined && caps.acl) await store.setAcl(path, ac.entries);
    if (ac.permissions !== undefined && caps.permissions) await store.setPermissions(path, ac.permissions);
    if ((ac.owner !== undefined || ac.group !== undefined) && caps.ownership) await store.setOwner(path, ac.owner, ac.group);
  }
  return size;
}

/** The access control and properties a rewrite of an existing file keeps (times are the new version's). */
export async function keptMetadata(store: Store, path: string): Promise<{ accessControl?: AccessControlChange; properties?: Record<string, string> }> {
  const caps = store.capabilities;
  const out: { accessControl?: AccessControlChange; properties?: Record<string, string> } = {};
  const [acl, props] = await Promise.all([
    caps.permissions ? store.getAcl(path) : Promise.resolve(undefined),
    caps.properties ? store.getProperties(path) : Promise.resolve(undefined),
  ]);
  if (acl !== undefined) {
    out.accessControl = {
      ...(caps.ownership && acl.owner !== '' ? { owner: acl.owner } : {}),
      ...(caps.ownership && acl.group !== '' ? { group: acl.group } : {}),
      ...(caps.acl ? { entries: acl.entries.filter((e) => e.scope === 'access') } : { permissions: acl.permissions }),
    };
  }
  if (props !== undefined) {
    const kept = { ...props };
    delete kept[TIME_PROPERTIES.mtime];
    delete kept[TIME_PROPERTIES.atime];
    out.properties = kept;
  }
  return out;
}
