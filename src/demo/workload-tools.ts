import type { WorkloadScanner } from '../cutover/decommission/types.js';
import { loadMapping, scanWorkloads } from '../cutover/index.js';

/**
 * The seam between the demo's cutover step and the workload scan/rewrite library (src/cutover).
 * `rewrite` is undefined while this build has no rewrite library: the demo then says so and leaves
 * the workload condition out of its gate.
 */
export interface WorkloadTools {
  scan: WorkloadScanner;
  rewrite?: {
    /** The unified diff a rewrite would make, and how many files it changes; writes nothing. */
    diff(paths: string[]): Promise<{ diff: string; files: number }>;
    /** Rewrites the files in place; returns how many changed. */
    apply(paths: string[]): Promise<{ files: number }>;
  };
}

export async function loadWorkloadTools(map: readonly string[]): Promise<WorkloadTools> {
  const mapping = await loadMapping({ map });
  return {
    scan: async (paths) => {
      const r = await scanWorkloads(paths, { mapping });
      return { filesScanned: r.files_scanned, findings: r.findings, skipped: r.skipped };
    },
  };
}
