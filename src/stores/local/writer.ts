import { randomBytes } from 'node:crypto';
import { open, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Entry } from '../../core/entry.js';
import { StorageError, throwIfCancelled } from '../../core/errors.js';
import type { CallOptions, ChunkedWriter, CommitOptions } from '../../core/store.js';
import { invalidArgument, mapOsError, PART_PREFIX } from './errors.js';

/** Moves a finished temp file into place and records metadata; returns the new entry. */
export type FinishCommit = (tempPath: string, options: CommitOptions) => Promise<Entry>;

/** Throws integrity-mismatch unless the written intervals cover exactly [0, size). */
export function checkCoverage(path: string, intervals: ReadonlyArray<readonly [number, number]>, size: number): void {
  const sorted = intervals.filter(([s, e]) => e > s).sort((a, b) => a[0] - b[0]);
  let end = 0;
  for (const [start, stop] of sorted) {
    if (start > end) {
      throw new StorageError('integrity-mismatch', `Commit of '${path}' refused: no bytes were written at offsets ${end}-${start - 1}; write every chunk before committing.`, { path });
    }
    end = Math.max(end, stop);
  }
  if (end !== size) {
    throw new StorageError('integrity-mismatch', `Commit of '${path}' refused: ${end} bytes were written but the commit declares ${size}; check the chunk offsets and the declared size.`, { path });
  }
}

/**
 * Writes into a hidden temp file (`.lakeshift-part-<random>`) with positional writes, so chunks may
 * arrive out of order and concurrently. Commit fsyncs and hands the file to the store, which renames it
 * into place: the target is never half-written.
 */
export class LocalWriter implements ChunkedWriter {
  private readonly intervals: Array<readonly [number, number]> = [];
  private state: 'open' | 'committing' | 'committed' | 'closed' = 'open';

  private constructor(
    readonly path: string,
    private readonly tempPath: string,
    private handle: FileHandle | undefined,
    private readonly maxChunkSize: number,
    private readonly fsync: boolean,
    private readonly finish: FinishCommit,
  ) {}

  /** Creates the temp file in `tempDir` (mode 0666 before the process umask). */
  static async create(path: string, tempDir: string, maxChunkSize: number, fsync: boolean, finish: FinishCommit): Promise<LocalWriter> {
    const tempPath = join(tempDir, `${PART_PREFIX}${randomBytes(8).toString('hex')}`);
    try {
      const handle = await open(tempPath, 'wx', 0o666);
      return new LocalWriter(path, tempPath, handle, maxChunkSize, fsync, finish);
    } catch (e) {
      throw mapOsError(e, path);
    }
  }

  private checkOpen(): FileHandle {
    if (this.state !== 'open' || this.handle === undefined) {
      throw invalidArgument(this.path, `the writer is already ${this.state === 'committed' ? 'committed' : 'closed'}; start a new writer`);
    }
    return this.handle;
  }

  async write(offset: number, data: Uint8Array, options: CallOptions = {}): Promise<void> {
    throwIfCancelled(options.signal, this.path);
    const handle = this.checkOpen();
    if (!Number.isSafeInteger(offset) || offset < 0) throw invalidArgument(this.path, `offset ${offset} is not a non-negative integer`);
    if (data.length > this.maxChunkSize) throw invalidArgument(this.path, `a chunk of ${data.length} bytes exceeds the ${this.maxChunkSize}-byte limit; write smaller chunks`);
    let done = 0;
    try {
      while (done < data.length) {
        const { bytesWritten } = await handle.write(data, done, data.length - done, offset + done);
        done += bytesWritten;
      }
    } catch (e) {
      throw mapOsError(e, this.path);
    }
    this.intervals.push([offset, offset + data.length]);
  }

  async commit(options: CommitOptions): Promise<Entry> {
    throwIfCancelled(options.signal, this.path);
    const handle = this.checkOpen();
    this.state = 'committing';
    try {
      checkCoverage(this.path, this.intervals, options.size);
      if (this.fsync) await handle.sync();
      await handle.close();
      this.handle = undefined;
      const entry = await this.finish(this.tempPath, options);
      this.state = 'committed';
      return entry;
    } catch (e) {
      await this.discard();
      throw mapOsError(e, this.path);
    }
  }

  async abort(): Promise<void> {
    if (this.state === 'committed') return;
    await this.discard();
  }

  private async discard(): Promise<void> {
    this.state = 'closed';
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close().catch(() => undefined);
    await unlink(this.tempPath).catch(() => undefined);
  }
}
