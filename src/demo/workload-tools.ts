import { dirname, relative } from 'node:path';
import type { WorkloadScanner } from '../cutover/decommission/types.js';
import { applyRewrites, loadMapping, planRewrite, scanWorkloads, unifiedDiff } from '../cutover/index.js';

/**
 * The seam between the demo's cutover step and the workload scan/rewrite library (src/cutover):
 * scanWorkloads, planRewrite, unifiedDiff and applyRewrites with the demo's mapping. `rewrite` is
 * optional so that the step still runs on a build without the rewrite library (it then says so and
 * leaves the workload condition out of its gate).
 */
export interface WorkloadTools {
  scan: WorkloadScanner;
  rewrite?: {
    /** The unified diff a rewrite of the folder would make (names relative to its parent), and how many files it changes; writes nothing. */
    diff(folder: string): Promise<{ diff: string; files: number }>;
    /** Rewrites the folder's files in place; returns how many changed. Throws when one could not be rewritten. */
    apply(folder: string): Promise<{ files: number }>;
  };
}

export async function loadWorkloadTools(map: readonly string[]): Promise<WorkloadTools> {
  const mapping = await loadMapping({ map });
  return {
    scan: async (paths) => {
      const r = await scanWorkloads(paths, { mapping });
      return { filesScanned: r.files_scanned, findings: r.findings, skipped: r.skipped };
    },
    rewrite: {
      diff: async (folder) => {
        const plan = await planRewrite([folder], { mapping });
        return { diff: plan.rewrites.map((r) => unifiedDiff(relative(dirname(folder), r.abs), r.before, r.after)).join(''), files: plan.rewrites.length };
      },
      apply: async (folder) => {
        const outcomes = await applyRewrites((await planRewrite([folder], { mapping })).rewrites);
        const refused = outcomes.filter((o) => o.status !== 'rewritten');
        if (refused.length > 0) throw new Error(`the rewrite of ${refused.map((o) => `${o.file} (${o.status}${o.reason === undefined ? '' : `: ${o.reason}`})`).join(', ')} did not apply`);
        return { files: outcomes.length };
      },
    },
  };
}
