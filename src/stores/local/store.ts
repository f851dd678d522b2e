import type { BigIntStats } from 'node:fs';
import { chmod, copyFile, link, lstat, mkdir, open, rename, rm, rmdir, stat, unlink, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import type { AclEntry, AclStatus } from '../../core/acl-types.js';
import { aclFromMode, applyMode, hasExtendedAcl, inheritOnCreate, modeFromAcl, STICKY_BIT, validateAcl, withMask } from '../../core/acl.js';
import { parentPath, type Entry } from '../../core/entry.js';
import { isStorageError, StorageError, throwIfCancelled } from '../../core/errors.js';
import type {
  CallOptions, Capabilities, ChunkedWriter, CommitOptions, ListOptions, MkdirOptions, ReadRange, RemoveOptions,
  RenameOptions, Store, WriteOptions,
} from '../../core/store.js';
import type { LocalLocation } from '../../core/uri.js';
import { checkLocalPath, invalidArgument, mapOsError, SIDECAR_DIR } from './errors.js';
import { listLocalTree } from './list.js';
import type { ResolvedLocalOptions } from './options.js';
import { groupName, userName } from './owners.js';
import { parseStoredAcl, parseStoredProps, Sidecar } from './sidecar.js';
import { removeLocalTempFiles } from './temp-files.js';
import { LocalWriter } from './writer.js';

const DEFAULT_PAGE_SIZE = 1000;
const READ_BLOCK = 1024 * 1024;

/** True for symlinks, sockets, FIFOs and devices: the local store skips them in listings. */
export function isSpecialStats(st: { isFile(): boolean; isDirectory(): boolean }): boolean {
  return !st.isFile() && !st.isDirectory();
}

/** True when an absolute local path is a symlink, socket, FIFO or device (for assessment reports). */
export async function isSpecialFile(absPath: string): Promise<boolean> {
  return isSpecialStats(await lstat(absPath));
}

function nsToMs(ns: bigint): number {
  return Number((ns + 500_000n) / 1_000_000n);
}

/**
 * A Store over a local directory. Mode bits (with sticky) live in the file system; owners, named and
 * default ACL entries, properties and Content-MD5 live in the sidecar (see sidecar.ts). Writers commit
 * by fsync + link/rename of a hidden temp file. Symlinks and special files are skipped.
 */
export class LocalStore implements Store {
  readonly displayUri: string;
  readonly capabilities: Capabilities;
  private readonly root: string;
  private readonly sidecar: Sidecar;

  constructor(location: LocalLocation, private readonly options: ResolvedLocalOptions) {
    this.root = location.root;
    this.displayUri = location.root;
    this.sidecar = new Sidecar(location.root);
    this.capabilities = {
      acl: true, ownership: true, permissions: true, stickyBit: true, properties: true, emptyDirectories: true,
      atomicRename: true, accessTime: true, expiry: false, contentMd5: true, parallelChunkWrites: true, createWithMetadata: false,
      maxChunkSize: options.maxChunkSize,
      names: {
        maxSegmentBytes: 255, colon: true, trailingDot: true, onlyWhitespace: true, controlCharacters: true,
        distinctUnicodeForms: true, backslash: true,
      },
    };
  }

  private abs(path: string): string {
    return path === '' ? this.root : join(this.root, path);
  }

  /** lstat (stat for the root, which may be a symlink); special files count as missing. */
  private async statOf(path: string, signal?: AbortSignal): Promise<BigIntStats> {
    throwIfCancelled(signal, path);
    checkLocalPath(path);
    let st: BigIntStats;
    try {
      st = path === '' ? await stat(this.root, { bigint: true }) : await lstat(this.abs(path), { bigint: true });
    } catch (e) {
      throw mapOsError(e, path);
    }
    if (isSpecialStats(st)) {
      throw new StorageError('not-supported', `Local path '${path}' is a symbolic link or special file; lakeshift skips those.`, { path });
    }
    return st;
  }

  private entryOf(path: string, st: BigIntStats): Entry {
    const row = this.sidecar.get(path);
    const acl = parseStoredAcl(row);
    const mtimeMs = nsToMs(st.mtimeNs);
    const size = st.isFile() ? Number(st.size) : 0;
    const md5 = row?.md5 != null && row.md5_size === size && row.md5_mtime === mtimeMs ? row.md5 : undefined;
    return {
      path,
      kind: st.isDirectory() ? 'directory' : 'file',
      size,
      mtimeMs,
      atimeMs: nsToMs(st.atimeNs),
      owner: row?.owner ?? userName(Number(st.uid)),
      group: row?.grp ?? groupName(Number(st.gid)),
      permissions: Number(st.mode) & 0o1777,
      hasAcl: acl !== undefined && hasExtendedAcl(acl),
      etag: `"${st.ctimeNs.toString(16)}-${st.mtimeNs.toString(16)}-${st.size.toString(16)}"`,
      ...(md5 === undefined ? {} : { contentMd5: md5 }),
    };
  }

  /** Bumps ctime (and so the etag) after a sidecar-only change. */
  private async touchMeta(path: string, st: BigIntStats): Promise<void> {
    await chmod(this.abs(path), Number(st.mode) & 0o7777).catch(() => undefined);
  }

  async stat(path: string, options: CallOptions = {}): Promise<Entry> {
    return this.entryOf(path, await this.statOf(path, options.signal));
  }

  async *list(path: string, options: ListOptions = {}): AsyncIterable<Entry[]> {
    const st = await this.statOf(path, options.signal);
    if (!st.isDirectory()) {
      yield [this.entryOf(path, st)];
      return;
    }
    const statEntry = async (child: string): Promise<Entry | undefined> => {
      try {
        const cst = await lstat(this.abs(child), { bigint: true });
        return isSpecialStats(cst) ? undefined : this.entryOf(child, cst);
      } catch (e) {
        if (isStorageError(mapOsError(e, child), 'not-found')) return undefined;
        throw mapOsError(e, child);
      }
    };
    yield* listLocalTree(path, (p) => this.abs(p), statEntry, {
      recursive: options.recursive === true, pageSize: Math.max(1, options.pageSize ?? DEFAULT_PAGE_SIZE), signal: options.signal,
    });
  }

  async openRead(path: string, range: ReadRange = { offset: 0 }, options: CallOptions = {}): Promise<AsyncIterable<Uint8Array>> {
    const st = await this.statOf(path, options.signal);
    if (!st.isFile()) throw invalidArgument(path, 'it is a directory, not a file');
    const size = Number(st.size);
    const { offset, length } = range;
    if (!Number.isSafeInteger(offset) || offset < 0 || (length !== undefined && (!Number.isSafeInteger(length) || length < 0))) {
      throw invalidArgument(path, `the range offset ${offset} length ${String(length)} is not made of non-negative integers`);
    }
    if (offset > size) throw invalidArgument(path, `the read offset ${offset} is beyond the end of the ${size}-byte file`);
    const end = length === undefined ? size : Math.min(size, offset + length);
    const abs = this.abs(path);
    const signal = options.signal;
    return (async function* () {
      if (end <= offset) return;
      let handle;
      try {
        handle = await open(abs, 'r');
      } catch (e) {
        throw mapOsError(e, path);
      }
      try {
        let pos = offset;
        while (pos < end) {
          throwIfCancelled(signal, path);
          const buf = Buffer.allocUnsafe(Math.min(READ_BLOCK, end - pos));
          const { bytesRead } = await handle.read(buf, 0, buf.length, pos);
          if (bytesRead === 0) break;
          pos += bytesRead;
          yield buf.subarray(0, bytesRead);
        }
      } finally {
        await handle.close();
      }
    })();
  }

  async createWriter(path: string, options: WriteOptions = {}): Promise<ChunkedWriter> {
    throwIfCancelled(options.signal, path);
    checkLocalPath(path);
    if (path === '') throw invalidArgument(path, 'the store root is a directory');
    const existing = await lstat(this.abs(path)).catch(() => undefined);
    if (existing?.isDirectory()) throw new StorageError('already-exists', `Cannot write file '${path}': a directory exists there.`, { path });
    const parentAbs = this.abs(parentPath(path));
    const parentIsDir = (await lstat(parentAbs).catch(() => undefined))?.isDirectory() === true;
    const tempDir = parentIsDir ? parentAbs : this.sidecar.tmpDir();
    return LocalWriter.create(path, tempDir, this.options.maxChunkSize, this.options.fsync, (temp, commit) => this.finishFile(path, temp, options, commit));
  }

  /** Mode and ACL a new child gets: inherited from a default ACL in the sidecar, else explicit or OS default. */
  private creationMode(parent: string, kind: 'file' | 'directory', permissions: number | undefined): { mode?: number; acl?: AclEntry[] } {
    const parentAcl = parseStoredAcl(this.sidecar.get(parent));
    if (parentAcl !== undefined && parentAcl.some((e) => e.scope === 'default')) {
      const { mode, entries } = inheritOnCreate(parentAcl, kind, permissions ?? (kind === 'file' ? 0o666 : 0o777), 0);
      return { mode, ...(hasExtendedAcl(entries) ? { acl: entries } : {}) };
    }
    return permissions === undefined ? {} : { mode: permissions & 0o1777 };
  }

  private async finishFile(path: string, temp: string, write: WriteOptions, commit: CommitOptions): Promise<Entry> {
    const parent = parentPath(path);
    await this.makeDirs(parent, undefined);
    const { mode, acl } = this.creationMode(parent, 'file', write.permissions);
    if (mode !== undefined) await chmod(temp, mode);
    const target = this.abs(path);
    const targetSt = await lstat(target).catch(() => undefined);
    if (targetSt?.isDirectory()) throw new StorageError('already-exists', `Cannot commit '${path}': a directory exists there.`, { path });
    if (targetSt !== undefined && write.overwrite !== true) {
      throw new StorageError('already-exists', `Cannot commit '${path}': a file exists there and overwrite was not requested.`, { path });
    }
    await this.placeFile(temp, target, write.overwrite === true, path);
    if (this.options.fsync) await syncDir(this.abs(parent));
    const st = await this.statOf(path);
    this.sidecar.clearTree(path);
    const md5 = commit.contentMd5 === undefined ? null : Buffer.from(commit.contentMd5).toString('base64');
    const props = write.properties === undefined || Object.keys(write.properties).length === 0 ? null : JSON.stringify(write.properties);
    this.sidecar.update(path, {
      acl: acl === undefined ? null : JSON.stringify(acl), props, md5,
      md5_size: md5 === null ? null : Number(st.size), md5_mtime: md5 === null ? null : nsToMs(st.mtimeNs),
    });
    return this.entryOf(path, st);
  }

  /** Moves a temp file to its target: link (never replaces) or rename (replaces); copies across devices. */
  private async placeFile(temp: string, target: string, overwrite: boolean, path: string): Promise<void> {
    try {
      if (overwrite) await rename(temp, target);
      else {
        await link(temp, target);
        await unlink(temp);
      }
    } catch (e) {
      const code = mapOsError(e, path);
      if (code.status !== 'EXDEV' && !(code.status === 'EPERM' && !overwrite)) throw code;
      // Another device (temp in .lakeshift/tmp) or no hard links: copy next to the target, then rename.
      const near = join(this.abs(parentPath(path)), `.lakeshift-part-${Date.now().toString(16)}-${Math.random().toString(16).slice(2)}`);
      await copyFile(temp, near);
      await unlink(temp);
      if (!overwrite && (await lstat(target).catch(() => undefined)) !== undefined) {
        await unlink(near);
        throw new StorageError('already-exists', `Cannot commit '${path}': a file exists there and overwrite was not requested.`, { path });
      }
      await rename(near, target);
    }
  }

  /** mkdir -p; `leafPermissions` applies to a newly created last segment only. */
  private async makeDirs(path: string, leafPermissions: number | undefined): Promise<void> {
    await mkdir(this.root, { recursive: true }).catch((e: unknown) => {
      throw mapOsError(e, '');
    });
    const segments = path === '' ? [] : path.split('/');
    for (let i = 0; i < segments.length; i++) {
      const rel = segments.slice(0, i + 1).join('/');
      try {
        await mkdir(this.abs(rel), 0o777);
      } catch (e) {
        const err = mapOsError(e, rel);
        if (err.code !== 'already-exists') throw err;
        const st = await lstat(this.abs(rel));
        if (!st.isDirectory()) throw new StorageError('already-exists', `Cannot create directory '${rel}': a file is in the way.`, { path: rel });
        continue;
      }
      this.sidecar.clearTree(rel);
      const { mode, acl } = this.creationMode(parentPath(rel), 'directory', i === segments.length - 1 ? leafPermissions : undefined);
      if (mode !== undefined) await chmod(this.abs(rel), mode);
      if (acl !== undefined) this.sidecar.update(rel, { acl: JSON.stringify(acl) });
    }
  }

  async mkdir(path: string, options: MkdirOptions = {}): Promise<void> {
    throwIfCancelled(options.signal, path);
    checkLocalPath(path);
    await this.makeDirs(path, options.permissions);
  }

  async remove(path: string, options: RemoveOptions = {}): Promise<void> {
    const st = await this.statOf(path, options.signal);
    if (path === '') throw invalidArgument(path, 'the store root cannot be removed; remove its children instead');
    try {
      if (!st.isDirectory()) await unlink(this.abs(path));
      else if (options.recursive === true) await rm(this.abs(path), { recursive: true });
      else await rmdir(this.abs(path));
    } catch (e) {
      throw mapOsError(e, path);
    }
    this.sidecar.clearTree(path);
  }

  async rename(from: string, to: string, options: RenameOptions = {}): Promise<void> {
    const st = await this.statOf(from, options.signal);
    checkLocalPath(to);
    if (from === '' || to === '') throw invalidArgument(from === '' ? from : to, 'the store root cannot be renamed or replaced');
    if (from === to) return;
    if (to.startsWith(`${from}/`)) throw invalidArgument(to, `a directory cannot move inside itself ('${from}')`);
    const target = await lstat(this.abs(to)).catch(() => undefined);
    if (target !== undefined) {
      const why = target.isDirectory() ? 'a directory exists there (directories are never replaced)'
        : st.isDirectory() ? 'a file exists there and a directory cannot replace it'
          : options.overwrite !== true ? 'a file exists there and overwrite was not requested' : undefined;
      if (why !== undefined) throw new StorageError('already-exists', `Cannot rename '${from}' to '${to}': ${why}.`, { path: to });
    }
    await this.makeDirs(parentPath(to), undefined);
    try {
      if (st.isDirectory() || target !== undefined) await rename(this.abs(from), this.abs(to));
      else {
        // link + unlink never replaces a file created meanwhile (rename would).
        await link(this.abs(from), this.abs(to)).then(() => unlink(this.abs(from)), async (e: unknown) => {
          if (mapOsError(e, to).code === 'already-exists') throw e;
          await rename(this.abs(from), this.abs(to));
        });
      }
    } catch (e) {
      throw mapOsError(e, to);
    }
    this.sidecar.moveTree(from, to);
  }

  async getAcl(path: string, options: CallOptions = {}): Promise<AclStatus> {
    const st = await this.statOf(path, options.signal);
    const row = this.sidecar.get(path);
    const mode = Number(st.mode) & 0o1777;
    const stored = parseStoredAcl(row);
    return {
      owner: row?.owner ?? userName(Number(st.uid)),
      group: row?.grp ?? groupName(Number(st.gid)),
      permissions: mode,
      entries: stored === undefined ? aclFromMode(mode) : applyMode(stored, mode),
    };
  }

  async setAcl(path: string, entries: AclEntry[], options: CallOptions = {}): Promise<void> {
    const st = await this.statOf(path, options.signal);
    validateAcl(entries, st.isDirectory() ? 'directory' : 'file');
    const full = withMask(entries);
    const mode = modeFromAcl(full, (Number(st.mode) & STICKY_BIT) !== 0);
    await chmod(this.abs(path), mode).catch((e: unknown) => {
      throw mapOsError(e, path);
    });
    this.sidecar.update(path, { acl: hasExtendedAcl(full) ? JSON.stringify(full) : null });
  }

  async setOwner(path: string, owner: string | undefined, group: string | undefined, options: CallOptions = {}): Promise<void> {
    const st = await this.statOf(path, options.signal);
    if (owner === '' || group === '') throw invalidArgument(path, 'owner and group may not be empty strings; pass undefined to keep one');
    this.sidecar.update(path, { ...(owner === undefined ? {} : { owner }), ...(group === undefined ? {} : { grp: group }) });
    await this.touchMeta(path, st);
  }

  async setPermissions(path: string, mode: number, options: CallOptions = {}): Promise<void> {
    await this.statOf(path, options.signal);
    if (!Number.isInteger(mode) || mode < 0 || mode > 0o1777) throw invalidArgument(path, `mode ${mode.toString(8)} is not within 0-1777 (octal)`);
    await chmod(this.abs(path), mode).catch((e: unknown) => {
      throw mapOsError(e, path);
    });
    const stored = parseStoredAcl(this.sidecar.get(path));
    if (stored !== undefined) this.sidecar.update(path, { acl: JSON.stringify(applyMode(stored, mode)) });
  }

  async getProperties(path: string, options: CallOptions = {}): Promise<Record<string, string>> {
    await this.statOf(path, options.signal);
    return parseStoredProps(this.sidecar.get(path));
  }

  async setProperties(path: string, properties: Record<string, string>, options: CallOptions = {}): Promise<void> {
    const st = await this.statOf(path, options.signal);
    this.sidecar.update(path, { props: Object.keys(properties).length === 0 ? null : JSON.stringify(properties) });
    await this.touchMeta(path, st);
  }

  async setTimes(path: string, times: { mtimeMs?: number; atimeMs?: number }, options: CallOptions = {}): Promise<void> {
    const st = await this.statOf(path, options.signal);
    const row = this.sidecar.get(path);
    const atime = (times.atimeMs ?? nsToMs(st.atimeNs)) / 1000;
    const mtime = (times.mtimeMs ?? nsToMs(st.mtimeNs)) / 1000;
    await utimes(this.abs(path), atime, mtime).catch((e: unknown) => {
      throw mapOsError(e, path);
    });
    // Keep a recorded Content-MD5 valid: the content did not change.
    if (row?.md5 != null && row.md5_mtime === nsToMs(st.mtimeNs) && times.mtimeMs !== undefined) {
      this.sidecar.update(path, { md5_mtime: nsToMs((await lstat(this.abs(path), { bigint: true })).mtimeNs) });
    }
  }

  /**
   * Deletes stale `.lakeshift-part-*` files of killed writers directly inside `dir` and in the
   * sidecar's `tmp/`; returns the count (0 for a missing dir). Only while no writer is active on the
   * store: see removeLocalTempFiles.
   */
  async removeTempFiles(dir: string, options: CallOptions = {}): Promise<number> {
    throwIfCancelled(options.signal, dir);
    checkLocalPath(dir);
    return removeLocalTempFiles(this.abs(dir), dir, join(this.root, SIDECAR_DIR, 'tmp'), options.signal);
  }

  async close(): Promise<void> {
    this.sidecar.close();
  }
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r').catch(() => undefined);
  if (handle === undefined) return;
  await handle.sync().catch(() => undefined);
  await handle.close();
}
