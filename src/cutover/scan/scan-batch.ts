import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import type { CutoverMapping } from '../mapping.js';
import { analyzeText } from './analyze.js';
import { PREFILTER, PREFILTER_LITERALS, passesPrefilter } from './engine.js';
import { decodeText, isBinary, prefilterView, type TextEncodingName } from './file-text.js';
import type { Finding, SkippedFile, TextEdit } from './types.js';
import type { WalkedFile } from './walk.js';

/** One scanned file with something to rewrite: what apply needs to check and write it. */
export interface FileRewrite {
  file: string;
  abs: string;
  /** SHA-256 of the bytes the scan read; apply refuses the file if they changed. */
  sha256: string;
  encoding: TextEncodingName;
  before: string;
  after: string;
  edits: TextEdit[];
}

export interface BatchOptions {
  mapping: CutoverMapping | undefined;
  maxBytes: number;
  collectRewrites: boolean;
}

export interface BatchResult {
  scanned: number;
  skipped: SkippedFile[];
  findings: Finding[];
  rewrites: FileRewrite[];
}

/** One read buffer per thread, grown as needed: most files are small and most never leave the prefilter. */
let scratch = Buffer.allocUnsafe(1 << 20);

/**
 * The same as an async open/fstat/read, synchronously: for many small files a blocking read is several
 * times cheaper than a round trip through libuv's thread pool, and a batch has nothing else to do.
 * The bytes are in a shared scratch buffer, valid until the next call (copy them to keep them).
 */
export function readBytesLimitedSync(abs: string, maxBytes: number): Buffer | { tooLarge: number } {
  const fd = openSync(abs, 'r');
  try {
    const { size } = fstatSync(fd);
    if (size > maxBytes) return { tooLarge: size };
    if (size + 1 > scratch.length) scratch = Buffer.allocUnsafe(Math.max(size + 1, scratch.length * 2));
    let n = 0;
    // Read to the end even if the file grew since fstat (up to the buffer), and stop at EOF.
    for (let got = -1; got !== 0 && n < scratch.length; n += got) got = readSync(fd, scratch, n, scratch.length - n, null);
    if (n >= scratch.length) return readFileSync(abs);
    return scratch.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

export function readFailure(error: unknown): string {
  return `cannot read (${(error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : 'error')})`;
}

/** Rules and the rewrite for one text file that passed the prefilter (its own copy of the bytes). */
function analyzeFile(f: WalkedFile, buf: Buffer, options: BatchOptions, into: BatchResult): void {
  const decoded = decodeText(buf);
  const analysis = analyzeText(decoded.text, f.display, options.mapping);
  for (const finding of analysis.findings) into.findings.push(finding);
  if (options.collectRewrites && analysis.rewritten !== undefined) {
    into.rewrites.push({ file: f.display, abs: f.abs, sha256: createHash('sha256').update(buf).digest('hex'), encoding: decoded.encoding, before: decoded.text, after: analysis.rewritten, edits: analysis.edits });
  }
}

/** Scans one file's bytes into `into` (skip reasons, findings, the rewrite if asked). */
export function scanBytes(f: WalkedFile, bytes: Buffer | { tooLarge: number }, options: BatchOptions, into: BatchResult): void {
  let buf = bytes;
  if (!Buffer.isBuffer(buf)) {
    into.skipped.push({ file: f.display, reason: `larger than the ${options.maxBytes} byte limit (${buf.tooLarge} bytes); raise --max-file-size to scan it` });
    return;
  }
  if (isBinary(buf)) {
    into.skipped.push({ file: f.display, reason: 'binary (NUL byte in the first 8 KiB)' });
    return;
  }
  into.scanned += 1;
  if (!passesPrefilter(prefilterView(buf), f.abs)) return;
  if (buf.buffer === scratch.buffer) buf = Buffer.from(buf);
  analyzeFile(f, buf, options, into);
}

const CHUNK_BYTES = 4 << 20;
const chunk = Buffer.allocUnsafe(CHUNK_BYTES);

interface Span {
  f: WalkedFile;
  start: number;
  end: number;
}

/**
 * Reads a file into the chunk at `at` if it fits: the bytes read, or undefined when it does not fit
 * (or is over the limit; the caller then takes the one-file path, which says why).
 */
function readInto(abs: string, at: number, maxBytes: number): number | undefined {
  const fd = openSync(abs, 'r');
  try {
    const { size } = fstatSync(fd);
    if (size > maxBytes || at + size + 1 > chunk.length) return undefined;
    // Up to the size fstat gave (no extra read to see EOF): a file that grows meanwhile is scanned as
    // it was, and rewrite --apply refuses it (its bytes no longer hash to what was scanned).
    // A size of 0 may be a file system that does not report sizes: read what is there, to the room left.
    const want = size === 0 ? chunk.length - at - 1 : size;
    let n = 0;
    for (let got = -1; got !== 0 && n < want; n += got) got = readSync(fd, chunk, at + n, want - n, null);
    return size === 0 && n >= want ? undefined : n;
  } finally {
    closeSync(fd);
  }
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
 * The prefilter over a whole chunk of files at once: one Latin-1 view, one regular-expression pass for
 * the any-case literals and one indexOf pass per exact literal, for up to 4 MiB of files instead of
 * one each (fewer, larger strings for the collector). A match marks its file and the search resumes at
 * the next file. Marked files (and .usql scripts) go to the rules, in walk order.
 */
function scanChunk(spans: readonly Span[], used: number, options: BatchOptions, out: BatchResult): void {
  if (spans.length === 0) return;
  const view = chunk.toString('latin1', 0, used);
  const marked = new Uint8Array(spans.length);
  const re = new RegExp(PREFILTER.source, 'g');
  for (let m = re.exec(view); m !== null; m = re.exec(view)) {
    const k = spanAt(spans, m.index);
    marked[k] = 1;
    re.lastIndex = (spans[k] as Span).end;
  }
  for (const literal of PREFILTER_LITERALS.exact) {
    for (let at = view.indexOf(literal); at >= 0; ) {
      const k = spanAt(spans, at);
      marked[k] = 1;
      at = view.indexOf(literal, (spans[k] as Span).end);
    }
  }
  for (let k = 0; k < spans.length; k += 1) {
    const s = spans[k] as Span;
    if (marked[k] === 1 || s.f.abs.toLowerCase().endsWith('.usql')) analyzeFile(s.f, Buffer.from(chunk.subarray(s.start, s.end)), options, out);
  }
}

/** Reads and scans a batch of files in order (synchronously). */
export function scanBatch(files: readonly WalkedFile[], options: BatchOptions): BatchResult {
  const out: BatchResult = { scanned: 0, skipped: [], findings: [], rewrites: [] };
  let spans: Span[] = [];
  let used = 0;
  const one = (f: WalkedFile): void => {
    let buf: Buffer | { tooLarge: number };
    try {
      buf = readBytesLimitedSync(f.abs, options.maxBytes);
    } catch (error) {
      out.skipped.push({ file: f.display, reason: readFailure(error) });
      return;
    }
    scanBytes(f, buf, options, out);
  };
  for (const f of files) {
    let n: number | undefined;
    try {
      n = readInto(f.abs, used, options.maxBytes);
      if (n === undefined && spans.length > 0) {
        scanChunk(spans, used, options, out);
        spans = [];
        used = 0;
        n = readInto(f.abs, 0, options.maxBytes);
      }
    } catch (error) {
      out.skipped.push({ file: f.display, reason: readFailure(error) });
      continue;
    }
    if (n === undefined) {
      one(f);
      continue;
    }
    const bytes = chunk.subarray(used, used + n);
    if (isBinary(bytes)) {
      out.skipped.push({ file: f.display, reason: 'binary (NUL byte in the first 8 KiB)' });
      continue;
    }
    out.scanned += 1;
    if (bytes.length >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))) {
      // UTF-16: the Latin-1 view would not show the text; prefilter it on its own.
      if (passesPrefilter(prefilterView(bytes), f.abs)) analyzeFile(f, Buffer.from(bytes), options, out);
      continue;
    }
    spans.push({ f, start: used, end: used + n });
    // A separator the prefilter cannot match across keeps two files' bytes from forming one match.
    chunk[used + n] = 0x0a;
    used += n + 1;
  }
  scanChunk(spans, used, options, out);
  return out;
}
