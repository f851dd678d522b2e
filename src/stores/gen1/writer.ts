import { randomUUID } from 'node:crypto';
import { hasExtendedAcl } from '../../core/acl.js';
import type { AclEntry } from '../../core/acl-types.js';
import { baseName, joinPath, normalizeEtag, parentPath, type Entry } from '../../core/entry.js';
import { isStorageError, StorageError, throwIfCancelled } from '../../core/errors.js';
import type { CallOptions, ChunkedWriter, CommitOptions, WriteOptions } from '../../core/store.js';
import type { Gen1Client } from './client.js';
import { TEMP_PREFIX } from './list.js';
import { booleanSchema, formatOctalPermission, parseWire } from './wire.js';

/** What the writer needs from the store. */
export interface WriterContext {
  client: Gen1Client;
  toFull(path: string): string;
  /** Bytes per CREATE/APPEND body (at most 4 MiB). */
  appendSize: number;
  stat(path: string, options?: CallOptions): Promise<Entry>;
  statOrUndefined(path: string, options?: CallOptions): Promise<Entry | undefined>;
  /** The store's own metadata calls, used on the temporary file (capabilities.metadataBeforeCommit). */
  setAcl(path: string, entries: AclEntry[], options?: CallOptions): Promise<void>;
  setPermissions(path: string, mode: number, options?: CallOptions): Promise<void>;
  setOwner(path: string, owner: string | undefined, group: string | undefined, options?: CallOptions): Promise<void>;
  setTimes(path: string, times: { mtimeMs?: number; atimeMs?: number }, options?: CallOptions): Promise<void>;
}

/** Temporary sibling name: `.lakeshift-tmp-<uuid>-<start of the name>` (kept short for segment limits). */
export function tempNameFor(path: string): string {
  const name = Array.from(baseName(path)).slice(0, 40).join('');
  return joinPath(parentPath(path), `${TEMP_PREFIX}${randomUUID()}-${name}`);
}

type WriterState = 'open' | 'committed' | 'aborted';

/**
 * Gen1 has no invisible staging: the writer appends to a hidden temporary file in the target's
 * directory (CREATE, then APPEND at increasing offsets) and RENAMEs it onto the target at commit.
 * Gen1 appends must be sequential, so chunks that arrive ahead of the next offset wait in memory
 * until the gap is filled. Calls are serialised.
 */
export class Gen1Writer implements ChunkedWriter {
  private readonly tempPath: string;
  private readonly session = randomUUID();
  private next = 0;
  private created = false;
  /** First piece, held back until a second piece or the commit arrives. */
  private held: Uint8Array | undefined;
  private state: WriterState = 'open';
  private readonly pending = new Map<number, Uint8Array>();
  private chain: Promise<void> = Promise.resolve();
  private failure: StorageError | undefined;

  constructor(
    private readonly ctx: WriterContext,
    readonly path: string,
    private readonly options: WriteOptions,
  ) {
    this.tempPath = tempNameFor(path);
  }

  private serialise<T>(task: () => Promise<T>): Promise<T> {
    const run = this.chain.then(task);
    this.chain = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private checkOpen(): void {
    if (this.state !== 'open') throw new StorageError('invalid-argument', `The writer for '${this.path}' is already ${this.state}.`, { path: this.path });
    if (this.failure !== undefined) throw this.failure;
  }

  write(offset: number, data: Uint8Array, options: CallOptions = {}): Promise<void> {
    return this.serialise(async () => {
      this.checkOpen();
      throwIfCancelled(options.signal ?? this.options.signal, this.path);
      if (!Number.isSafeInteger(offset) || offset < 0) {
        throw new StorageError('invalid-argument', `Write offset ${offset} for '${this.path}' must be a whole number >= 0.`, { path: this.path });
      }
      if (data.byteLength === 0) return;
      if (offset < this.next || this.pending.has(offset)) {
        throw new StorageError('invalid-argument', `Write at offset ${offset} for '${this.path}' overlaps bytes already written.`, { path: this.path });
      }
      // Out-of-order chunks are held until the gap before them is written; copy them since the caller may reuse its buffer.
      this.pending.set(offset, offset === this.next ? data : Uint8Array.from(data));
      try {
        await this.drain(options.signal ?? this.options.signal);
      } catch (error) {
        this.failure = isStorageError(error) ? error : new StorageError('transient', String(error), { path: this.path, cause: error });
        throw this.failure;
      }
    });
  }

  private async drain(signal: AbortSignal | undefined): Promise<void> {
    for (let data = this.pending.get(this.next); data !== undefined; data = this.pending.get(this.next)) {
      this.pending.delete(this.next);
      for (let at = 0; at < data.byteLength; at += this.ctx.appendSize) {
        await this.appendAt(this.next, data.subarray(at, Math.min(data.byteLength, at + this.ctx.appendSize)), signal);
        this.next += Math.min(this.ctx.appendSize, data.byteLength - at);
      }
    }
  }

  private async appendAt(offset: number, body: Uint8Array, signal: AbortSignal | undefined): Promise<void> {
    const full = this.ctx.toFull(this.tempPath);
    if (!this.created) {
      // The first piece waits: a file that fits in one piece is then written by one CREATE at commit.
      if (this.held === undefined && offset === 0) {
        this.held = Uint8Array.from(body);
        return;
      }
      await this.createTemp(this.held ?? new Uint8Array(0), 'DATA', signal);
      this.held = undefined;
    }
    try {
      await this.ctx.client.call({ op: 'APPEND', method: 'POST', path: full, body, signal, query: { append: true, offset, syncFlag: 'DATA', leaseid: this.session, filesessionid: this.session } });
    } catch (error) {
      // A retried APPEND whose first attempt landed gets BadOffset: a zero-length APPEND at the expected end proves it did.
      if (!isStorageError(error) || error.serverCode !== 'BadOffsetException') throw error;
      await this.ctx.client.call({ op: 'APPEND', method: 'POST', path: full, body: new Uint8Array(0), signal, query: { append: true, offset: offset + body.byteLength, syncFlag: 'DATA', leaseid: this.session, filesessionid: this.session } });
    }
  }

  /** CREATE of the temp file (overwrite: a retried CREATE is harmless) with its first bytes. */
  private async createTemp(body: Uint8Array, syncFlag: 'DATA' | 'CLOSE', signal: AbortSignal | undefined): Promise<void> {
    await this.ctx.client.call({
      op: 'CREATE', method: 'PUT', path: this.ctx.toFull(this.tempPath), body, signal,
      query: { write: true, overwrite: true, syncFlag, leaseid: this.session, filesessionid: this.session, ...this.permissionQuery() },
    });
    this.created = true;
  }

  private permissionQuery(): { permission?: string } {
    const mode = this.options.permissions ?? this.baseAclMode();
    return mode === undefined ? {} : { permission: formatOctalPermission(mode) };
  }

  commit(options: CommitOptions): Promise<Entry> {
    return this.serialise(async () => {
      this.checkOpen();
      const signal = options.signal ?? this.options.signal;
      throwIfCancelled(signal, this.path);
      if (this.pending.size > 0 || this.next !== options.size) {
        const written = this.next + [...this.pending.values()].reduce((n, d) => n + d.byteLength, 0);
        await this.discard();
        this.state = 'aborted';
        throw new StorageError('integrity-mismatch', `Commit of '${this.path}' expected ${options.size} bytes but ${written} were written${this.pending.size > 0 ? ' with gaps' : ''}; nothing was made visible.`, { path: this.path });
      }
      try {
        const full = this.ctx.toFull(this.tempPath);
        if (!this.created) {
          await this.createTemp(this.held ?? new Uint8Array(0), 'CLOSE', signal);
          this.held = undefined;
        } else {
          await this.ctx.client.call({ op: 'APPEND', method: 'POST', path: full, body: new Uint8Array(0), signal, query: { append: true, offset: this.next, syncFlag: 'CLOSE', leaseid: this.session, filesessionid: this.session } });
        }
        if (!this.hasMetadata()) {
          await this.renameOntoTarget(await this.targetNow(signal), signal);
        } else {
          // The target's state and the finished temporary file, looked at together; RENAME keeps every
          // field of the temp's entry (times, size, mode, owner, group, ACL bit, so its ETag), which is
          // therefore the committed file's entry: what this writer made visible, not a later write.
          await this.applyMetadataToTemp(signal);
          const [existing, final] = await Promise.all([this.targetNow(signal), this.verifiedTemp(signal)]);
          await this.renameOntoTarget(existing, signal);
          this.state = 'committed';
          return { ...final, path: this.path };
        }
      } catch (error) {
        await this.discard();
        this.state = 'aborted';
        throw error;
      }
      this.state = 'committed';
      return this.ctx.stat(this.path, signal === undefined ? {} : { signal });
    });
  }

  private hasMetadata(): boolean {
    return this.options.accessControl !== undefined || this.options.times !== undefined;
  }

  private targetNow(signal: AbortSignal | undefined): Promise<Entry | undefined> {
    return this.ctx.statOrUndefined(this.path, signal === undefined ? {} : { signal });
  }

  /**
   * The mode an ACL of only the three base entries stands for (and no separate mode is to be set), or
   * undefined. Such an ACL is given as CREATE's `permission` instead of a SETACL; verifiedTemp checks
   * the result (a parent's default ACL, or any umask, would make it differ) and sets the ACL if so.
   */
  private baseAclMode(): number | undefined {
    const access = this.options.accessControl;
    const entries = access?.entries;
    if (entries === undefined || access?.permissions !== undefined || entries.length !== 3 || hasExtendedAcl(entries)) return undefined;
    const bits = (type: 'user' | 'group' | 'other'): number | undefined => entries.find((e) => e.scope === 'access' && e.type === type)?.perms;
    const [u, g, o] = [bits('user'), bits('group'), bits('other')];
    if (u === undefined || g === undefined || o === undefined) return undefined;
    return (u << 6) | (g << 3) | o;
  }

  /** The temp file's entry (at the target's path) once its metadata is as asked (see baseAclMode). */
  private async verifiedTemp(signal: AbortSignal | undefined): Promise<Entry> {
    const call = signal === undefined ? {} : { signal };
    let entry = await this.ctx.stat(this.tempPath, call);
    const mode = this.baseAclMode();
    const entries = this.options.accessControl?.entries;
    if (mode !== undefined && entries !== undefined && (entry.hasAcl !== false || entry.permissions === undefined || (entry.permissions & 0o777) !== mode)) {
      await this.ctx.setAcl(this.tempPath, entries, call);
      await this.setTempTimes(call);
      entry = await this.ctx.stat(this.tempPath, call);
    }
    return entry;
  }

  /**
   * capabilities.metadataBeforeCommit: ACL, mode, owner and group, then times last (nothing bumps them
   * afterwards: RENAME keeps a file's times, owner and ACL) on the closed temporary file, so the target
   * is never visible without them.
   */
  private async applyMetadataToTemp(signal: AbortSignal | undefined): Promise<void> {
    const call = signal === undefined ? {} : { signal };
    const access = this.options.accessControl;
    if (access?.entries !== undefined && this.baseAclMode() === undefined) await this.ctx.setAcl(this.tempPath, access.entries, call);
    if (access?.permissions !== undefined) await this.ctx.setPermissions(this.tempPath, access.permissions, call);
    if (access !== undefined) await this.ctx.setOwner(this.tempPath, access.owner, access.group, call);
    await this.setTempTimes(call);
  }

  private async setTempTimes(call: CallOptions): Promise<void> {
    if (this.options.times !== undefined) await this.ctx.setTimes(this.tempPath, this.options.times, call);
  }

  private async renameOntoTarget(existing: Entry | undefined, signal: AbortSignal | undefined): Promise<void> {
    const overwrite = this.options.overwrite === true;
    if (existing?.kind === 'directory') {
      throw new StorageError('already-exists', `Cannot write file '${this.path}': a directory of that name exists.`, { path: this.path });
    }
    if (existing !== undefined && !overwrite) {
      throw new StorageError('already-exists', `'${this.path}' already exists; write it with overwrite to replace it.`, { path: this.path });
    }
    // capabilities.checkedCommit: replace only the version the caller names (checked here, on the client).
    const ifMatch = this.options.ifMatch;
    if (ifMatch !== undefined && (existing === undefined || normalizeEtag(existing.etag) !== normalizeEtag(ifMatch))) {
      throw new StorageError('precondition-failed', `'${this.path}' is not the version being replaced (ETag ${ifMatch}): it ${existing === undefined ? 'is gone' : 'changed'}; nothing was made visible.`, { path: this.path });
    }
    const full = this.ctx.toFull(this.tempPath);
    const { json, attempt } = await this.ctx.client.call({
      op: 'RENAME', method: 'PUT', path: full, signal,
      query: { destination: `/${this.ctx.toFull(this.path)}`, ...(overwrite ? { renameoptions: 'OVERWRITE', overwrite: true } : {}) },
    });
    if (parseWire(booleanSchema, json, 'RENAME', full).boolean) return;
    // false: the source is gone (an earlier attempt of a retried RENAME moved it) or the target appeared meanwhile.
    const tempLeft = await this.ctx.statOrUndefined(this.tempPath, signal === undefined ? {} : { signal });
    if (attempt > 0 && tempLeft === undefined) return;
    throw new StorageError('already-exists', `'${this.path}' could not be committed: the target appeared while it was written.`, { path: this.path });
  }

  /** Deletes the temporary file, ignoring failures (a stale temp is cleaned up by the engine). */
  private async discard(): Promise<void> {
    this.pending.clear();
    this.held = undefined;
    if (!this.created) return;
    try {
      await this.ctx.client.call({ op: 'DELETE', method: 'DELETE', path: this.ctx.toFull(this.tempPath), query: { recursive: false } });
      this.created = false;
    } catch {
      // Best effort: the temp stays hidden from listings either way.
    }
  }

  abort(): Promise<void> {
    if (this.state !== 'open') return Promise.resolve();
    this.state = 'aborted';
    return this.serialise(() => this.discard());
  }
}
