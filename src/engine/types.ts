import type { Logger } from 'pino';
import type { Store } from '../core/store.js';
import type { JobDb } from '../state/db.js';
import type { IdentityMap } from './acl-translate.js';
import type { RetryPolicy } from './retry.js';

export type PreserveKey = 'acl' | 'owner' | 'permissions' | 'times';
export const PRESERVE_KEYS: readonly PreserveKey[] = ['acl', 'owner', 'permissions', 'times'];
export type OverwritePolicy = 'never' | 'if-newer' | 'always';
export type MigrationKind = 'lift-and-shift' | 'incremental';
export type Phase = 'scan' | 'transfer' | 'acl' | 'delete' | 'done';

/** One mapping rule: everything under `sourcePrefix` goes to `destPath` in `dest`. */
export interface MappingRule {
  /** Data-set name (default: the source prefix, or '/' for the root). */
  name?: string;
  /** Source path prefix ('' = the whole source). */
  sourcePrefix: string;
  dest: Store;
  /** Path inside the destination ('' = its root, e.g. a filesystem root). */
  destPath?: string;
}

/** Options of `runMigration`. Everything but source, a destination and jobDb has a default. */
export interface MigrationOptions {
  source: Store;
  /** The single destination when `mappings` is not given: everything goes to its root. */
  dest?: Store;
  mappings?: MappingRule[];
  jobDb: JobDb;
  /** lift-and-shift (default) or incremental (also compares metadata, may delete, may checksum). */
  kind?: MigrationKind;
  /** Picomatch globs over source paths; files must match one when given (directories are kept). */
  include?: string[];
  /** Picomatch globs over source paths; matching files and directories (with their subtree) are left out. */
  exclude?: string[];
  /** Count what would be copied; write nothing (not even the job database). */
  dryRun?: boolean;
  /** Files in flight (default 128, DEFAULT_FILES_IN_FLIGHT; memory stays within memoryBudget). */
  concurrency?: number;
  /** Chunk size for ranged reads and writes (default 8 MiB, capped by the destination's maxChunkSize). */
  blockSize?: number;
  /** Chunks of one file in flight (default 8, DEFAULT_CHUNKS_IN_FLIGHT; 1 when the destination cannot write in parallel). */
  chunkConcurrency?: number;
  /** Bytes of file data held in memory at once (default 256 MiB). */
  memoryBudget?: number;
  /** Bandwidth cap in megabits per second (default none). */
  capMbps?: number;
  /** What metadata to carry (default all). */
  preserve?: PreserveKey[];
  identityMap?: IdentityMap;
  /** What to do with files that exist at the destination and were not written by this job (default never). */
  overwrite?: OverwritePolicy;
  /** Compare MD5 computed by reading both sides instead of size and mtime (incremental). */
  checksum?: boolean;
  /** Remove destination paths that are not in the source (incremental). */
  delete?: boolean;
  /** Refuse to delete more than this many paths in one run (default 1000). */
  maxDelete?: number;
  retry?: RetryPolicy;
  /** Attempts when the source changes during a copy (default 3). */
  sourceChangeAttempts?: number;
  logger?: Logger;
  signal?: AbortSignal;
  onEvent?: (event: MigrationEvent) => void;
  /** Awaited before each phase starts (tests pause here to kill the process deterministically). */
  beforePhase?: (phase: Phase) => Promise<void>;
  /** Redacted display of the destination(s) for the job record (default: the stores' displayUri). */
  destDisplay?: string;
}

export type ItemOutcome = 'copied' | 'verified' | 'failed' | 'skipped' | 'deleted' | 'unchanged' | 'meta';

export type MigrationEvent =
  | { type: 'phase'; phase: Phase; jobId: string }
  | { type: 'scan'; files: number; directories: number; bytes: number; toCopy: number; bytesToCopy: number }
  | { type: 'item'; path: string; kind: 'file' | 'directory'; outcome: ItemOutcome; size: number; reason?: string }
  | { type: 'bytes'; bytes: number }
  | { type: 'done'; summary: MigrationSummary };

export interface MigrationSummary {
  jobId: string;
  runNo: number;
  kind: MigrationKind;
  dryRun: boolean;
  status: 'completed' | 'failed' | 'cancelled';
  durationMs: number;
  scanned: { files: number; directories: number; bytes: number };
  files: { copied: number; failed: number; skipped: number; unchanged: number; metadataUpdated: number };
  directories: { created: number; failed: number; skipped: number };
  /** Bytes copied in this run (dry run: bytes that would be copied). */
  bytes: number;
  /** Files that would be copied (dry run) or were copied. */
  bytesPerSecond: number;
  deleted: number;
  /** Why deletion was refused (max-delete exceeded), if it was. */
  deleteRefused?: string;
  /** Data sets whose destination already held entries at the start (the overwrite policy applied). */
  nonEmptyDestinations: string[];
  skippedByReason: Record<string, number>;
  /** First failures (at most 100) with their reasons. */
  failures: { path: string; error: string }[];
  /** First skipped paths (at most 100) with their reasons. */
  skipped: { path: string; reason: string }[];
  /** Principals found in ACLs, owners or groups that the identity map does not list. */
  unmappedPrincipals: string[];
  /** Principals the identity map maps to '' whose named entries were dropped. */
  droppedPrincipals: string[];
}
