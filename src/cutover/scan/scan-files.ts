import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { throwIfCancelled } from '../../core/errors.js';
import type { CutoverMapping } from '../mapping.js';
import { analyzeText } from './analyze.js';
import { PREFILTER } from './engine.js';
import { decodeText, isBinary, prefilterView, type TextEncodingName } from './file-text.js';
import type { Finding, SkippedFile, TextEdit } from './types.js';
import { walkPaths, type WalkedFile } from './walk.js';

/** Default size limit: larger files are skipped (and reported as skipped). */
export const DEFAULT_MAX_FILE_BYTES = 16 * 1024 * 1024;
const CONCURRENCY = 16;

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

export interface ScanOptions {
  mapping?: CutoverMapping;
  maxFileBytes?: number;
  signal?: AbortSignal;
  /** Keep what rewrite needs for files with edits (scan alone does not). */
  collectRewrites?: boolean;
  /** Reads a file (tests replace it to simulate read failures as root). */
  readBytes?: (abs: string, maxBytes: number) => Promise<Buffer | { tooLarge: number }>;
}

export interface ScanResult {
  files_scanned: number;
  findings: Finding[];
  skipped: SkippedFile[];
  rewrites: FileRewrite[];
}

/** Reads a whole file unless it is over the limit (one open, one fstat, one read). */
export async function readBytesLimited(abs: string, maxBytes: number): Promise<Buffer | { tooLarge: number }> {
  const fh = await open(abs, 'r');
  try {
    const { size } = await fh.stat();
    if (size > maxBytes) return { tooLarge: size };
    return await fh.readFile();
  } finally {
    await fh.close();
  }
}

/**
 * Scans files and folders with bounded concurrency. Every file is counted in files_scanned or listed
 * in skipped with its reason (binary, too large, unreadable, symbolic link, not a regular file).
 * Findings come out sorted by file, line and column. Throws StorageError('not-found') for a missing path.
 */
export async function scanFiles(paths: readonly string[], options: ScanOptions = {}): Promise<ScanResult> {
  const maxBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const read = options.readBytes ?? readBytesLimited;
  const skipped: SkippedFile[] = [];
  const perFile: { findings: Finding[] }[] = [];
  const rewrites: FileRewrite[] = [];
  let scanned = 0;

  const scanOne = async (f: WalkedFile, slot: { findings: Finding[] }): Promise<void> => {
    let buf: Buffer | { tooLarge: number };
    try {
      buf = await read(f.abs, maxBytes);
    } catch (error) {
      skipped.push({ file: f.display, reason: `cannot read (${(error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : 'error')})` });
      return;
    }
    if (!Buffer.isBuffer(buf)) {
      skipped.push({ file: f.display, reason: `larger than the ${maxBytes} byte limit (${buf.tooLarge} bytes); raise --max-file-size to scan it` });
      return;
    }
    if (isBinary(buf)) {
      skipped.push({ file: f.display, reason: 'binary (NUL byte in the first 8 KiB)' });
      return;
    }
    scanned += 1;
    if (!PREFILTER.test(prefilterView(buf))) return;
    const decoded = decodeText(buf);
    const analysis = analyzeText(decoded.text, f.display, options.mapping);
    slot.findings = analysis.findings;
    if (options.collectRewrites === true && analysis.rewritten !== undefined) {
      rewrites.push({ file: f.display, abs: f.abs, sha256: createHash('sha256').update(buf).digest('hex'), encoding: decoded.encoding, before: decoded.text, after: analysis.rewritten, edits: analysis.edits });
    }
  };

  const inFlight = new Set<Promise<void>>();
  for await (const f of walkPaths(paths, skipped, options.signal)) {
    throwIfCancelled(options.signal);
    const slot = { findings: [] as Finding[] };
    perFile.push(slot);
    const p: Promise<void> = scanOne(f, slot).finally(() => inFlight.delete(p));
    inFlight.add(p);
    if (inFlight.size >= CONCURRENCY) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  throwIfCancelled(options.signal);
  const findings = perFile.flatMap((s) => s.findings);
  rewrites.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  return { files_scanned: scanned, findings, skipped, rewrites };
}
