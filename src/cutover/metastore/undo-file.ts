import { createReadStream } from 'node:fs';
import { access, open, type FileHandle } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { StorageError } from '../../core/errors.js';

/**
 * The undo file: JSON lines. A header, one line per row with its old and new value (enough to
 * restore exactly), and a trailer that marks the file complete. `--apply` writes and syncs it before
 * it changes anything; `undo` reads it back.
 */
export const UndoHeaderSchema = z.object({
  lakeshift: z.literal('metastore-undo'),
  version: z.literal(1),
  metastore: z.string(),
  dialect: z.enum(['postgres', 'mysql', 'mssql']),
  schema_version: z.string(),
  created_at: z.string(),
});
export type UndoHeader = z.infer<typeof UndoHeaderSchema>;

export const UndoRowSchema = z.object({
  table: z.string(),
  column: z.string(),
  key: z.record(z.string(), z.string()),
  object: z.string(),
  old: z.string(),
  new: z.string(),
});
export type UndoRow = z.infer<typeof UndoRowSchema>;

const TrailerSchema = z.object({ end: z.literal(true), rows: z.number().int().nonnegative() });

/** Refuses an undo file that already exists (an undo file is never overwritten). */
export async function assertUndoFileAbsent(path: string): Promise<void> {
  const exists = await access(path).then(() => true, () => false);
  if (exists) throw new StorageError('invalid-argument', `--undo-file ${path} already exists; lakeshift never overwrites an undo file. Choose a new file name.`);
}

/** Writes an undo file in large chunks; `finish` adds the trailer, syncs and closes. */
export class UndoFileWriter {
  private buffer: string[] = [];
  private size = 0;
  private rows = 0;
  private constructor(private readonly handle: FileHandle, readonly path: string) {}

  /** Creates the file (fails when it exists) and writes the header. */
  static async create(path: string, header: UndoHeader): Promise<UndoFileWriter> {
    let handle: FileHandle;
    try {
      handle = await open(path, 'wx');
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'EEXIST') throw new StorageError('invalid-argument', `--undo-file ${path} already exists; lakeshift never overwrites an undo file. Choose a new file name.`);
      throw new StorageError('invalid-argument', `Cannot create --undo-file ${path}: ${(error as Error).message}.`);
    }
    const w = new UndoFileWriter(handle, path);
    await w.line(header);
    return w;
  }

  private async line(value: unknown): Promise<void> {
    const s = `${JSON.stringify(value)}\n`;
    this.buffer.push(s);
    this.size += s.length;
    if (this.size >= 1 << 20) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.buffer.length === 0) return;
    const chunk = this.buffer.join('');
    this.buffer = [];
    this.size = 0;
    await this.handle.write(chunk);
  }

  async add(row: UndoRow): Promise<void> {
    this.rows += 1;
    await this.line(row);
  }

  async finish(): Promise<number> {
    await this.line({ end: true, rows: this.rows });
    await this.flush();
    await this.handle.sync();
    await this.handle.close();
    return this.rows;
  }

  /** Closes without the trailer (the file then says it is incomplete). */
  async abandon(): Promise<void> {
    await this.flush().catch(() => undefined);
    await this.handle.close().catch(() => undefined);
  }
}

function parseLine<T>(schema: z.ZodType<T>, line: string, path: string, n: number): T {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new StorageError('invalid-argument', `${path} line ${n} is not JSON; this is not a lakeshift metastore undo file.`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new StorageError('invalid-argument', `${path} line ${n} is not a lakeshift metastore undo record (${parsed.error.issues[0]?.message ?? 'invalid'}).`);
  return parsed.data;
}

/** Reads the header and checks the trailer (the file is read twice; it is never held in memory). */
export async function readUndoHeader(path: string): Promise<{ header: UndoHeader; rows: number }> {
  let header: UndoHeader | undefined;
  let lastLine = '';
  let n = 0;
  try {
    const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
    for await (const line of lines) {
      n += 1;
      if (n === 1) header = parseLine(UndoHeaderSchema, line, path, 1);
      if (line !== '') lastLine = line;
    }
  } catch (error) {
    if (error instanceof StorageError) throw error;
    throw new StorageError('invalid-argument', `Cannot read undo file ${path}: ${(error as Error).message}.`);
  }
  if (header === undefined) throw new StorageError('invalid-argument', `${path} is empty; this is not a lakeshift metastore undo file.`);
  const trailer = TrailerSchema.safeParse((() => { try { return JSON.parse(lastLine) as unknown; } catch { return undefined; } })());
  if (!trailer.success) {
    throw new StorageError('invalid-argument', `${path} is incomplete (no end marker): the --apply that wrote it stopped before changing any row, so there is nothing to undo.`);
  }
  return { header, rows: trailer.data.rows };
}

/** Streams the rows of an undo file in order, `batchSize` at a time. */
export async function* readUndoRows(path: string, batchSize: number): AsyncGenerator<UndoRow[]> {
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  let batch: UndoRow[] = [];
  let n = 0;
  for await (const line of lines) {
    n += 1;
    if (n === 1 || line === '' || line.startsWith('{"end":')) continue;
    batch.push(parseLine(UndoRowSchema, line, path, n));
    if (batch.length >= batchSize) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}
