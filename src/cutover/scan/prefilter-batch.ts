import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { decodeText, isBinary } from './file-text.js';
import { createAnyCaseFinder, type AnyCaseFinder } from './literal-scan.js';

/**
 * The read-and-prefilter half of a scan: reads a batch of files and keeps only those that hold a
 * prefilter literal (with their bytes), without the rules. It imports no rule, parser or mapping, so a
 * worker thread that runs it loads and compiles little (scan-worker.ts); the rules run on the thread
 * that owns the scan (scan-batch.ts).
 */

/** What the prefilter looks for: literals in any letter case and exact ones (engine.ts builds them from the rules). */
export interface PrefilterLiterals {
  /** Lower case; none contains another. */
  anyCase: string[];
  /** Exact case; none contains another or (in any case) an anyCase literal. */
  exact: string[];
}

/** A file of the batch (its index) that passed the prefilter (or must go to the rules anyway), with its own copy of the bytes. */
export interface PassedFile {
  index: number;
  bytes: Uint8Array<ArrayBuffer>;
}

/**
 * A prefiltered batch, by index into the batch's paths: how many were read as text, those skipped
 * (and why), those for the rules, each in batch order.
 */
export interface PrefilterResult {
  scanned: number;
  skipped: { index: number; reason: string }[];
  passed: PassedFile[];
}

/** `adl` -> `[aA][dD][lL]`: case-insensitive without the `i` flag, which keeps V8 on its fast path. */
function caseClasses(literal: string): string {
  let out = '';
  for (const ch of literal) {
    const up = ch.toUpperCase();
    out += up !== ch ? `[${ch}${up}]` : ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return out;
}

/**
 * The any-case literals as one alternation of two-letter classes, which V8 runs in one pass (the `i`
 * flag, or one alternation that also holds the exact literals, was 2-3x slower: bench/cutover/README.md).
 */
export function prefilterPattern(literals: PrefilterLiterals): RegExp {
  return new RegExp(literals.anyCase.map(caseClasses).join('|'));
}

/** U-SQL scripts always go to the rules (they may hold only relative paths). */
export function alwaysAnalyzed(path: string): boolean {
  return path.toLowerCase().endsWith('.usql');
}

/** True when a text (a file's Latin-1 view or decoded text) holds a prefilter literal, or its file must go to the rules anyway. */
export function textPasses(text: string, path: string, literals: PrefilterLiterals, pattern: RegExp): boolean {
  return pattern.test(text) || literals.exact.some((l) => text.includes(l)) || alwaysAnalyzed(path);
}

function hasUtf16Bom(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff));
}

/**
 * The bytes of one file seen on its own (a UTF-16 file, or one too large for the chunk): a UTF-16
 * file with a BOM is decoded first (its literals are not ASCII bytes), anything else is searched as
 * Latin-1 (one character per byte, so every ASCII literal is found as it is in the bytes).
 */
export function bytesPass(buf: Buffer, path: string, literals: PrefilterLiterals, pattern: RegExp): boolean {
  return textPasses(hasUtf16Bom(buf) ? decodeText(buf).text : buf.toString('latin1'), path, literals, pattern);
}

export function readFailure(error: unknown): string {
  return `cannot read (${(error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : 'error')})`;
}

export const BINARY_REASON = 'binary (NUL byte in the first 8 KiB)';

export function tooLargeReason(maxBytes: number, size: number): string {
  return `larger than the ${maxBytes} byte limit (${size} bytes); raise --max-file-size to scan it`;
}

const CHUNK_BYTES = 4 << 20;

/** A copy with its own ArrayBuffer (which a worker can transfer instead of copying again). */
function copyOf(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(bytes.length);
  out.set(bytes);
  return out;
}

interface Span {
  index: number;
  start: number;
  end: number;
}

/** The index of the span holding offset `at` (spans are sorted and disjoint; `at` is inside one or a separator). */
function spanAt(spans: readonly Span[], at: number): number {
  let lo = 0;
  let hi = spans.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((spans[mid] as Span).start <= at) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * One thread's prefilter: a 4 MiB chunk that files are read into back to back (each followed by a
 * line feed, which no literal contains, so no match spans two files), searched once per chunk. The
 * any-case literals are found by the WebAssembly SIMD finder (literal-scan.ts), whose memory is the
 * chunk, or where WebAssembly SIMD is missing by `pattern` over a Latin-1 view of the chunk; the exact
 * literals (few and long) by Buffer.indexOf.
 */
export class ChunkPrefilter {
  private readonly pattern: RegExp;
  private readonly finder: AnyCaseFinder | undefined;
  private readonly chunk: Buffer;
  /** One buffer for files too large for the chunk, grown as needed. */
  private scratch: Buffer = Buffer.allocUnsafe(0);

  /** `simd: false` uses the regular-expression path even where WebAssembly SIMD is there (tests compare the two). */
  constructor(private readonly literals: PrefilterLiterals, options: { simd?: boolean } = {}) {
    this.pattern = prefilterPattern(literals);
    this.finder = options.simd === false ? undefined : createAnyCaseFinder(literals.anyCase, CHUNK_BYTES);
    this.chunk = this.finder?.buffer ?? Buffer.allocUnsafe(CHUNK_BYTES);
  }

  /** Whether the SIMD finder is in use (else the regular-expression fallback). */
  get simd(): boolean {
    return this.finder !== undefined;
  }

  /**
   * Reads a file into the chunk at `at` if it fits: the bytes read, or undefined when it does not fit
   * in the room left or is over `maxBytes` (the caller then tries an empty chunk, then the one-file
   * path, which says why). Reads until a read returns 0 (end of file), as ripgrep's read loop does,
   * with no fstat: a second read sees the end instead (the same number of system calls, no Stats object
   * with its four Dates), and a file system that reports no sizes needs no special case. A file that
   * grows meanwhile is scanned as far as it was read; rewrite --apply then refuses it (its bytes no
   * longer hash to what was scanned).
   */
  private readInto(abs: string, at: number, maxBytes: number): number | undefined {
    const chunk = this.chunk;
    // One byte of room stays for the separator after the file.
    const limit = Math.min(chunk.length - at - 1, maxBytes + 1);
    const fd = openSync(abs, 'r');
    try {
      let n = 0;
      for (let got = -1; got !== 0 && n < limit; n += got) got = readSync(fd, chunk, at + n, limit - n, null);
      return n < limit ? n : undefined;
    } finally {
      closeSync(fd);
    }
  }

  /**
   * Reads a whole file on its own unless it is over the limit (open, fstat, read to the end). The bytes
   * are in the scratch buffer, valid until the next call.
   */
  private readAlone(abs: string, maxBytes: number): Buffer | { tooLarge: number } {
    const fd = openSync(abs, 'r');
    try {
      const { size } = fstatSync(fd);
      if (size > maxBytes) return { tooLarge: size };
      if (size + 1 > this.scratch.length) this.scratch = Buffer.allocUnsafe(Math.max(size + 1, this.scratch.length * 2, 1 << 20));
      const buf = this.scratch;
      let n = 0;
      // Read to the end even if the file grew since fstat (up to the buffer), and stop at EOF.
      for (let got = -1; got !== 0 && n < buf.length; n += got) got = readSync(fd, buf, n, buf.length - n, null);
      if (n >= buf.length) return readFileSync(abs);
      return buf.subarray(0, n);
    } finally {
      closeSync(fd);
    }
  }

  /** Marks each span holding a prefilter literal; the search resumes at the next file after a match. */
  private mark(spans: readonly Span[], used: number, marked: Uint8Array): void {
    const finder = this.finder;
    if (finder !== undefined) {
      for (let at = finder.find(0, used); at >= 0; ) {
        const k = spanAt(spans, at);
        marked[k] = 1;
        at = finder.find((spans[k] as Span).end, used);
      }
    } else {
      const view = this.chunk.toString('latin1', 0, used);
      const re = new RegExp(this.pattern.source, 'g');
      for (let m = re.exec(view); m !== null; m = re.exec(view)) {
        const k = spanAt(spans, m.index);
        marked[k] = 1;
        re.lastIndex = (spans[k] as Span).end;
      }
    }
    const bytes = this.chunk.subarray(0, used);
    for (const literal of this.literals.exact) {
      for (let at = bytes.indexOf(literal, 0, 'latin1'); at >= 0; ) {
        const k = spanAt(spans, at);
        marked[k] = 1;
        at = bytes.indexOf(literal, (spans[k] as Span).end, 'latin1');
      }
    }
  }

  private flush(paths: readonly string[], spans: readonly Span[], used: number, out: PrefilterResult): void {
    if (spans.length === 0) return;
    const marked = new Uint8Array(spans.length);
    this.mark(spans, used, marked);
    for (let k = 0; k < spans.length; k += 1) {
      const s = spans[k] as Span;
      if (marked[k] === 1 || alwaysAnalyzed(paths[s.index] as string)) out.passed.push({ index: s.index, bytes: copyOf(this.chunk.subarray(s.start, s.end)) });
    }
  }

  /** A file that does not fit in the chunk: read, checked and prefiltered on its own. */
  private alone(abs: string, index: number, maxBytes: number, out: PrefilterResult): void {
    let buf: Buffer | { tooLarge: number };
    try {
      buf = this.readAlone(abs, maxBytes);
    } catch (error) {
      out.skipped.push({ index, reason: readFailure(error) });
      return;
    }
    if (!Buffer.isBuffer(buf)) {
      out.skipped.push({ index, reason: tooLargeReason(maxBytes, buf.tooLarge) });
      return;
    }
    if (isBinary(buf)) {
      out.skipped.push({ index, reason: BINARY_REASON });
      return;
    }
    out.scanned += 1;
    if (bytesPass(buf, abs, this.literals, this.pattern)) out.passed.push({ index, bytes: copyOf(buf) });
  }

  /**
   * Reads and prefilters a batch of files (absolute paths) in order, synchronously. Every file ends up
   * counted in `scanned` or listed in `skipped` (unreadable, over `maxBytes`, binary); the scanned
   * files that hold a literal, U-SQL scripts and the UTF-16 files that hold one (decoded to look) are
   * `passed`.
   */
  run(paths: readonly string[], maxBytes: number): PrefilterResult {
    const chunk = this.chunk;
    const out: PrefilterResult = { scanned: 0, skipped: [], passed: [] };
    let spans: Span[] = [];
    let used = 0;
    for (let index = 0; index < paths.length; index += 1) {
      const abs = paths[index] as string;
      let n: number | undefined;
      try {
        n = this.readInto(abs, used, maxBytes);
        if (n === undefined && spans.length > 0) {
          this.flush(paths, spans, used, out);
          spans = [];
          used = 0;
          n = this.readInto(abs, 0, maxBytes);
        }
      } catch (error) {
        out.skipped.push({ index, reason: readFailure(error) });
        continue;
      }
      if (n === undefined) {
        this.alone(abs, index, maxBytes, out);
        continue;
      }
      const bytes = chunk.subarray(used, used + n);
      if (isBinary(bytes)) {
        out.skipped.push({ index, reason: BINARY_REASON });
        continue;
      }
      out.scanned += 1;
      if (hasUtf16Bom(bytes)) {
        // UTF-16: the literals are not ASCII bytes there; decode and look on its own.
        if (bytesPass(bytes, abs, this.literals, this.pattern)) out.passed.push({ index, bytes: copyOf(bytes) });
        continue;
      }
      spans.push({ index, start: used, end: used + n });
      chunk[used + n] = 0x0a;
      used += n + 1;
    }
    this.flush(paths, spans, used, out);
    // A UTF-16 file passes as soon as it is read, before the chunk holding the files read before it is
    // searched: back to batch order, so findings come out in walk order.
    out.passed.sort((x, y) => x.index - y.index);
    return out;
  }
}
