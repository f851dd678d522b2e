import type { DecommissionCondition } from '../cutover/decommission/types.js';
import { DEFAULT_SETTLE_MS, driftReport } from './drift.js';
import { openJournal } from './journal.js';

/**
 * The gateway's part of the cutover decommission gate: no difference between Gen1 and Gen2 has lasted
 * longer than the settle window, and `gateway mirror` has nothing left in its journal for this pair.
 */
export const driftCondition: DecommissionCondition = {
  id: 'no-drift',
  title: `No drift older than ${DEFAULT_SETTLE_MS / 60_000} minutes, and no unmirrored change in the gateway journal`,
  async check(ctx) {
    const journal = await openJournal(ctx.jobDb);
    const r = await driftReport(ctx.source, ctx.dest, { journal });
    const c = r.counts;
    const evidence = `drift ${r.checkedAt}: ${c.differences} differences, ${c.settled} older than the settle window; gateway journal ${c.journalBacklog} entries${r.oldestJournalEntry === undefined ? '' : ` (oldest ${r.oldestJournalEntry})`}`;
    if (c.settled === 0 && c.journalBacklog === 0) return { ok: true, evidence };
    const examples = r.differences.filter((d) => !d.pendingIntent).slice(0, 3).map((d) => `${d.kind} ${JSON.stringify(d.path)}`).join(', ');
    return {
      ok: false,
      evidence: `${evidence}${examples === '' ? '' : `, e.g. ${examples}`}`,
      hint: c.journalBacklog > 0
        ? 'let gateway mirror drain its journal (is Gen2 reachable?), then check again'
        : `lakeshift drift ${ctx.source.displayUri} ${ctx.dest.displayUri} --repair`,
    };
  },
};
