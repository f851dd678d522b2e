import type { Store } from '../../core/store.js';
import type { JobDb } from '../../state/db.js';
import type { FinalSyncRecord } from '../final-sync/final-sync-record.js';
import type { SourceScan } from '../final-sync/source-scan.js';
import type { FreezeRow } from '../ops-state/freezes.js';
import type { CutoverDb } from '../ops-state/tables.js';

/** One condition's verdict: what was found (evidence) and what to do when it does not hold (hint). */
export interface ConditionResult {
  id: string;
  title: string;
  ok: boolean;
  /** False when the condition's input was not given: listed, but neither passed nor failed. */
  checked: boolean;
  evidence: string;
  /** What to do to make it hold ('' when it holds); for an unchecked one, how to check it. */
  hint: string;
}

/** A Gen1 reference a workload scan found (the fields the gate reports). */
export interface WorkloadFinding {
  file: string;
  line: number;
  column: number;
  text: string;
  action: string;
  /** The finding's family (uri, hadoop-config, sdk, ...), when the scanner gives one. */
  kind?: string;
  reason?: string;
}

/** Scans workload files and folders for Gen1 references (src/cutover's scanWorkloads, wired by the caller). */
export type WorkloadScanner = (paths: string[]) => Promise<{ filesScanned: number; findings: WorkloadFinding[]; skipped?: { file: string; reason: string }[] }>;

/**
 * What every condition may read. The expensive parts (one listing of the source, the final-sync
 * record) are computed once, on first use, and shared.
 */
export interface DecommissionContext {
  source: Store;
  dest: Store;
  jobDb: JobDb;
  db: CutoverDb;
  /** Workload files and folders to scan (--workloads). */
  workloads: string[];
  /** undefined when no scanner is available in this build. */
  scanWorkloads: WorkloadScanner | undefined;
  /** Source paths the destination cannot hold are accepted as lost with the account (--accept-not-held). */
  acceptNotHeld: boolean;
  /** The command's parsed options, for conditions that take their own inputs. */
  flags: Record<string, unknown>;
  sourceScan(): Promise<SourceScan>;
  freeze(): Promise<{ freeze: FreezeRow; prefix: string } | undefined>;
  lastFinalSync(): Promise<FinalSyncRecord | undefined>;
}

/** A decommission condition: a small function; add one to DECOMMISSION_CONDITIONS to extend the gate. */
export interface DecommissionCondition {
  id: string;
  title: string;
  /** `notChecked`: the input this condition needs was not given (it then neither holds nor fails). */
  check(ctx: DecommissionContext): Promise<{ ok: boolean; evidence: string; hint?: string; notChecked?: boolean }>;
}
