import type { WorkloadScanner } from '../cutover/decommission/types.js';

/**
 * The seam between the demo's cutover step and the workload scan/rewrite library (src/cutover's
 * scanWorkloads and rewrite). `undefined` while this build does not include it: the demo then says so
 * and leaves the workload part out.
 */
export interface WorkloadTools {
  scan: WorkloadScanner;
  /** The unified diff a rewrite would make, and how many files it changes; writes nothing. */
  diff(paths: string[]): Promise<{ diff: string; files: number }>;
  /** Rewrites the files in place; returns how many changed. */
  apply(paths: string[]): Promise<{ files: number }>;
}

export function loadWorkloadTools(_mapping: readonly string[]): Promise<WorkloadTools | undefined> {
  return Promise.resolve(undefined);
}
