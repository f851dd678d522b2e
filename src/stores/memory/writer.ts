import { StorageError, throwIfCancelled } from '../../core/errors.js';
import type { CallOptions, ChunkedWriter, CommitOptions } from '../../core/store.js';
import type { Entry } from '../../core/entry.js';
import { invalidArgument } from './errors.js';

/** Where a finished writer hands its bytes (the store decides visibility and metadata). */
export type CommitFile = (data: Uint8Array, options: CommitOptions) => Entry;

/**
 * Checks that chunks cover exactly [0, size) and assembles them (later writes win on overlaps).
 * Throws StorageError('integrity-mismatch') for gaps, bytes past `size` or a short total.
 */
export function assembleChunks(path: string, chunks: ReadonlyArray<{ offset: number; data: Uint8Array }>, size: number): Uint8Array {
  const sorted = [...chunks].filter((c) => c.data.length > 0).sort((a, b) => a.offset - b.offset);
  let end = 0;
  for (const c of sorted) {
    if (c.offset > end) {
      throw new StorageError('integrity-mismatch', `Commit of '${path}' refused: no bytes were written at offsets ${end}-${c.offset - 1}; write every chunk before committing.`, { path });
    }
    end = Math.max(end, c.offset + c.data.length);
  }
  if (end !== size) {
    throw new StorageError('integrity-mismatch', `Commit of '${path}' refused: ${end} bytes were written but the commit declares ${size}; check the chunk offsets and the declared size.`, { path });
  }
  const out = new Uint8Array(size);
  for (const c of chunks) out.set(c.data, c.offset);
  return out;
}

/** Buffers chunks in memory; nothing is visible until commit. */
export class MemoryWriter implements ChunkedWriter {
  private chunks: Array<{ offset: number; data: Uint8Array }> = [];
  private state: 'open' | 'committed' | 'closed' = 'open';

  constructor(
    readonly path: string,
    private readonly maxChunkSize: number,
    private readonly commitFile: CommitFile,
  ) {}

  private checkOpen(): void {
    if (this.state !== 'open') throw invalidArgument(this.path, `the writer is already ${this.state === 'committed' ? 'committed' : 'aborted or failed'}; start a new writer`);
  }

  async write(offset: number, data: Uint8Array, options: CallOptions = {}): Promise<void> {
    throwIfCancelled(options.signal, this.path);
    this.checkOpen();
    if (!Number.isSafeInteger(offset) || offset < 0) throw invalidArgument(this.path, `offset ${offset} is not a non-negative integer`);
    if (data.length > this.maxChunkSize) throw invalidArgument(this.path, `a chunk of ${data.length} bytes exceeds the ${this.maxChunkSize}-byte limit; write smaller chunks`);
    this.chunks.push({ offset, data: data.slice() });
  }

  async commit(options: CommitOptions): Promise<Entry> {
    throwIfCancelled(options.signal, this.path);
    this.checkOpen();
    const chunks = this.chunks;
    this.chunks = [];
    this.state = 'closed';
    const entry = this.commitFile(assembleChunks(this.path, chunks, options.size), options);
    this.state = 'committed';
    return entry;
  }

  async abort(): Promise<void> {
    if (this.state === 'open') this.state = 'closed';
    this.chunks = [];
  }
}
