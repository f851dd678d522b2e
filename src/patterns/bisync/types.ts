import type { Logger } from 'pino';
import type { Store } from '../../core/store.js';
import type { IdentityMap } from '../../engine/acl-translate.js';
import type { RetryPolicy } from '../../engine/retry.js';
import type { PreserveKey } from '../../engine/types.js';
import type { JobDb } from '../../state/db.js';
import type { ConflictRule } from './conflicts.js';

/** The two sides of a pair. */
export type Side = 1 | 2;
export const other = (s: Side): Side => (s === 1 ? 2 : 1);

/** What a side's listing is compared on against that side's own baseline. */
export type CompareKey = 'size' | 'mtime' | 'etag' | 'checksum';
export const DEFAULT_COMPARE: readonly CompareKey[] = ['size', 'mtime', 'etag'];

export type ResolvePolicy = 'none' | 'path1' | 'path2' | 'newer' | 'older' | 'larger' | 'smaller';
export const RESOLVE_POLICIES: readonly ResolvePolicy[] = ['none', 'path1', 'path2', 'newer', 'older', 'larger', 'smaller'];
export type LoserAction = 'backup' | 'suffix';
export type ResyncMode = 'path1' | 'path2' | 'newer' | 'larger';

/** Points where a test kills the process (LAKESHIFT_TEST_CRASH_AT); see docs/bisync.md. */
export type CrashPoint = 'after-listing' | 'mid-copy' | 'after-commit' | 'during-deletes';
export const CRASH_POINTS: readonly CrashPoint[] = ['after-listing', 'mid-copy', 'after-commit', 'during-deletes'];

export interface BisyncOptions {
  path1: Store;
  path2: Store;
  jobDb: JobDb;
  /** Build the baseline (first run, or after a filter/compare change); never deletes. */
  resync?: boolean;
  resyncMode?: ResyncMode;
  dryRun?: boolean;
  include?: string[];
  exclude?: string[];
  compare?: CompareKey[];
  /** Paths changed within this many ms before the listing are deferred to a later run (default 120,000). */
  settleMs?: number;
  conflictResolve?: ResolvePolicy;
  conflictRules?: ConflictRule[];
  conflictLoser?: LoserAction;
  /** Percentage of a side's baseline files a run may delete on that side (default 50). */
  maxDeletePercent?: number;
  maxDeleteCount?: number;
  maxConflicts?: number;
  /** Bytes a run may copy (copies and conflict winners, summed from the listing); more stops the run (exit 6). */
  maxTransferBytes?: number;
  /** Files a run may move by renames on a side (a directory rename counts every file it moves); more stops the run. */
  maxRenames?: number;
  /** The all-changed guard applies to baselines of at least this many files (default 100). */
  allChangedMinFiles?: number;
  /** Override the ratio guards (max-delete percent, all-changed). */
  force?: boolean;
  /** Detect renames so they are not counted as deletes (default true). */
  detectRenames?: boolean;
  /** Largest new file read to fingerprint a rename candidate (default 64 MiB). */
  renameHashMaxBytes?: number;
  createEmptyDirs?: boolean;
  /** Require the same non-empty set of `.lakeshift-sentinel` files on both sides (else stop, exit 6). */
  checkAccess?: boolean;
  preserve?: PreserveKey[];
  identityMap?: IdentityMap;
  concurrency?: number;
  blockSize?: number;
  retry?: RetryPolicy;
  /** Lease time to live in ms (default 120,000; renewed every third of it). */
  leaseTtlMs?: number;
  /** How long to wait for another run's lease before giving up (default 0: exit at once). */
  lockWaitMs?: number;
  /** Who holds the lease, for messages (default host:pid). */
  owner?: string;
  logger?: Logger;
  signal?: AbortSignal;
  onEvent?: (event: BisyncEvent) => void;
  /** Called at each crash point; tests kill the process there. */
  crashAt?: (point: CrashPoint) => void;
  /** Clock (tests). */
  now?: () => number;
}

export type ActionOp =
  | 'copy' | 'delete' | 'rename' | 'adopt' | 'drop' | 'conflict' | 'mkdir' | 'rmdir' | 'meta' | 'rename-dir';

/** One planned action. `side` is where it writes (copy/conflict: the destination side). */
export interface Action {
  op: ActionOp;
  path: string;
  side?: Side;
  /** rename: the old path (on `side`). */
  from?: string;
  reason: string;
  /** conflict: the winning side, or undefined for an unresolved conflict. */
  winner?: Side;
  policy?: string;
  /** rename-dir: the files it moves. */
  files?: number;
  /** adopt: the agreed content's MD5 when the equality test computed it. */
  md5?: string;
}

export interface ConflictRecord {
  path: string;
  policy: string;
  winner?: Side;
  loserPath?: string;
  p1: { size: number; mtimeMs: number } | undefined;
  p2: { size: number; mtimeMs: number } | undefined;
}

export interface BisyncSummary {
  pairId: string;
  runId: string;
  mode: 'sync' | 'resync';
  dryRun: boolean;
  outcome: 'ok' | 'failures' | 'guard' | 'cancelled';
  durationMs: number;
  listed: { path1: number; path2: number };
  planned: Record<string, number>;
  done: Record<string, number>;
  bytes: number;
  /** Bytes the plan copies (what --max-transfer limits). */
  plannedBytes: number;
  deferred: number;
  conflicts: ConflictRecord[];
  failures: { path: string; error: string }[];
  skipped: { path: string; reason: string }[];
  guard?: string;
  /** Check-sync: paths the baseline says agree whose sides differ; run --resync to settle them. */
  outOfSync: string[];
  /** Dry run: the plan. */
  plan?: Action[];
  leaseTakenOver?: string;
}

export type BisyncEvent =
  | { type: 'phase'; phase: 'lease' | 'list' | 'plan' | 'execute' | 'done' }
  | { type: 'listed'; side: Side; entries: number }
  | { type: 'action'; action: Action; outcome: 'done' | 'skipped' | 'failed'; detail?: string }
  | { type: 'done'; summary: BisyncSummary };
