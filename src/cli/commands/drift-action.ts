import { isStorageError } from '../../core/errors.js';
import type { DriftReport } from '../../gateway/drift.js';
import { parseInterval } from '../../patterns/incremental.js';
import { openStore } from '../../stores/open-store.js';
import { UserError } from '../cli-error.js';
import { outputFrom, parsePercent, storeOptionsFrom } from '../common-options.js';
import { EXIT } from '../exit-codes.js';
import { checkReachable } from '../reachability.js';

function interval(flag: string, text: unknown): number {
  try {
    return parseInterval(String(text));
  } catch (error) {
    if (isStorageError(error)) throw new UserError(`${flag}: ${error.message}`);
    throw error;
  }
}

function age(ms: number): string {
  if (ms < 60_000) return `${Math.round(ms / 1000)}s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)}m`;
  return `${(ms / 3_600_000).toFixed(1)}h`;
}

export function formatDriftText(r: DriftReport): string {
  const c = r.counts;
  const lines = [
    `Drift ${r.pair} at ${r.checkedAt}`,
    `  differences: ${c.differences} (${c.settled} older than the ${age(r.settleMs)} settle window, ${c.inFlight} in flight); journal backlog ${c.journalBacklog}${c.repaired > 0 ? `; repaired ${c.repaired}` : ''}`,
    `  ready: ${r.ready ? 'yes' : 'no'}`,
  ];
  for (const d of r.differences.slice(0, 50)) lines.push(`    ${d.kind.padEnd(11)} ${age(d.ageMs).padStart(6)} ${d.pendingIntent ? '(journal) ' : ''}${JSON.stringify(d.path)}: ${d.detail}`);
  if (r.differences.length > 50) lines.push(`    ... ${r.differences.length - 50} more (use --output json for all)`);
  return `${lines.join('\n')}\n`;
}

/** The `drift` action: opens both stores and the job database, reports (and with --every repeats). */
export async function runDriftCommand(gen1Uri: string, gen2Uri: string, o: Record<string, unknown>): Promise<void> {
  const output = outputFrom(o);
  const settleMs = interval('--settle', o['settle'] ?? '2m');
  const everyMs = o['every'] === undefined ? undefined : interval('--every', o['every']);
  if (everyMs !== undefined && everyMs < 1000) throw new UserError('--every must be at least 1s.');
  const samplePercent = typeof o['sample'] === 'string' ? parsePercent('--sample', o['sample']) : 100;
  const creds = storeOptionsFrom(o);
  let gen1;
  let gen2;
  try {
    gen1 = openStore(gen1Uri, { ...creds, role: 'source' });
    gen2 = openStore(gen2Uri, { ...creds, role: 'source' });
  } catch (error) {
    if (isStorageError(error, 'invalid-argument')) throw new UserError(error.message);
    throw error;
  }
  const { openSqliteJobDb, resolveStateDir } = await import('../../state/db.js');
  const { openJournal } = await import('../../gateway/journal.js');
  const { driftReport } = await import('../../gateway/drift.js');
  const jobDb = await openSqliteJobDb(resolveStateDir(typeof o['stateDir'] === 'string' ? o['stateDir'] : undefined));
  let stop = false;
  const onSignal = (): void => {
    stop = true;
  };
  process.on('SIGINT', onSignal);
  try {
    await checkReachable(gen1, 'source');
    await checkReachable(gen2, 'destination');
    const journal = await openJournal(jobDb);
    while (true) {
      const report = await driftReport(gen1, gen2, { journal, settleMs, repair: o['repair'] === true, validate: { checksum: o['checksum'] === true, samplePercent } });
      process.stdout.write(output === 'json' ? `${JSON.stringify(report)}\n` : formatDriftText(report));
      process.exitCode = report.ready ? EXIT.ok : EXIT.failures;
      if (everyMs === undefined || stop) break;
      const until = Date.now() + everyMs;
      while (!stop && Date.now() < until) await new Promise((r) => setTimeout(r, Math.min(500, until - Date.now())));
      if (stop) break;
    }
  } finally {
    process.off('SIGINT', onSignal);
    await Promise.allSettled([gen1.close(), gen2.close()]);
    await jobDb.close();
  }
}
