import type { DecommissionCondition } from './types.js';

const SHOWN = 5;

/** A workload scan of --workloads finds no Gen1 reference (rewritable or for a person to act on). */
export const workloadsCondition: DecommissionCondition = {
  id: 'workloads-clean',
  title: 'Workloads name no Gen1 location',
  async check(ctx) {
    if (ctx.workloads.length === 0) {
      return { ok: false, evidence: 'no workload paths given', hint: 'pass --workloads PATH... (repositories, notebooks, configs, pipelines that could name Gen1)' };
    }
    if (ctx.scanWorkloads === undefined) {
      return { ok: false, evidence: 'the workload scanner is not available in this build', hint: 'run lakeshift cutover scan on the workloads and check by hand' };
    }
    const { filesScanned, findings, skipped = [] } = await ctx.scanWorkloads(ctx.workloads);
    const notScanned = skipped.length === 0 ? '' : ` (${skipped.length} not scanned, e.g. ${skipped.slice(0, 2).map((f) => `${f.file}: ${f.reason}`).join('; ')}; check those by hand)`;
    const where = `${filesScanned} file${filesScanned === 1 ? '' : 's'} under ${ctx.workloads.join(', ')}${notScanned}`;
    // Unreadable or oversized files may hide references (binaries and links do not): the gate cannot vouch for them.
    const hiding = skipped.filter((f) => /^cannot |larger than/.test(f.reason));
    if (findings.length === 0 && hiding.length > 0) {
      return { ok: false, evidence: `${where}: no Gen1 reference in what was scanned, but ${hiding.length} files could not be scanned`, hint: 'make them readable (or raise the size limit with cutover scan --max-file-size) and check them' };
    }
    if (findings.length === 0) return { ok: true, evidence: `${where}: no Gen1 reference` };
    const rewritable = findings.filter((f) => f.action === 'rewrite').length;
    const shown = findings.slice(0, SHOWN).map((f) => `${f.file}:${f.line}:${f.column} ${JSON.stringify(f.text)} (${f.action}${f.reason === undefined ? '' : `: ${f.reason}`})`).join('; ');
    return {
      ok: false,
      evidence: `${where}: ${findings.length} Gen1 references (${rewritable} rewritable, ${findings.length - rewritable} for a person), e.g. ${shown}`,
      hint: `lakeshift cutover rewrite ${ctx.workloads.join(' ')} --apply for the rewritable ones; change the others by hand`,
    };
  },
};
