import type { PathGetPropertiesResponse } from '@azure/storage-file-datalake';
import {
  StorageError, formatLocation, isStorageError, joinPath, throwIfCancelled,
  type AccessControlChange, type AclEntry, type AclStatus, type CallOptions, type Capabilities, type ChunkedWriter, type Entry, type Gen2Location,
  type AppendOptions, type ListOptions, type MkdirOptions, type StatOptions, type ReadRange, type RemoveOptions, type RenameOptions, type Store, type WriteOptions,
} from '../../core/index.js';
import { Gen2Client } from './client.js';
import { DIRECTORY_MARKER, aclEntryFromItem, aclItemFromEntry, createAccessOptions, decodeProperties, encodeProperties, modeFromPermissions, normalizeEtag, permissionsFromMode } from './convert.js';
import { MAX_LIST_PAGE, listDirectoryPages, walkPages, type PathMapper } from './list.js';
import { checkCreatablePath, checkPathShape, gen2Capabilities } from './names.js';
import { resolveGen2Options, type Gen2StoreOptions } from './options.js';
import { moveGen2Path } from './move.js';
import { openGen2Read } from './read.js';
import { removeGen2TempFiles } from './temp-files.js';
import { Gen2Writer, type WriterHost } from './writer.js';
import { BlobWriter, type BlobWriterHost } from './blob-writer.js';
import type { LeanGen2 } from './lean.js';
import { inheritsExactly } from './inherit.js';
import { entryFromBlobHeaders } from './lean-stat.js';
import { appendGen2 } from './append.js';

/**
 * The ADLS Gen2 store on @azure/storage-file-datalake (DFS calls) and its Blob-side calls (HEAD,
 * ranged GET, metadata). Paths are relative to location.path inside location.filesystem.
 */
export class Gen2Store implements Store, WriterHost, PathMapper {
  readonly displayUri: string;
  readonly capabilities: Capabilities;
  readonly client: Gen2Client;
  /** Recommended writer chunk size in bytes (options.chunkSize, default 8 MiB). */
  readonly chunkSize: number;
  private filesystemReady: Promise<void> | undefined;
  private closed = false;
  /** The Blob writer's host (undefined when files are written through DFS: token credentials, or writeApi 'dfs'). */
  private readonly blobHost: BlobWriterHost | undefined;
  /**
   * Directories (fs paths) this store created or set without a default ACL: a file created in one
   * inherits the umask mode and the caller's ownership, so its access control is known (bounded).
   */
  private readonly noDefaultAcl = new Set<string>();

  constructor(private readonly location: Gen2Location, options: Gen2StoreOptions) {
    const settings = resolveGen2Options(options);
    this.client = new Gen2Client(location, options, settings);
    this.chunkSize = settings.chunkSize;
    this.displayUri = formatLocation(location);
    const lean = settings.writeApi === 'blob' ? this.client.lean : undefined;
    this.blobHost = lean === undefined ? undefined : this.makeBlobHost(lean);
    this.capabilities = { ...gen2Capabilities(location.path, this.blobHost !== undefined), append: this.client.lean !== undefined, ...(this.blobHost !== undefined ? { conditionalCommit: true } : {}) };
  }

  private makeBlobHost(lean: LeanGen2): BlobWriterHost {
    return {
      client: this.client, lean,
      toFs: (p) => this.toFs(p),
      ensureFilesystem: (signal) => this.ensureFilesystem(signal),
      moveFsPath: (from, to, overwrite, storePath, signal) => this.moveFsPath(from, to, overwrite, storePath, signal),
      inheritedMatches: (parentFs, change) => this.noDefaultAcl.has(parentFs) && inheritsExactly(this.client.credential.kind, change),
      setAccessControl: (p, change, options) => this.setAccessControl(p, change, options),
    };
  }

  /**
   * A directory this store just created: it has no default ACL when it was given an ACL without
   * default entries, or was given none under a parent known to have none (it inherits the parent's).
   */
  private noteCreatedDirectory(fsPath: string, entries: readonly AclEntry[] | undefined): void {
    const parent = fsPath.includes('/') ? fsPath.slice(0, fsPath.lastIndexOf('/')) : '';
    const none = entries !== undefined ? !entries.some((e) => e.scope === 'default') : fsPath !== '' && this.noDefaultAcl.has(parent);
    if (!none) this.noDefaultAcl.delete(fsPath);
    else if (this.noDefaultAcl.size < 100_000) this.noDefaultAcl.add(fsPath);
  }

  toFs(storePath: string): string {
    return joinPath(this.location.path, storePath);
  }

  toStore(fsPath: string): string {
    const base = this.location.path;
    if (base === '') return fsPath;
    return fsPath === base ? '' : fsPath.startsWith(`${base}/`) ? fsPath.slice(base.length + 1) : fsPath;
  }

  private open(path: string, signal: AbortSignal | undefined): string {
    if (this.closed) throw new StorageError('invalid-argument', `The Gen2 store ${this.displayUri} is closed; open it again.`, { path });
    throwIfCancelled(signal, path);
    checkPathShape(path);
    return this.toFs(path);
  }

  private notFound(err: unknown, path: string): unknown {
    if (!isStorageError(err, 'not-found')) return err;
    const fsMissing = err.serverCode === 'FilesystemNotFound' || err.serverCode === 'ContainerNotFound';
    const what = fsMissing ? `the filesystem '${this.location.filesystem}' does not exist` : `'${path}' does not exist`;
    return new StorageError('not-found', `Gen2 ${this.displayUri}: ${what}.${fsMissing ? ' Create it or check the URI.' : ''}`, { path, ...(err.serverCode === undefined ? {} : { serverCode: err.serverCode }), ...(err.status === undefined ? {} : { status: err.status }) });
  }

  /**
   * Tells whether the filesystem exists (throws not-found when it does not). A service SAS for the
   * filesystem may not read its properties (Azure refuses container operations to a service SAS), so a
   * permission-denied answer falls back to listing one entry, which such a SAS with `l` may do.
   */
  private async probeFilesystem(what: string, signal: AbortSignal | undefined, retry: { maxRetries?: number } = {}): Promise<void> {
    try {
      await this.client.run(what, '', signal, ({ signal: s }) => this.client.fs.getProperties({ abortSignal: s }), retry);
    } catch (err) {
      if (!isStorageError(err, 'permission-denied')) throw err;
      try {
        await this.client.run(what, '', signal, ({ signal: s }) => this.client.fs.listPaths({ recursive: false, abortSignal: s }).byPage({ maxPageSize: 1 }).next(), retry);
      } catch (listErr) {
        throw isStorageError(listErr, 'not-found') ? listErr : err;
      }
    }
  }

  /** Creates the filesystem once if it is missing and the options allow it. */
  ensureFilesystem(signal: AbortSignal | undefined): Promise<void> {
    if (!this.client.settings.createFilesystem) return Promise.resolve();
    this.filesystemReady ??= (async () => {
      try {
        await this.probeFilesystem('get filesystem', signal);
      } catch (err) {
        if (!isStorageError(err, 'not-found')) throw err;
        await this.client.run('create filesystem', '', signal, ({ signal: s }) => this.client.fs.createIfNotExists({ abortSignal: s }));
        // A new filesystem's root has no default ACL.
        if (this.location.path === '') this.noDefaultAcl.add('');
      }
    })().catch((err: unknown) => {
      this.filesystemReady = undefined;
      throw err;
    });
    return this.filesystemReady;
  }

  /**
   * Fails fast (one retry) when the filesystem cannot be reached: auth-failed, permission-denied, or
   * not-found when it is missing and may not be created. Resolves when the store is usable.
   */
  async checkConnectivity(options: CallOptions = {}): Promise<void> {
    try {
      await this.probeFilesystem('connect', options.signal, { maxRetries: 1 });
    } catch (err) {
      if (isStorageError(err, 'not-found') && this.client.settings.createFilesystem) return;
      if (isStorageError(err, 'auth-failed') || isStorageError(err, 'permission-denied')) {
        throw new StorageError(err.code, `Cannot use ${this.displayUri} with ${this.client.credential.source}: ${err.message}`, { ...(err.serverCode === undefined ? {} : { serverCode: err.serverCode }), ...(err.status === undefined ? {} : { status: err.status }) });
      }
      throw this.notFound(err, '');
    }
  }

  private entryFromProperties(path: string, res: PathGetPropertiesResponse): Entry {
    const resourceType = res._response.headers.get('x-ms-resource-type');
    const isDir = resourceType === 'directory' || res.metadata?.[DIRECTORY_MARKER] === 'true';
    const entry: Entry = { path, kind: isDir ? 'directory' : 'file', size: isDir ? 0 : (res.contentLength ?? 0), mtimeMs: res.lastModified?.getTime() ?? 0 };
    if (res.owner !== undefined) entry.owner = res.owner;
    if (res.group !== undefined) entry.group = res.group;
    if (res.permissions !== undefined) {
      entry.permissions = modeFromPermissions(res.permissions);
      entry.hasAcl = res.permissions.extendedAcls;
    }
    const etag = normalizeEtag(res.etag);
    if (etag !== undefined) entry.etag = etag;
    const expiry = res.expiresOn?.getTime();
    if (expiry !== undefined && expiry > 0) entry.expiryMs = expiry;
    if (!isDir && res.contentMD5 !== undefined && res.contentMD5.length > 0) entry.contentMd5 = Buffer.from(res.contentMD5).toString('base64');
    return entry;
  }

  async stat(path: string, options: StatOptions = {}): Promise<Entry> {
    const fsPath = this.open(path, options.signal);
    try {
      const lean = this.client.lean;
      if (lean !== undefined && fsPath !== '') {
        // One HEAD on the keep-alive pool, its metadata included: no SDK client, no second call for properties.
        const res = await this.client.run('stat', path, options.signal, ({ signal }) => lean.blobProperties(fsPath, signal));
        return entryFromBlobHeaders(path, res.headers, options.withProperties === true);
      }
      if (fsPath === '') {
        const res = await this.client.run('stat', path, options.signal, ({ signal }) => this.client.fs.getProperties({ abortSignal: signal }));
        const etag = normalizeEtag(res.etag);
        return { path, kind: 'directory', size: 0, mtimeMs: res.lastModified?.getTime() ?? 0, ...(etag === undefined ? {} : { etag }) };
      }
      const res = await this.client.run('stat', path, options.signal, ({ signal }) => this.client.fileClient(fsPath).getProperties({ abortSignal: signal }));
      return this.entryFromProperties(path, res);
    } catch (err) {
      throw this.notFound(err, path);
    }
  }

  async *list(path: string, options: ListOptions = {}): AsyncIterable<Entry[]> {
    const fsPath = this.open(path, options.signal);
    const pageSize = Math.min(MAX_LIST_PAGE, Math.max(1, Math.floor(options.pageSize ?? MAX_LIST_PAGE)));
    // One level needs no stat first: List Paths of a file answers that file alone, of a missing path 404.
    if (fsPath !== '' && options.recursive === true) {
      const self = await this.stat(path, options);
      if (self.kind === 'file') {
        yield [self];
        return;
      }
    }
    try {
      if (options.recursive === true) yield* walkPages(this.client, this, fsPath, pageSize, options.signal);
      else yield* listDirectoryPages(this.client, this, fsPath, pageSize, options.signal);
    } catch (err) {
      throw this.notFound(err, path);
    }
  }

  async openRead(path: string, range?: ReadRange, options: CallOptions = {}): Promise<AsyncIterable<Uint8Array>> {
    const fsPath = this.open(path, options.signal);
    if (fsPath === '') throw new StorageError('invalid-argument', `'${path}' is the filesystem root, a directory; only files can be read.`, { path });
    try {
      return await openGen2Read(this.client, path, fsPath, range, options.signal);
    } catch (err) {
      throw this.notFound(err, path);
    }
  }

  async createWriter(path: string, options: WriteOptions = {}): Promise<ChunkedWriter> {
    this.open(path, options.signal);
    if (path === '') throw new StorageError('invalid-argument', 'The store root is a directory; give a file path to write.', { path });
    checkCreatablePath(path, this.capabilities.names);
    if (this.blobHost !== undefined) return BlobWriter.start(this.blobHost, path, options);
    return Gen2Writer.start(this, path, options);
  }

  /** In-place append (capabilities.append, lean path only): see append.ts. */
  async append(path: string, data: Uint8Array, options: AppendOptions = {}): Promise<number> {
    const fsPath = this.open(path, options.signal);
    const lean = this.client.lean;
    if (lean === undefined || fsPath === '') throw new StorageError('not-supported', `Gen2 ${this.displayUri}: in-place append needs the lean request path (Shared Key, SAS or anonymous access); rewrite the file instead.`, { path });
    try {
      return await appendGen2(this.client, lean, path, fsPath, data, options);
    } catch (err) {
      throw this.notFound(err, path);
    }
  }

  async mkdir(path: string, options: MkdirOptions = {}): Promise<void> {
    const fsPath = this.open(path, options.signal);
    await this.ensureFilesystem(options.signal);
    if (path === '' && fsPath === '') return;
    checkCreatablePath(path, this.capabilities.names);
    const { properties, accessControl } = options;
    const lean = this.client.lean;
    const res = lean !== undefined
      ? await this.client.run('mkdir', path, options.signal, ({ signal }) => lean.createDirectory(fsPath, { accessControl, permissions: options.permissions, properties }, signal))
        .then(() => ({ succeeded: true }), (err: unknown) => {
          // createIfNotExists semantics: an existing path answers 409 PathAlreadyExists.
          if (isStorageError(err) && err.serverCode === 'PathAlreadyExists') return { succeeded: false };
          throw err;
        })
      : await this.client.run('mkdir', path, options.signal, ({ signal }) =>
      this.client.dirClient(fsPath).createIfNotExists({
        abortSignal: signal,
        ...createAccessOptions(accessControl, options.permissions),
        ...(properties === undefined ? {} : { metadata: encodeProperties(properties) }),
      }));
    if (res.succeeded) {
      this.noteCreatedDirectory(fsPath, accessControl?.entries);
      return;
    }
    const existing = await this.stat(path, options);
    if (existing.kind !== 'directory') throw new StorageError('already-exists', `Cannot create directory '${path}': a file exists there.`, { path });
    // It was there already: what the create would have set is set now.
    const call = options.signal === undefined ? {} : { signal: options.signal };
    if (accessControl !== undefined) await this.setAccessControl(path, accessControl, call);
    if (properties !== undefined) await this.setProperties(path, { ...(await this.getProperties(path, call)), ...properties }, call);
  }

  async remove(path: string, options: RemoveOptions = {}): Promise<void> {
    const fsPath = this.open(path, options.signal);
    this.noDefaultAcl.clear();
    if (path === '') throw new StorageError('invalid-argument', 'The store root cannot be removed; remove its children instead.', { path });
    try {
      await this.client.run('remove', path, options.signal, async ({ signal, attempt }) => {
        try {
          return await this.client.fileClient(fsPath).delete(options.recursive === true, { abortSignal: signal });
        } catch (err) {
          // A retried delete that finds nothing: the earlier attempt did the work.
          if (attempt > 0 && (err as { statusCode?: unknown }).statusCode === 404) return undefined;
          throw err;
        }
      });
    } catch (err) {
      if (isStorageError(err, 'not-empty')) throw new StorageError('not-empty', `Cannot remove '${path}': the directory is not empty; remove it recursively.`, { path });
      throw this.notFound(err, path);
    }
  }

  async rename(from: string, to: string, options: RenameOptions = {}): Promise<void> {
    this.noDefaultAcl.clear();
    this.open(from, options.signal);
    this.open(to, options.signal);
    if (from === '' || to === '') throw new StorageError('invalid-argument', 'The store root cannot be renamed or replaced.', { path: from === '' ? from : to });
    if (from === to) {
      await this.stat(from, options);
      return;
    }
    if (to.startsWith(`${from}/`)) throw new StorageError('invalid-argument', `Cannot move '${from}' inside itself ('${to}').`, { path: to });
    checkCreatablePath(to, this.capabilities.names);
    try {
      await this.moveFsPath(this.toFs(from), this.toFs(to), options.overwrite === true, to, options.signal);
    } catch (err) {
      throw this.notFound(err, isStorageError(err) && err.serverCode === 'SourcePathNotFound' ? from : to);
    }
  }

  async moveFsPath(fromFs: string, toFs: string, overwrite: boolean, storePath: string, signal: AbortSignal | undefined): Promise<void> {
    await moveGen2Path(this, fromFs, toFs, overwrite, storePath, signal);
  }

  async getAcl(path: string, options: CallOptions = {}): Promise<AclStatus> {
    const fsPath = this.open(path, options.signal);
    try {
      const res = await this.client.run('getAcl', path, options.signal, ({ signal }) => this.client.dirClient(fsPath).getAccessControl({ abortSignal: signal }));
      return {
        owner: res.owner ?? '',
        group: res.group ?? '',
        permissions: res.permissions === undefined ? 0 : modeFromPermissions(res.permissions),
        entries: res.acl.map(aclEntryFromItem),
      };
    } catch (err) {
      throw this.notFound(err, path);
    }
  }

  async setAcl(path: string, entries: AclEntry[], options: CallOptions = {}): Promise<void> {
    const fsPath = this.open(path, options.signal);
    this.noDefaultAcl.delete(fsPath);
    const items = entries.map(aclItemFromEntry);
    try {
      await this.client.run('setAcl', path, options.signal, ({ signal }) => this.client.dirClient(fsPath).setAccessControl(items, { abortSignal: signal }));
    } catch (err) {
      throw this.notFound(err, path);
    }
  }

  async setOwner(path: string, owner: string | undefined, group: string | undefined, options: CallOptions = {}): Promise<void> {
    const fsPath = this.open(path, options.signal);
    if (owner === undefined && group === undefined) return;
    const dir = this.client.dirClient(fsPath);
    try {
      // Set Access Control needs permissions or an ACL next to the owner: re-send the current bits.
      const current = await this.client.run('getAcl', path, options.signal, ({ signal }) => dir.getAccessControl({ abortSignal: signal }));
      const bits = current.permissions === undefined ? 0o750 : modeFromPermissions(current.permissions);
      await this.client.run('setOwner', path, options.signal, ({ signal }) =>
        dir.setPermissions(permissionsFromMode(bits), { abortSignal: signal, ...(owner === undefined ? {} : { owner }), ...(group === undefined ? {} : { group }) }));
    } catch (err) {
      throw this.notFound(err, path);
    }
  }

  /**
   * One Set Access Control call for owner, group and either the ACL or the mode (a second call sets the
   * mode when both are given: the service takes x-ms-acl or x-ms-permissions, not both). Owner or group
   * alone goes through setOwner (which re-sends the current bits).
   */
  async setAccessControl(path: string, change: AccessControlChange, options: CallOptions = {}): Promise<void> {
    const fsPath = this.open(path, options.signal);
    const { entries, permissions, owner, group } = change;
    if (entries?.some((e) => e.scope === 'default') === true) this.noDefaultAcl.delete(fsPath);
    if (entries === undefined && permissions === undefined) {
      await this.setOwner(path, owner, group, options);
      return;
    }
    const who = { ...(owner === undefined ? {} : { owner }), ...(group === undefined ? {} : { group }) };
    const lean = this.client.lean;
    if (lean !== undefined) {
      try {
        if (entries !== undefined) await this.client.run('setAcl', path, options.signal, ({ signal }) => lean.setAccessControl(fsPath, { ...who, entries }, signal));
        if (permissions !== undefined) await this.client.run('setPermissions', path, options.signal, ({ signal }) => lean.setAccessControl(fsPath, { ...(entries === undefined ? who : {}), permissions }, signal));
      } catch (err) {
        throw this.notFound(err, path);
      }
      return;
    }
    const dir = this.client.dirClient(fsPath);
    try {
      if (entries !== undefined) {
        const items = entries.map(aclItemFromEntry);
        await this.client.run('setAcl', path, options.signal, ({ signal }) => dir.setAccessControl(items, { abortSignal: signal, ...who }));
      }
      if (permissions !== undefined) {
        const bits = permissionsFromMode(permissions);
        const rest = entries === undefined ? who : {};
        await this.client.run('setPermissions', path, options.signal, ({ signal }) => dir.setPermissions(bits, { abortSignal: signal, ...rest }));
      }
    } catch (err) {
      throw this.notFound(err, path);
    }
  }

  async setPermissions(path: string, mode: number, options: CallOptions = {}): Promise<void> {
    const fsPath = this.open(path, options.signal);
    const permissions = permissionsFromMode(mode);
    try {
      await this.client.run('setPermissions', path, options.signal, ({ signal }) => this.client.dirClient(fsPath).setPermissions(permissions, { abortSignal: signal }));
    } catch (err) {
      throw this.notFound(err, path);
    }
  }

  async getProperties(path: string, options: CallOptions = {}): Promise<Record<string, string>> {
    const fsPath = this.open(path, options.signal);
    try {
      const res = fsPath === ''
        ? await this.client.run('getProperties', path, options.signal, ({ signal }) => this.client.fs.getProperties({ abortSignal: signal }))
        : await this.client.run('getProperties', path, options.signal, ({ signal }) => this.client.fileClient(fsPath).getProperties({ abortSignal: signal }));
      return decodeProperties(res.metadata);
    } catch (err) {
      throw this.notFound(err, path);
    }
  }

  async setProperties(path: string, properties: Record<string, string>, options: CallOptions = {}): Promise<void> {
    const fsPath = this.open(path, options.signal);
    const encoded = encodeProperties(properties);
    try {
      if (fsPath === '') {
        await this.client.run('setProperties', path, options.signal, ({ signal }) => this.client.fs.setMetadata(encoded, { abortSignal: signal }));
        return;
      }
      const file = this.client.fileClient(fsPath);
      const current = await this.client.run('getProperties', path, options.signal, ({ signal }) => file.getProperties({ abortSignal: signal }));
      const marker = current.metadata?.[DIRECTORY_MARKER];
      const next = marker === undefined ? encoded : { ...encoded, [DIRECTORY_MARKER]: marker };
      await this.client.run('setProperties', path, options.signal, ({ signal }) => file.setMetadata(next, { abortSignal: signal }));
    } catch (err) {
      throw this.notFound(err, path);
    }
  }

  async setExpiry(path: string, expiryMs: number | undefined, options: CallOptions = {}): Promise<void> {
    const fsPath = this.open(path, options.signal);
    if (expiryMs !== undefined && (!Number.isFinite(expiryMs) || expiryMs <= Date.now())) {
      throw new StorageError('invalid-argument', `The expiry ${String(expiryMs)} for '${path}' is not in the future; Gen2 only accepts future expiry times.`, { path });
    }
    const file = this.client.fileClient(fsPath);
    try {
      await this.client.run('setExpiry', path, options.signal, ({ signal }) => expiryMs === undefined
        ? file.setExpiry('NeverExpire', { abortSignal: signal })
        : file.setExpiry('Absolute', { abortSignal: signal, expiresOn: new Date(expiryMs) }));
    } catch (err) {
      throw this.notFound(err, path);
    }
  }

  /**
   * Deletes stale `.lakeshift-tmp-*` files of killed writers directly inside `dir`; returns the count
   * (0 for a missing dir). Only while no writer is active there: see removeGen2TempFiles.
   */
  async removeTempFiles(dir: string, options: CallOptions = {}): Promise<number> {
    return removeGen2TempFiles(this.client, this.open(dir, options.signal), MAX_LIST_PAGE, options.signal);
  }

  /** Marks the store closed and closes the writer's connection pool (the SDK's agent is shared process-wide). */
  async close(): Promise<void> {
    this.closed = true;
    await this.client.lean?.close();
  }
}
