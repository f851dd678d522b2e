import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import type { CutoverMapping } from '../mapping.js';
import { analyzeText } from './analyze.js';
import { passesPrefilter } from './engine.js';
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
  const decoded = decodeText(buf);
  const analysis = analyzeText(decoded.text, f.display, options.mapping);
  for (const finding of analysis.findings) into.findings.push(finding);
  if (options.collectRewrites && analysis.rewritten !== undefined) {
    into.rewrites.push({ file: f.display, abs: f.abs, sha256: createHash('sha256').update(buf).digest('hex'), encoding: decoded.encoding, before: decoded.text, after: analysis.rewritten, edits: analysis.edits });
  }
}

/** Reads and scans a batch of files in order (synchronously). */
export function scanBatch(files: readonly WalkedFile[], options: BatchOptions): BatchResult {
  const out: BatchResult = { scanned: 0, skipped: [], findings: [], rewrites: [] };
  for (const f of files) {
    let buf: Buffer | { tooLarge: number };
    try {
      buf = readBytesLimitedSync(f.abs, options.maxBytes);
    } catch (error) {
      out.skipped.push({ file: f.display, reason: readFailure(error) });
      continue;
    }
    scanBytes(f, buf, options, out);
  }
  return out;
}
