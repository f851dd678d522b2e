import { createHash } from 'node:crypto';
import { StorageError, isStorageError, throwIfCancelled, type AccessControlChange, type CallOptions, type ChunkedWriter, type CommitOptions, type Entry, type WriteOptions } from '../../core/index.js';
import type { LeanGen2, LeanResponse } from './lean.js';
import { GEN2_MAX_BLOCK_BYTES } from './names.js';
import { bodyTimeoutMs, checkWrite, findCoverageProblem, trackWrite, type WriterHost } from './writer.js';

/**
 * The Blob-API writer (Shared Key, SAS and anonymous access; token credentials keep the DFS writer).
 *
 * A file is never visible before it is complete, and no temporary name or rename is needed:
 * - small files (commit with `data`, no write() call): one Put Blob carrying the whole body, its
 *   Content-MD5 (checked by the service, stored as the blob's MD5), the time properties as metadata
 *   and If-None-Match: * unless overwrite. On a hierarchical namespace Put Blob creates the parents.
 * - large files: each write() is one Put Block (Content-MD5 of the block, checked by the service), in
 *   parallel; commit is one Put Block List in offset order with x-ms-blob-content-md5 (the whole file's
 *   MD5, recorded on trust) and the metadata.
 * The Blob API takes no owner, group, ACL or mode (the Put Blob and Put Block List specs list none),
 * so those go in one Set Access Control after the commit, skipped when the new file inherits exactly
 * what it needs (see WriterHost.inheritedMatches). Should that call fail, the new file is deleted again.
 */

/** What the Blob writer needs from its store beyond the DFS writer's host. */
export interface BlobWriterHost extends WriterHost {
  readonly lean: LeanGen2;
  /** True when a file created now under `parentFs` already has exactly this owner, group and ACL or mode. */
  inheritedMatches(parentFs: string, change: AccessControlChange): boolean;
  setAccessControl(path: string, change: AccessControlChange, options: CallOptions): Promise<void>;
}

type State = 'open' | 'committing' | 'done' | 'aborted';

/**
 * Block IDs of one blob must all have the same length (the service refuses a block whose id length
 * differs from staged ones): `ls-` + 8 hex digits of the writer's resumeKey + `-` + the offset,
 * zero-padded, base64. A later writer with the same key finds an interrupted writer's blocks by name.
 */
export function blockIdFor(key8: string, offset: number): string {
  return Buffer.from(`ls-${key8}-${offset.toString().padStart(16, '0')}`, 'utf8').toString('base64');
}

function offsetOfBlockId(key8: string, id: string): number | undefined {
  const m = /^ls-([0-9a-f]{8})-(\d{16})$/.exec(Buffer.from(id, 'base64').toString('utf8'));
  return m?.[1] === key8 && m[2] !== undefined ? Number(m[2]) : undefined;
}

function keyOf(resumeKey: string | undefined): string {
  return resumeKey === undefined ? '00000000' : createHash('sha256').update(resumeKey).digest('hex').slice(0, 8);
}

function modifiedOf(res: LeanResponse): number {
  const text = res.headers.get('last-modified');
  const ms = text === undefined ? Number.NaN : Date.parse(text);
  return Number.isNaN(ms) ? Date.now() : ms;
}

export class BlobWriter implements ChunkedWriter {
  private state: State = 'open';
  private readonly blocks = new Map<number, { id: string; length: number }>();
  private readonly inflight = new Set<Promise<void>>();
  private readonly fsPath: string;
  private readonly key8: string;

  private constructor(private readonly host: BlobWriterHost, readonly path: string, private readonly options: WriteOptions) {
    this.fsPath = host.toFs(path);
    this.key8 = keyOf(options.resumeKey);
  }

  /**
   * The blocks of `layout` an interrupted writer with the same resumeKey staged (Get Block List of the
   * uncommitted blocks, matched by id and size); they count as written. Each was checked against its
   * Content-MD5 when it was staged. Without a resumeKey nothing is taken over.
   */
  async resume(layout: readonly { offset: number; length: number }[], options: CallOptions = {}): Promise<{ offset: number; length: number }[]> {
    this.ensureOpen();
    if (this.options.resumeKey === undefined || layout.length === 0) return [];
    let staged: { id: string; size: number }[];
    try {
      staged = (await this.host.client.run('getBlockList', this.path, options.signal, ({ signal }) => this.host.lean.uncommittedBlocks(this.fsPath, signal))).blocks;
    } catch (err) {
      if (isStorageError(err, 'not-found')) return [];
      throw err;
    }
    const sizes = new Map<number, { id: string; size: number }>();
    for (const b of staged) {
      const offset = offsetOfBlockId(this.key8, b.id);
      if (offset !== undefined) sizes.set(offset, b);
    }
    const taken: { offset: number; length: number }[] = [];
    for (const part of layout) {
      const b = sizes.get(part.offset);
      if (b === undefined || b.size !== part.length || this.blocks.has(part.offset)) continue;
      this.blocks.set(part.offset, { id: b.id, length: part.length });
      taken.push({ offset: part.offset, length: part.length });
    }
    return taken;
  }

  /** Starts a writer: no request (the filesystem is made sure of once per store). */
  static async start(host: BlobWriterHost, path: string, options: WriteOptions): Promise<BlobWriter> {
    const change = options.accessControl;
    if (change?.entries !== undefined && change.permissions !== undefined) {
      throw new StorageError('invalid-argument', 'A path can be created with ACL entries or with a mode, not both (the ACL carries the mode); set the other afterwards.', { path });
    }
    await host.ensureFilesystem(options.signal);
    return new BlobWriter(host, path, options);
  }

  private ensureOpen(): void {
    checkWrite(this.path, this.state, 0, new Uint8Array(0), {}, 0, 'block');
  }

  async write(offset: number, data: Uint8Array, options: CallOptions = {}): Promise<void> {
    checkWrite(this.path, this.state, offset, data, options, GEN2_MAX_BLOCK_BYTES, 'block');
    if (data.length === 0) return;
    if (this.blocks.has(offset)) throw new StorageError('integrity-mismatch', `Bytes at offset ${offset} of '${this.path}' were written twice.`, { path: this.path });
    const { client } = this.host;
    const id = blockIdFor(this.key8, offset);
    const md5 = createHash('md5').update(data).digest();
    const task = client.run('putBlock', this.path, options.signal, ({ signal }) => this.host.lean.putBlock(this.fsPath, id, data, md5, signal), { timeoutMs: bodyTimeoutMs(client, data.length) }).then(() => {
      this.blocks.set(offset, { id, length: data.length });
    });
    await trackWrite(this.inflight, task);
  }

  async commit(options: CommitOptions): Promise<Entry> {
    this.ensureOpen();
    this.state = 'committing';
    let visible = false;
    try {
      throwIfCancelled(options.signal, this.path);
      await Promise.allSettled([...this.inflight]);
      const { client, lean } = { client: this.host.client, lean: this.host.lean };
      const overwrite = this.options.overwrite === true;
      const props = this.options.properties;
      const md5 = options.contentMd5;
      let res: LeanResponse;
      let vouched = false;
      const whole = options.data ?? (this.blocks.size === 0 && options.size === 0 ? new Uint8Array(0) : undefined);
      if (whole !== undefined) {
        if (this.blocks.size > 0 || whole.length !== options.size) {
          throw new StorageError('integrity-mismatch', `Commit of '${this.path}' refused: ${this.blocks.size > 0 ? 'data given at commit after write() calls' : `${whole.length} bytes given for a declared size of ${options.size}`}. Nothing was made visible.`, { path: this.path });
        }
        res = await client.run('putBlob', this.path, options.signal, ({ signal }) => lean.putBlob(this.fsPath, whole, md5, props, overwrite, signal, this.options.ifMatch), { timeoutMs: bodyTimeoutMs(client, whole.length) });
        // The service checked the body against the Content-MD5 sent with it.
        vouched = md5 !== undefined;
      } else {
        const ranges = [...this.blocks].map(([offset, b]) => ({ offset, length: b.length }));
        const problem = findCoverageProblem(ranges, options.size);
        if (problem !== undefined) {
          throw new StorageError('integrity-mismatch', `Commit of '${this.path}' refused: ${problem}. Nothing was made visible.`, { path: this.path });
        }
        const ids = [...this.blocks].sort((a, b) => a[0] - b[0]).map(([, b]) => b.id);
        res = await client.run('putBlockList', this.path, options.signal, ({ signal }) => lean.putBlockList(this.fsPath, ids, md5, props, overwrite, signal, this.options.ifMatch));
      }
      visible = true;
      const mode = this.options.permissions;
      const change = this.options.accessControl ?? (mode === undefined ? undefined : { permissions: mode });
      const parentFs = this.fsPath.includes('/') ? this.fsPath.slice(0, this.fsPath.lastIndexOf('/')) : '';
      if (change !== undefined && !this.host.inheritedMatches(parentFs, change)) {
        await this.host.setAccessControl(this.path, change, options.signal === undefined ? {} : { signal: options.signal });
      }
      this.state = 'done';
      return { path: this.path, kind: 'file', size: options.size, mtimeMs: modifiedOf(res), ...(vouched && md5 !== undefined ? { contentMd5: Buffer.from(md5).toString('base64') } : {}) };
    } catch (err) {
      this.state = 'aborted';
      if (visible) await this.removeCommitted();
      throw err;
    }
  }

  /** A committed file whose access control failed is removed: nothing is left with the wrong permissions. */
  private async removeCommitted(): Promise<void> {
    try {
      await this.host.client.run('delete', this.path, undefined, ({ signal }) => this.host.lean.deleteBlob(this.fsPath, signal));
    } catch (err) {
      if (!isStorageError(err, 'not-found')) throw err;
    }
  }

  /** Nothing is visible before commit; staged blocks are discarded by the service (after 7 days at most). */
  async abort(): Promise<void> {
    if (this.state === 'done' || this.state === 'aborted') return;
    this.state = 'aborted';
    await Promise.allSettled([...this.inflight]);
  }
}
