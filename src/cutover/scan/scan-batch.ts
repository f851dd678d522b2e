import { createHash } from 'node:crypto';
import type { CutoverMapping } from '../mapping.js';
import { analyzeText } from './analyze.js';
import { PREFILTER, PREFILTER_LITERALS } from './engine.js';
import { decodeText, isBinary, type TextEncodingName } from './file-text.js';
import { BINARY_REASON, bytesPass, ChunkPrefilter, tooLargeReason, type PrefilterResult } from './prefilter-batch.js';
import type { Finding, SkippedFile, TextEdit } from './types.js';
import type { WalkedFile } from './walk.js';

export { readFailure } from './prefilter-batch.js';

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
  if (!Buffer.isBuffer(bytes)) {
    into.skipped.push({ file: f.display, reason: tooLargeReason(options.maxBytes, bytes.tooLarge) });
    return;
  }
  if (isBinary(bytes)) {
    into.skipped.push({ file: f.display, reason: BINARY_REASON });
    return;
  }
  into.scanned += 1;
  if (bytesPass(bytes, f.abs, PREFILTER_LITERALS, PREFILTER)) analyzeFile(f, bytes, options, into);
}

/** This thread's prefilter (made on first use: a thread that never scans a batch never builds one). */
let prefilter: ChunkPrefilter | undefined;

/** The literals and settings a prefilter worker thread needs (scan-worker.ts). */
export function prefilterWorkerData(options: BatchOptions): { literals: typeof PREFILTER_LITERALS; maxBytes: number } {
  return { literals: PREFILTER_LITERALS, maxBytes: options.maxBytes };
}

/** The rules over a prefiltered batch of `files` (prefiltered here or in a worker thread), in walk order. */
export function analyzeBatch(files: readonly WalkedFile[], pre: PrefilterResult, options: BatchOptions): BatchResult {
  const out: BatchResult = { scanned: pre.scanned, skipped: pre.skipped.map((s) => ({ file: (files[s.index] as WalkedFile).display, reason: s.reason })), findings: [], rewrites: [] };
  for (const p of pre.passed) analyzeFile(files[p.index] as WalkedFile, Buffer.from(p.bytes.buffer, p.bytes.byteOffset, p.bytes.byteLength), options, out);
  return out;
}

/** Reads and prefilters a batch of files (absolute paths) in this thread, as a worker does, in order (synchronously). */
export function prefilterHere(paths: readonly string[], maxBytes: number): PrefilterResult {
  prefilter ??= new ChunkPrefilter(PREFILTER_LITERALS);
  return prefilter.run(paths, maxBytes);
}

/** Reads, prefilters and scans a batch of files in this thread, in order (synchronously). */
export function scanBatch(files: readonly WalkedFile[], options: BatchOptions): BatchResult {
  return analyzeBatch(files, prefilterHere(files.map((f) => f.abs), options.maxBytes), options);
}
