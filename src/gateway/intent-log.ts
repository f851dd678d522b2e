import { closeSync, existsSync, ftruncateSync, fstatSync, openSync, readFileSync, writeSync } from 'node:fs';

/**
 * The mirror's write-ahead intent log: before a Gen1 write is forwarded, its intents are appended to a
 * file next to the job database with one write() (about 10 µs; a committed SQLite row costs 0.2-0.3 ms
 * of a loaded machine's time). Once Gen1 has answered, the intents go into the journal table in
 * batches (one transaction per 10 ms for all requests answered meanwhile), and a log file whose every
 * line is in the table is truncated once past 256 KiB. Opening the journal replays whatever a killed process left in the log.
 *
 * Why this is as durable as a row: write() returns once the bytes are in the kernel's page cache, so a
 * SIGKILLed process loses nothing (the guarantee the mirror gives, like SQLite in WAL mode with
 * synchronous=NORMAL, which does not fsync each commit either). A line torn by a power cut belongs to
 * a request that was never forwarded, and is skipped. A line replayed twice (killed between the insert
 * and the truncation) only makes the applier reconcile a path twice, which is harmless.
 *
 * Two files alternate so that one can be truncated while the other takes new lines under steady load.
 */

export interface LoggedIntent {
  pair: string;
  op: string;
  path: string;
  path2: string;
  /** ms since epoch, when logged. */
  at: number;
}

interface LogFile {
  path: string;
  fd: number;
  bytes: number;
  /** Lines written and not yet in the table. */
  outstanding: number;
}

const ROTATE_BYTES = 4 * 1024 * 1024;
/** A settled file is emptied only past this size: a truncate per request would cost more than the write. */
const TRUNCATE_BYTES = 256 * 1024;

export class IntentLog {
  private readonly files: [LogFile, LogFile];
  private current = 0;

  constructor(base: string) {
    const open = (path: string): LogFile => {
      const fd = openSync(path, 'a+');
      return { path, fd, bytes: fstatSync(fd).size, outstanding: 0 };
    };
    this.files = [open(`${base}-a`), open(`${base}-b`)];
  }

  /** What earlier processes left (both files), parsed; torn or foreign lines are skipped. */
  static leftover(base: string): LoggedIntent[] {
    const out: LoggedIntent[] = [];
    for (const path of [`${base}-a`, `${base}-b`]) {
      if (!existsSync(path)) continue;
      for (const line of readFileSync(path, 'utf8').split('\n')) {
        if (line === '') continue;
        try {
          const v = JSON.parse(line) as Partial<LoggedIntent>;
          if (typeof v.pair === 'string' && typeof v.op === 'string' && typeof v.path === 'string' && typeof v.path2 === 'string' && typeof v.at === 'number') {
            out.push({ pair: v.pair, op: v.op, path: v.path, path2: v.path2, at: v.at });
          }
        } catch {
          // A torn last line: its request was never forwarded.
        }
      }
    }
    return out;
  }

  /** Empties both files (after their lines are in the table). */
  truncateAll(): void {
    for (const f of this.files) {
      ftruncateSync(f.fd, 0);
      f.bytes = 0;
      f.outstanding = 0;
    }
  }

  /** Appends intents in one write; returns which file holds them (for `settled`). Durable on return. */
  append(intents: readonly LoggedIntent[]): number {
    let index = this.current;
    const file = this.files[index];
    const other = this.files[1 - index];
    if (file !== undefined && other !== undefined && file.bytes > ROTATE_BYTES && other.outstanding === 0) {
      ftruncateSync(other.fd, 0);
      other.bytes = 0;
      index = 1 - index;
      this.current = index;
    }
    const target = this.files[index];
    if (target === undefined) throw new Error('intent log file missing');
    const text = intents.map((i) => `${JSON.stringify(i)}\n`).join('');
    const buf = Buffer.from(text, 'utf8');
    let done = 0;
    while (done < buf.length) done += writeSync(target.fd, buf, done, buf.length - done);
    target.bytes += buf.length;
    target.outstanding += intents.length;
    return index;
  }

  /** `count` lines of file `index` are now in the table; a file with none outstanding is emptied. */
  settled(index: number, count: number): void {
    const file = this.files[index];
    if (file === undefined) return;
    file.outstanding = Math.max(0, file.outstanding - count);
    if (file.outstanding === 0 && file.bytes > TRUNCATE_BYTES) {
      ftruncateSync(file.fd, 0);
      file.bytes = 0;
    }
  }

  close(): void {
    for (const f of this.files) closeSync(f.fd);
  }
}
