import type { AclEntry, AclStatus } from './acl-types.js';
import type { Entry } from './entry.js';

/**
 * What a store can do beyond the always-present basics. Code outside `src/stores/` never branches on
 * which store it talks to; it asks these.
 */
export interface Capabilities {
  /** Named ACL entries and default ACLs. */
  acl: boolean;
  /** Arbitrary owner and group strings (object IDs). */
  ownership: boolean;
  /** Permission bits (rwxrwxrwx). */
  permissions: boolean;
  stickyBit: boolean;
  /** Custom string properties per path. */
  properties: boolean;
  /** Directories exist on their own (an empty directory survives). */
  emptyDirectories: boolean;
  /** rename() is atomic and does not copy data. */
  atomicRename: boolean;
  /** Entries carry atimeMs. */
  accessTime: boolean;
  /** Entries carry expiryMs and setExpiry works. */
  expiry: boolean;
  /** The store records a Content-MD5 given at commit and returns it in Entry.contentMd5. */
  contentMd5: boolean;
  /** writer.write() may be called concurrently for different offsets. */
  parallelChunkWrites: boolean;
  /** Largest chunk one writer.write() call accepts, in bytes. */
  maxChunkSize: number;
  /**
   * createWriter applies WriteOptions.accessControl, and mkdir applies MkdirOptions.properties and
   * accessControl, in the create call itself (Gen2: one request instead of several). Callers pass
   * those options only to stores that say so.
   */
  createWithMetadata: boolean;
  /**
   * Largest file a writer takes whole in `commit({ data })` without any write() call (one request on
   * Gen2: Put Blob); 0 or absent = the store has no such path.
   */
  oneShotMaxBytes?: number;
  /**
   * Store.append works: bytes are added at the end of an existing file in place (Gen2: DFS append at a
   * position, then flush), without rewriting what is there.
   */
  append?: boolean;
  /**
   * The commit itself is conditional: `overwrite: false` commits only if the path is absent and
   * WriteOptions.ifMatch only if its ETag is unchanged, both checked by the service in the commit
   * request (Gen2 Blob API: If-None-Match: * / If-Match on Put Blob and Put Block List).
   */
  conditionalCommit?: boolean;
  /**
   * The writer compares WriteOptions.ifMatch with the target's ETag (as the store reports it) just
   * before it makes the file visible, on the client (Gen1: the stat it takes before its RENAME), and
   * fails the commit with precondition-failed when they differ. Weaker than conditionalCommit: a write
   * landing between that look and the commit is not detected.
   */
  checkedCommit?: boolean;
  /**
   * The writer applies WriteOptions.accessControl (ACL entries, mode, owner and group, together) and
   * WriteOptions.times to its hidden file before the commit makes it visible, so the file appears with
   * that metadata at once, and the entry commit returns already carries it (Gen1: SETACL, SETPERMISSION,
   * SETOWNER and SETTIMES on the temporary file before its RENAME, which keeps all of them).
   */
  metadataBeforeCommit?: boolean;
  /** Names and paths the store refuses or alters. */
  names: NameRules;
}

export interface NameRules {
  /** Maximum bytes (UTF-8) of one path segment. */
  maxSegmentBytes: number;
  /** Maximum total path length in characters, if any. */
  maxPathLength?: number;
  /** Maximum number of path segments, if any. */
  maxDepth?: number;
  /** Segment may contain ':'. */
  colon: boolean;
  /** Segment may end with '.'. */
  trailingDot: boolean;
  /** Segment may consist only of spaces or tabs. */
  onlyWhitespace: boolean;
  /** Segment may contain control characters (0x00-0x1F). */
  controlCharacters: boolean;
  /** The store keeps NFC and NFD spellings of a name apart. */
  distinctUnicodeForms: boolean;
  /** Segment may contain a backslash. */
  backslash: boolean;
}

export interface CallOptions {
  signal?: AbortSignal;
}

export interface StatOptions extends CallOptions {
  /**
   * Also return the path's custom properties in Entry.properties, where the store reads them in the
   * same call (Gen2: one HEAD). A store that cannot leaves Entry.properties unset; call getProperties.
   */
  withProperties?: boolean;
}

export interface AppendOptions extends CallOptions {
  /**
   * The file's size the caller expects before the append. The append is refused with
   * precondition-failed (nothing changed) when the file has another size.
   */
  expectedSize?: number;
  /** Custom properties to drop if the file has them (e.g. kept times that the append makes stale). */
  removeProperties?: readonly string[];
}

export interface ListOptions extends CallOptions {
  /** Walk the whole subtree (depth first, walk order) instead of one level. */
  recursive?: boolean;
  /** Entries per page (a hint; stores may return fewer). */
  pageSize?: number;
}

export interface ReadRange {
  offset: number;
  /** Bytes to read; omitted = to the end. */
  length?: number;
}

export interface WriteOptions extends CallOptions {
  /** Replace an existing file at commit (default false: commit fails with already-exists). */
  overwrite?: boolean;
  /** Permission bits to create the file with, where supported. */
  permissions?: number;
  /** Properties to store with the file at commit, where supported. */
  properties?: Record<string, string>;
  /**
   * Owner, group and ACL entries or mode to create the file with (only for stores with
   * capabilities.createWithMetadata, where `entries` and `permissions` are exclusive: the ACL carries the
   * mode; or with capabilities.metadataBeforeCommit, where both may be given: ACL first, then the mode).
   */
  accessControl?: AccessControlChange;
  /**
   * Modification and access time (ms since the epoch) the file is to have when it becomes visible
   * (only for stores with capabilities.metadataBeforeCommit).
   */
  times?: { mtimeMs: number; atimeMs?: number };
  /**
   * Names the content version being written (e.g. the source's size, mtime and etag). A writer with
   * `resume` stages parts under names derived from it, so a later writer of the same path and key can
   * take over what an interrupted one staged.
   */
  resumeKey?: string;
  /**
   * Commit only if the destination file's current ETag is this one (precondition-failed otherwise):
   * a conditional overwrite. Only for stores with capabilities.conditionalCommit (checked by the
   * service) or capabilities.checkedCommit (checked by the writer just before the commit); without
   * them, `overwrite: false` is the condition "only if absent" (already-exists otherwise).
   */
  ifMatch?: string;
}

export interface CommitOptions extends CallOptions {
  /** Total size; commit fails with integrity-mismatch if the written bytes do not add up to it. */
  size: number;
  /** MD5 of the whole content, recorded where the store supports it. */
  contentMd5?: Uint8Array;
  /**
   * The whole content, for a writer that got no write() call (only stores with
   * capabilities.oneShotMaxBytes >= size); its length must equal `size`.
   */
  data?: Uint8Array;
}

/**
 * A file being written. Nothing is visible at `path` until `commit` succeeds; after `abort` (or a crash)
 * no partial file is visible at `path`.
 */
export interface ChunkedWriter {
  readonly path: string;
  /** Writes bytes at an offset. Offsets may arrive out of order (concurrently if parallelChunkWrites). */
  write(offset: number, data: Uint8Array, options?: CallOptions): Promise<void>;
  /**
   * Makes the file visible with exactly the bytes written. Not idempotent. The entry's contentMd5 is
   * set only when the store itself vouches for the content's MD5 (it computed it, or the service checked
   * the whole content against it); a digest recorded on trust is not returned here.
   */
  commit(options: CommitOptions): Promise<Entry>;
  /** Discards everything written. Idempotent. */
  abort(): Promise<void>;
  /**
   * Optional (writers that stage parts the service keeps, e.g. Gen2 blocks): of the parts in `layout`,
   * those an earlier writer of this path with the same `resumeKey` staged and that are still there;
   * they count as written (commit includes them) and need no write() call.
   */
  resume?(layout: readonly { offset: number; length: number }[], options?: CallOptions): Promise<{ offset: number; length: number }[]>;
}

export interface RemoveOptions extends CallOptions {
  recursive?: boolean;
}

export interface RenameOptions extends CallOptions {
  /** Replace an existing destination file (directories are never replaced). */
  overwrite?: boolean;
}

export interface MkdirOptions extends CallOptions {
  permissions?: number;
  /**
   * Only for stores with capabilities.createWithMetadata: properties and access control for the
   * directory, applied in the create call (and applied separately when the directory already exists).
   */
  properties?: Record<string, string>;
  accessControl?: AccessControlChange;
}

/** What setAccessControl changes; omitted fields are left as they are. */
export interface AccessControlChange {
  owner?: string;
  group?: string;
  /** The whole ACL (access and default scopes), as for setAcl. */
  entries?: AclEntry[];
  /** The 12-bit mode, as for setPermissions. */
  permissions?: number;
}

/**
 * The store contract. Every connector honours it and passes `test/conformance`.
 * All methods throw StorageError; paths are store-relative (see Entry).
 */
export interface Store {
  /** The store's location for display, with every secret removed. */
  readonly displayUri: string;
  readonly capabilities: Capabilities;

  /** Metadata of one path. Throws not-found. */
  stat(path: string, options?: StatOptions): Promise<Entry>;
  /**
   * Lists a directory one page at a time, sorted by name (recursive: in walk order, a directory
   * before its descendants). Never holds the whole tree in memory. Throws not-found for a missing
   * directory; listing a file yields that file alone.
   */
  list(path: string, options?: ListOptions): AsyncIterable<Entry[]>;
  /** Streams a file's bytes (a range of them when given). Throws not-found, invalid-argument. */
  openRead(path: string, range?: ReadRange, options?: CallOptions): Promise<AsyncIterable<Uint8Array>>;
  /** Starts writing a file; parents are created as needed at commit. */
  createWriter(path: string, options?: WriteOptions): Promise<ChunkedWriter>;
  /** Creates a directory and missing parents. Idempotent for an existing directory. */
  mkdir(path: string, options?: MkdirOptions): Promise<void>;
  /** Removes a file or directory (recursive required for a non-empty one: else not-empty). */
  remove(path: string, options?: RemoveOptions): Promise<void>;
  /** Moves a file or directory. */
  rename(from: string, to: string, options?: RenameOptions): Promise<void>;

  /** Owner, group, mode and the full ACL (needs capabilities.permissions). */
  getAcl(path: string, options?: CallOptions): Promise<AclStatus>;
  /** Replaces the whole ACL (access and default scopes) of a path (needs capabilities.acl). */
  setAcl(path: string, entries: AclEntry[], options?: CallOptions): Promise<void>;
  /** Sets owner and/or group (needs capabilities.ownership). */
  setOwner(path: string, owner: string | undefined, group: string | undefined, options?: CallOptions): Promise<void>;
  /** Sets the 12-bit mode (needs capabilities.permissions). */
  setPermissions(path: string, mode: number, options?: CallOptions): Promise<void>;

  /**
   * Sets any of owner, group, ACL entries and mode in as few service calls as the store can (Gen2: one
   * Set Access Control call unless both entries and permissions are given). With both, the entries are
   * applied first and the mode after (it may add the sticky bit). Optional: without it, callers use
   * setAcl, setPermissions and setOwner.
   */
  setAccessControl?(path: string, change: AccessControlChange, options?: CallOptions): Promise<void>;

  /**
   * Adds `data` at the end of an existing file in place and makes it visible at once (readers see the
   * old or the new size, never a part). With expectedSize, refuses with precondition-failed when the
   * file has another size (a directory: invalid-argument; a missing file: not-found). Owner, ACL and
   * properties stay. Needs capabilities.append; concurrent appenders of one path must be serialised by
   * the caller. Returns the new size. Not idempotent.
   */
  append?(path: string, data: Uint8Array, options?: AppendOptions): Promise<number>;

  /** Custom properties (needs capabilities.properties). */
  getProperties(path: string, options?: CallOptions): Promise<Record<string, string>>;
  /** Replaces the custom properties (needs capabilities.properties). */
  setProperties(path: string, properties: Record<string, string>, options?: CallOptions): Promise<void>;

  /**
   * Sets modification and/or access time (ms since epoch). Optional: only stores that can set times
   * (Gen1 SETTIMES, local utimes, memory) implement it; Gen2 cannot, and keeps times as properties.
   */
  setTimes?(path: string, times: { mtimeMs?: number; atimeMs?: number }, options?: CallOptions): Promise<void>;
  /** Sets (or with undefined clears) a file's expiry time, ms since epoch. Needs capabilities.expiry. */
  setExpiry?(path: string, expiryMs: number | undefined, options?: CallOptions): Promise<void>;

  /**
   * Removes writer temporary files (`.lakeshift-tmp-*`, hidden from listings) that a killed process
   * left directly inside directory `dir`; returns how many were removed. Optional: stores whose writers
   * leave nothing behind omit it. The engine calls it on resume for directories of interrupted files.
   */
  removeTempFiles?(dir: string, options?: CallOptions): Promise<number>;

  /** Releases connections and handles. Idempotent. */
  close(): Promise<void>;
}
