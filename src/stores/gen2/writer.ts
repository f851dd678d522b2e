import { randomUUID } from 'node:crypto';
import { StorageError, baseName, isStorageError, joinPath, parentPath, throwIfCancelled, type CallOptions, type ChunkedWriter, type CommitOptions, type Entry, type WriteOptions } from '../../core/index.js';
import type { Gen2Client } from './client.js';
import { createAccessOptions, encodeProperties } from './convert.js';
import { GEN2_MAX_APPEND_BYTES, TEMP_PREFIX } from './names.js';

/**
 * The chunked writer. On Gen2 a `create` makes an empty file visible at once and appended data stays
 * invisible until flushed, so the writer stages under a hidden name in the target's directory
 * (`.lakeshift-tmp-<uuid>-<name>`; same directory so default-ACL inheritance is the target's), appends
 * at absolute positions (concurrently is fine), flushes once with the whole-file Content-MD5, then
 * renames atomically onto the target (If-None-Match * unless overwrite). Abort deletes the temp file.
 */

/** What the writer needs from its store. */
export interface WriterHost {
  readonly client: Gen2Client;
  toFs(storePath: string): string;
  /** Makes sure the filesystem exists (when the store may create it). */
  ensureFilesystem(signal: AbortSignal | undefined): Promise<void>;
  /** Moves fs paths with the store's rename semantics; resolves when `to` holds the file. */
  moveFsPath(fromFs: string, toFs: string, overwrite: boolean, storePath: string, signal: AbortSignal | undefined): Promise<void>;
}

type WriterState = 'open' | 'committing' | 'done' | 'aborted';

/**
 * The checks every Gen2 writer makes before a write() sends anything: the writer is open, the call is
 * not cancelled, the offset is a non-negative whole number and the chunk fits one request (`limit`:
 * the append or block limit, named in `what`).
 */
export function checkWrite(path: string, state: string, offset: number, data: Uint8Array, options: CallOptions, limit: number, what: string): void {
  if (state !== 'open') {
    throw new StorageError('invalid-argument', `The writer for '${path}' is ${state === 'committing' ? 'committing' : 'finished'}; start a new writer.`, { path });
  }
  throwIfCancelled(options.signal, path);
  if (!Number.isSafeInteger(offset) || offset < 0) {
    throw new StorageError('invalid-argument', `Write offset ${String(offset)} for '${path}' is invalid; give a non-negative whole number.`, { path });
  }
  if (data.length > limit) {
    throw new StorageError('invalid-argument', `A chunk of ${data.length} bytes for '${path}' exceeds the Gen2 ${what} limit of ${limit}; write smaller chunks.`, { path });
  }
}

/** Per-attempt time limit of a request carrying `bytes`: the client's limit plus a second per MiB. */
export function bodyTimeoutMs(client: Gen2Client, bytes: number): number {
  return client.settings.timeoutMs + Math.ceil(bytes / 1_048_576) * 1000;
}

/** Awaits a write request while it is listed in `inflight` (commit and abort wait for the listed ones). */
export async function trackWrite(inflight: Set<Promise<void>>, task: Promise<void>): Promise<void> {
  inflight.add(task);
  try {
    await task;
  } finally {
    inflight.delete(task);
  }
}

/** Checks that [0, size) is covered exactly once by the written ranges. Returns the problem or undefined. */
export function findCoverageProblem(ranges: readonly { offset: number; length: number }[], size: number): string | undefined {
  const sorted = [...ranges].sort((a, b) => a.offset - b.offset);
  let next = 0;
  for (const r of sorted) {
    if (r.offset > next) return `bytes ${next}..${r.offset - 1} were never written`;
    if (r.offset < next) return `bytes from ${r.offset} were written twice`;
    next = r.offset + r.length;
  }
  if (next !== size) return `the written bytes add up to ${next}, not the declared size ${size}`;
  return undefined;
}

export class Gen2Writer implements ChunkedWriter {
  private state: WriterState = 'open';
  private readonly ranges: { offset: number; length: number }[] = [];
  private readonly inflight = new Set<Promise<void>>();
  private readonly tempFs: string;
  private readonly created: Promise<void>;

  private constructor(
    private readonly host: WriterHost,
    readonly path: string,
    private readonly options: WriteOptions,
  ) {
    const name = baseName(path);
    // The name part only helps people who find a leftover; keep the temp name well under the limits.
    const shortName = name.length > 64 ? name.slice(0, 64) : name;
    this.tempFs = joinPath(host.toFs(parentPath(path)), `${TEMP_PREFIX}${randomUUID()}-${shortName}`);
    this.created = this.createTemp();
    this.created.catch(() => undefined);
  }

  /** Starts a writer; resolves once the hidden temp file exists. */
  static async start(host: WriterHost, path: string, options: WriteOptions): Promise<Gen2Writer> {
    const writer = new Gen2Writer(host, path, options);
    await writer.created;
    return writer;
  }

  private async createTemp(): Promise<void> {
    const { client } = this.host;
    const signal = this.options.signal;
    await this.host.ensureFilesystem(signal);
    const lean = client.lean;
    if (lean !== undefined) {
      await client.run('create', this.path, signal, ({ signal: s }) => lean.createFile(this.tempFs, { accessControl: this.options.accessControl, permissions: this.options.permissions, properties: this.options.properties }, s));
      return;
    }
    const file = client.fileClient(this.tempFs);
    await client.run('create', this.path, signal, ({ signal: s }) =>
      file.create({
        abortSignal: s,
        ...createAccessOptions(this.options.accessControl, this.options.permissions),
        ...(this.options.properties === undefined ? {} : { metadata: encodeProperties(this.options.properties) }),
      }),
    );
  }

  private ensureOpen(): void {
    checkWrite(this.path, this.state, 0, new Uint8Array(0), {}, 0, 'append');
  }

  async write(offset: number, data: Uint8Array, options: CallOptions = {}): Promise<void> {
    checkWrite(this.path, this.state, offset, data, options, GEN2_MAX_APPEND_BYTES, 'append');
    if (data.length === 0) return;
    const { client } = this.host;
    const lean = client.lean;
    const task = client.run<unknown>('append', this.path, options.signal, ({ signal }) =>
      lean !== undefined ? lean.append(this.tempFs, offset, data, signal) : client.fileClient(this.tempFs).append(data, offset, data.length, { abortSignal: signal }), { timeoutMs: bodyTimeoutMs(client, data.length) }).then(() => {
      this.ranges.push({ offset, length: data.length });
    });
    await trackWrite(this.inflight, task);
  }

  async commit(options: CommitOptions): Promise<Entry> {
    this.ensureOpen();
    this.state = 'committing';
    try {
      throwIfCancelled(options.signal, this.path);
      await Promise.allSettled([...this.inflight]);
      const problem = findCoverageProblem(this.ranges, options.size);
      if (problem !== undefined) {
        throw new StorageError('integrity-mismatch', `Commit of '${this.path}' refused: ${problem}. Nothing was made visible.`, { path: this.path });
      }
      const { client } = this.host;
      const lean = client.lean;
      const md5 = options.contentMd5;
      const flushed = await client.run('flush', this.path, options.signal, async ({ signal }) => {
        if (lean !== undefined) {
          const res = await lean.flush(this.tempFs, options.size, md5, signal);
          const modified = res.headers.get('last-modified');
          return { ...res, lastModified: modified === undefined ? undefined : new Date(modified) };
        }
        return client.fileClient(this.tempFs).flush(options.size, { abortSignal: signal, close: true, ...(md5 === undefined ? {} : { pathHttpHeaders: { contentMD5: md5 } }) });
      });
      await this.host.moveFsPath(this.tempFs, this.host.toFs(this.path), this.options.overwrite === true, this.path, options.signal);
      this.state = 'done';
      // No read-back: the flush checked that the appends cover [0, size). The Content-MD5 given at the
      // flush is recorded on trust (the service does not check it), so it is not vouched for here.
      return { path: this.path, kind: 'file', size: options.size, mtimeMs: flushed.lastModified?.getTime() ?? Date.now() };
    } catch (err) {
      if (this.state !== 'done') {
        this.state = 'aborted';
        await this.deleteTemp();
      }
      throw err;
    }
  }

  async abort(): Promise<void> {
    if (this.state === 'done' || this.state === 'aborted') return;
    this.state = 'aborted';
    await Promise.allSettled([...this.inflight]);
    await this.deleteTemp();
  }

  private async deleteTemp(): Promise<void> {
    const file = this.host.client.fileClient(this.tempFs);
    try {
      await this.host.client.run('delete', this.path, undefined, ({ signal }) => file.delete(false, { abortSignal: signal }));
    } catch (err) {
      if (!isStorageError(err, 'not-found')) throw err;
    }
  }
}
