import type { CutoverMapping } from './mapping.js';
import { scanFiles } from './scan/scan-files.js';
import type { Finding, SkippedFile } from './scan/types.js';

export { loadMapping, mapGen1Location, parseGen1Location, formatGen2Uri, type CutoverMapping, type Gen1Location, type Gen2Target, type MappingResult, type MappingRule, type LoadMappingOptions } from './mapping.js';
export type { Finding, FindingKind, SkippedFile } from './scan/types.js';
export { FINDING_KINDS } from './scan/types.js';
export { ALL_RULES } from './scan/rules.js';
export { DEFAULT_MAX_FILE_BYTES } from './scan/scan-files.js';

/**
 * Scans files and folders for Gen1 references (the library behind `lakeshift cutover scan`).
 * `.gitignore` is honoured, binaries and files over maxFileBytes are skipped (listed in `skipped` with
 * the reason), symbolic links are never followed. With a mapping, findings the mapping covers are
 * `rewrite` with their replacement; everything else is `report` with the reason a person must act.
 * Throws StorageError('not-found') for a path that does not exist, 'cancelled' when the signal fires.
 */
export async function scanWorkloads(
  paths: readonly string[],
  options: { mapping?: CutoverMapping; maxFileBytes?: number; signal?: AbortSignal; /** absolute paths not to scan */ exclude?: readonly string[]; /** worker threads (ScanOptions.workers) */ workers?: number } = {},
): Promise<{ files_scanned: number; findings: Finding[]; skipped: SkippedFile[] }> {
  const r = await scanFiles(paths, options);
  return { files_scanned: r.files_scanned, findings: r.findings, skipped: r.skipped };
}

export type { FileRewrite } from './scan/scan-files.js';
export { applyRewrites, type ApplyOutcome, type ApplyOptions } from './rewrite/apply.js';
export { unifiedDiff } from './rewrite/diff.js';
export { scanReportSchema, rewriteReportSchema, type ScanReport, type RewriteReport } from './scan-schema.js';

/**
 * The scan `cutover rewrite` starts from: the same findings as scanWorkloads, plus, for every file
 * with something to rewrite, its text before and after and the hash of the bytes read (applyRewrites
 * refuses a file whose bytes changed since). Writes nothing.
 */
export async function planRewrite(
  paths: readonly string[],
  options: { mapping?: CutoverMapping; maxFileBytes?: number; signal?: AbortSignal; /** absolute paths not to scan */ exclude?: readonly string[]; /** worker threads (ScanOptions.workers) */ workers?: number } = {},
): Promise<Awaited<ReturnType<typeof scanFiles>>> {
  return scanFiles(paths, { ...options, collectRewrites: true });
}
