import { formatAclSpec } from '../../core/acl.js';
import type { AclEntry, AclStatus } from '../../core/acl-types.js';
import { joinPath, parentPath, pathSegments, type Entry } from '../../core/entry.js';
import { isStorageError, StorageError, throwIfCancelled } from '../../core/errors.js';
import type {
  CallOptions, Capabilities, ChunkedWriter, ListOptions, MkdirOptions, ReadRange, RemoveOptions, RenameOptions, Store, WriteOptions,
} from '../../core/store.js';
import { formatLocation, type Gen1Location } from '../../core/uri.js';
import type { Gen1Client } from './client.js';
import { listLevel, listRecursive, type ListContext } from './list.js';
import { arrayIterable, readFileRange, readWholeRangeOnce } from './read.js';
import { removeGen1TempFiles } from './temp-files.js';
import { Gen1Writer, type WriterContext } from './writer.js';
import type { ResolvedGen1Options } from './options.js';
import { booleanSchema, formatOctalPermission, getFileStatusSchema, listStatusSchema, parseWire, toAclStatus, toEntry } from './wire.js';

/** What Gen1 can do (see Capabilities). Properties and Content-MD5 do not exist on Gen1. */
export const GEN1_CAPABILITIES: Capabilities = {
  acl: true,
  ownership: true,
  permissions: true,
  stickyBit: true,
  properties: false,
  emptyDirectories: true,
  atomicRename: true,
  accessTime: true,
  expiry: true,
  contentMd5: false,
  parallelChunkWrites: false,
  createWithMetadata: false,
  // WriteOptions.ifMatch is compared with the target's (synthesized) ETag by the stat before the RENAME.
  checkedCommit: true,
  // WriteOptions.accessControl and times are set on the writer's temporary file before its RENAME.
  metadataBeforeCommit: true,
  maxChunkSize: 64 * 1024 * 1024,
  names: {
    maxSegmentBytes: 255,
    colon: true,
    trailingDot: true,
    onlyWhitespace: true,
    controlCharacters: false,
    distinctUnicodeForms: true,
    backslash: true,
  },
};

/** The Store contract over the ADLS Gen1 REST API (WebHDFS + ADL extensions). */
export class Gen1Store implements Store {
  readonly displayUri: string;
  readonly capabilities: Capabilities = GEN1_CAPABILITIES;

  constructor(
    private readonly location: Gen1Location,
    private readonly client: Gen1Client,
    private readonly options: ResolvedGen1Options,
  ) {
    this.displayUri = formatLocation(location);
  }

  /** Store-relative path -> path on the account (no leading slash). Throws invalid-argument for malformed paths. */
  private toFull(path: string): string {
    for (const segment of pathSegments(path)) {
      if (segment === '' || segment === '.' || segment === '..') {
        throw new StorageError('invalid-argument', `The path '${path}' has an empty, '.' or '..' segment; paths are '/'-separated names without a leading '/'.`, { path });
      }
    }
    return joinPath(this.location.path, path);
  }

  private writerContext(): WriterContext {
    return {
      client: this.client,
      toFull: (p) => this.toFull(p),
      appendSize: this.options.chunkSize,
      stat: (p, o) => this.stat(p, o),
      statOrUndefined: (p, o) => this.statOrUndefined(p, o),
      setAcl: (p, e, o) => this.setAcl(p, e, o),
      setPermissions: (p, m, o) => this.setPermissions(p, m, o),
      setOwner: (p, u, g, o) => this.setOwner(p, u, g, o),
      setTimes: (p, t, o) => this.setTimes(p, t, o),
    };
  }

  async stat(path: string, options: CallOptions = {}): Promise<Entry> {
    const full = this.toFull(path);
    const { json } = await this.client.call({ op: 'GETFILESTATUS', method: 'GET', path: full, query: { tooid: true }, signal: options.signal });
    return toEntry(parseWire(getFileStatusSchema, json, 'GETFILESTATUS', full).FileStatus, path);
  }

  private async statOrUndefined(path: string, options: CallOptions = {}): Promise<Entry | undefined> {
    try {
      return await this.stat(path, options);
    } catch (error) {
      if (isStorageError(error, 'not-found')) return undefined;
      throw error;
    }
  }

  list(path: string, options: ListOptions = {}): AsyncIterable<Entry[]> {
    const ctx: ListContext = {
      client: this.client,
      toFull: (p) => this.toFull(p),
      pageSize: Math.min(4000, Math.max(1, options.pageSize ?? this.options.listPageSize)),
      lookahead: Math.min(8, this.options.concurrency),
      signal: options.signal,
    };
    this.toFull(path);
    return options.recursive === true ? listRecursive(ctx, path) : listLevel(ctx, path);
  }

  async openRead(path: string, range: ReadRange = { offset: 0 }, options: CallOptions = {}): Promise<AsyncIterable<Uint8Array>> {
    throwIfCancelled(options.signal, path);
    const { offset, length } = range;
    if (!Number.isSafeInteger(offset) || offset < 0 || (length !== undefined && (!Number.isSafeInteger(length) || length < 0))) {
      throw new StorageError('invalid-argument', `Read range of '${path}' must have a whole offset >= 0 and length >= 0 (got ${offset}, ${String(length)}).`, { path });
    }
    // A range that fits one segment is read with one OPEN; only a short or failed answer costs a stat.
    if (length !== undefined && length > 0 && length <= this.options.chunkSize) {
      const parts = await readWholeRangeOnce(this.client, this.toFull(path), offset, length, options.signal);
      if (parts !== undefined) return arrayIterable(parts);
    }
    const entry = await this.stat(path, options);
    if (entry.kind !== 'file') throw new StorageError('invalid-argument', `'${path}' is a directory; only files can be read.`, { path });
    if (offset > entry.size) {
      throw new StorageError('invalid-argument', `Read offset ${offset} is beyond the end of '${path}' (${entry.size} bytes).`, { path });
    }
    const end = length === undefined ? entry.size : Math.min(entry.size, offset + length);
    return readFileRange(this.client, this.toFull(path), offset, end, { maxRetries: this.options.maxRetries, segmentSize: this.options.chunkSize, signal: options.signal });
  }

  async createWriter(path: string, options: WriteOptions = {}): Promise<ChunkedWriter> {
    throwIfCancelled(options.signal, path);
    if (path === '') throw new StorageError('invalid-argument', 'A file needs a name: the path is empty.', { path });
    this.toFull(path);
    return new Gen1Writer(this.writerContext(), path, options);
  }

  async mkdir(path: string, options: MkdirOptions = {}): Promise<void> {
    const full = this.toFull(path);
    const permission = options.permissions === undefined ? undefined : formatOctalPermission(options.permissions);
    let refusal: StorageError | undefined;
    try {
      const { json } = await this.client.call({ op: 'MKDIRS', method: 'PUT', path: full, query: { permission }, signal: options.signal });
      if (parseWire(booleanSchema, json, 'MKDIRS', full).boolean) return;
    } catch (error) {
      if (!isStorageError(error) || ['auth-failed', 'cancelled', 'transient', 'throttled'].includes(error.code)) throw error;
      refusal = error;
    }
    // Refused or false: fine if the directory exists; a file in the way is already-exists.
    const existing = await this.statOrUndefined(path, options).catch(() => undefined);
    if (existing?.kind === 'directory') return;
    if (existing !== undefined || refusal === undefined || refusal.code === 'already-exists') {
      throw new StorageError('already-exists', `Cannot create directory '${path}': a file is in the way (at it or at a parent).`, { path, ...(refusal === undefined ? {} : { cause: refusal }) });
    }
    throw refusal;
  }

  async remove(path: string, options: RemoveOptions = {}): Promise<void> {
    const full = this.toFull(path);
    if (full === '') throw new StorageError('invalid-argument', 'The root of a Gen1 account cannot be removed.', { path });
    const recursive = options.recursive === true;
    let removed: boolean;
    try {
      const { json } = await this.client.call({ op: 'DELETE', method: 'DELETE', path: full, query: { recursive }, signal: options.signal });
      removed = parseWire(booleanSchema, json, 'DELETE', full).boolean;
    } catch (error) {
      if (recursive || !isStorageError(error) || ['not-found', 'auth-failed', 'permission-denied', 'cancelled'].includes(error.code)) throw error;
      if (await this.isNonEmptyDirectory(path, options)) throw this.notEmpty(path);
      throw error;
    }
    if (removed) return;
    if (!recursive && (await this.isNonEmptyDirectory(path, options))) throw this.notEmpty(path);
    throw new StorageError('not-found', `Cannot remove '${path}': it does not exist.`, { path });
  }

  private notEmpty(path: string): StorageError {
    return new StorageError('not-empty', `Cannot remove '${path}': the directory is not empty (remove it recursively).`, { path });
  }

  private async isNonEmptyDirectory(path: string, options: CallOptions): Promise<boolean> {
    const entry = await this.statOrUndefined(path, options);
    if (entry?.kind !== 'directory') return false;
    const { json } = await this.client.call({ op: 'LISTSTATUS', method: 'GET', path: this.toFull(path), query: { listSize: 1 }, signal: options.signal });
    return parseWire(listStatusSchema, json, 'LISTSTATUS', path).FileStatuses.FileStatus.length > 0;
  }

  async rename(from: string, to: string, options: RenameOptions = {}): Promise<void> {
    const source = this.toFull(from);
    const target = this.toFull(to);
    if (source === '' || target === '') throw new StorageError('invalid-argument', 'The root cannot be renamed nor be a rename target.', { path: from });
    if (source === target) {
      await this.stat(from, options);
      return;
    }
    const sourceEntry = await this.stat(from, options);
    const existing = await this.statOrUndefined(to, options);
    if (existing !== undefined) {
      // Gen1 moves a source *into* an existing directory; the contract wants a replace-or-fail instead.
      if (existing.kind === 'directory' || sourceEntry.kind === 'directory' || options.overwrite !== true) {
        throw new StorageError('already-exists', `Cannot rename '${from}' to '${to}': the target exists${existing.kind === 'directory' ? ' and is a directory' : ''}.`, { path: to });
      }
    } else if (parentPath(to) !== '' || this.location.path !== '') {
      await this.mkdir(parentPath(to), options);
    }
    const overwrite = existing !== undefined;
    const { json, attempt } = await this.client.call({
      op: 'RENAME', method: 'PUT', path: source, signal: options.signal,
      query: { destination: `/${target}`, ...(overwrite ? { renameoptions: 'OVERWRITE', overwrite: true } : {}) },
    });
    if (parseWire(booleanSchema, json, 'RENAME', source).boolean) return;
    if (attempt > 0 && (await this.statOrUndefined(from, options)) === undefined && (await this.statOrUndefined(to, options)) !== undefined) return;
    throw new StorageError('precondition-failed', `Gen1 refused to rename '${from}' to '${to}' (the source or target changed meanwhile).`, { path: from });
  }

  async getAcl(path: string, options: CallOptions = {}): Promise<AclStatus> {
    const full = this.toFull(path);
    const { json } = await this.client.call({ op: 'MSGETACLSTATUS', method: 'GET', path: full, query: { tooid: true }, signal: options.signal });
    return toAclStatus(json, full);
  }

  async setAcl(path: string, entries: AclEntry[], options: CallOptions = {}): Promise<void> {
    const full = this.toFull(path);
    await this.client.call({ op: 'SETACL', method: 'PUT', path: full, query: { aclspec: formatAclSpec(entries) }, signal: options.signal });
  }

  async setOwner(path: string, owner: string | undefined, group: string | undefined, options: CallOptions = {}): Promise<void> {
    const full = this.toFull(path);
    if (owner === undefined && group === undefined) return;
    await this.client.call({ op: 'SETOWNER', method: 'PUT', path: full, query: { owner, group }, signal: options.signal });
  }

  async setPermissions(path: string, mode: number, options: CallOptions = {}): Promise<void> {
    const full = this.toFull(path);
    if (!Number.isInteger(mode) || mode < 0 || mode > 0o7777) {
      throw new StorageError('invalid-argument', `Mode ${String(mode)} for '${path}' is not a 12-bit permission value.`, { path });
    }
    await this.client.call({ op: 'SETPERMISSION', method: 'PUT', path: full, query: { permission: formatOctalPermission(mode) }, signal: options.signal });
  }

  getProperties(path: string): Promise<Record<string, string>> {
    return Promise.reject(new StorageError('not-supported', 'ADLS Gen1 has no custom properties (capabilities.properties is false).', { path }));
  }

  setProperties(path: string): Promise<void> {
    return Promise.reject(new StorageError('not-supported', 'ADLS Gen1 has no custom properties (capabilities.properties is false).', { path }));
  }

  /** SETTIMES: sets modification and/or access time (ms since the epoch). */
  async setTimes(path: string, times: { mtimeMs?: number; atimeMs?: number }, options: CallOptions = {}): Promise<void> {
    const full = this.toFull(path);
    if (times.mtimeMs === undefined && times.atimeMs === undefined) return;
    const ms = (v: number | undefined): number | undefined => (v === undefined ? undefined : Math.round(v));
    await this.client.call({ op: 'SETTIMES', method: 'PUT', path: full, query: { modificationtime: ms(times.mtimeMs), accesstime: ms(times.atimeMs) }, signal: options.signal });
  }

  /** SETEXPIRY (WebHdfsExt): an absolute expiry in ms since the epoch, or never when undefined. */
  async setExpiry(path: string, expiryMs: number | undefined, options: CallOptions = {}): Promise<void> {
    const full = this.toFull(path);
    const query = expiryMs === undefined || expiryMs <= 0 ? { expiryOption: 'NeverExpire' } : { expiryOption: 'Absolute', expireTime: Math.round(expiryMs) };
    await this.client.call({ op: 'SETEXPIRY', method: 'PUT', path: full, ext: true, query, signal: options.signal });
  }

  /**
   * Deletes stale `.lakeshift-tmp-*` files of killed writers directly inside `dir`; returns the count
   * (0 for a missing dir). Only while no writer is active there: see removeGen1TempFiles.
   */
  removeTempFiles(dir: string, options: CallOptions = {}): Promise<number> {
    const pageSize = Math.min(4000, Math.max(1, this.options.listPageSize));
    return removeGen1TempFiles({ client: this.client, toFull: (p) => this.toFull(p), pageSize, signal: options.signal }, dir);
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
