import { DEFAULT_SETTLE_MS, related } from '../../gateway/drift.js';
import type { GatewayDb } from '../../gateway/journal.js';
import { redactValue } from '../redact.js';
import { hasTables } from './recorded.js';
import { plural, type ChecklistItem, type DashboardContext, type DashboardModule } from './types.js';

export interface DriftPathView {
  path: string;
  kind: string;
  detail: string;
  firstSeen: number;
  lastSeen: number;
  /** How long the difference had existed at the last drift run (lastSeen - firstSeen). */
  ageMs: number;
  /** The mirror's journal still has an unapplied change for this path: in flight, not drift. */
  pendingIntent: boolean;
  /** Older than the settle window and not awaiting the journal: counts against readiness. */
  settled: boolean;
}

export interface DriftPairView {
  pair: string;
  lastCheckedAt: number;
  differences: number;
  /** The readiness figure: settled differences (0 means ready) as of the last drift run. */
  settled: number;
  inFlight: number;
  journalBacklog: number;
  ready: boolean;
  paths: DriftPathView[];
}

/**
 * The differences `lakeshift drift` (driftReport) left in the job database, per Gen1 -> Gen2 pair, with
 * their first-seen times and the journal backlog. A drift run drops the differences it no longer sees,
 * so a pair whose last run found none has no rows. Settled uses the default settle window.
 */
export async function readDrift(ctx: DashboardContext): Promise<{ settleMs: number; pairs: DriftPairView[] }> {
  if (!(await hasTables(ctx.jobDb, ['gateway_drift', 'gateway_intents']))) return { settleMs: DEFAULT_SETTLE_MS, pairs: [] };
  const db = ctx.jobDb.db.withTables() as unknown as GatewayDb;
  const rows = await db.selectFrom('gateway_drift').selectAll().orderBy('pair').orderBy('first_seen').orderBy('path').execute();
  const intents = await db.selectFrom('gateway_intents').select(['pair', 'path', 'path2']).execute();
  const byPair = new Map<string, DriftPathView[]>();
  const backlog = new Map<string, string[]>();
  for (const i of intents) backlog.set(i.pair, [...(backlog.get(i.pair) ?? []), i.path, ...(i.path2 === '' ? [] : [i.path2])]);
  for (const r of rows) {
    const pending = (backlog.get(r.pair) ?? []).some((p) => related(p, r.path));
    const ageMs = Number(r.last_seen) - Number(r.first_seen);
    const view: DriftPathView = {
      path: r.path === '' ? '/' : r.path, kind: r.kind, detail: r.detail, firstSeen: Number(r.first_seen), lastSeen: Number(r.last_seen), ageMs,
      pendingIntent: pending, settled: ageMs >= DEFAULT_SETTLE_MS && !pending,
    };
    byPair.set(r.pair, [...(byPair.get(r.pair) ?? []), view]);
  }
  const pairs = [...byPair.entries()].map(([pair, paths]): DriftPairView => {
    const settled = paths.filter((p) => p.settled).length;
    return {
      pair, lastCheckedAt: Math.max(...paths.map((p) => p.lastSeen)), differences: paths.length, settled, inFlight: paths.length - settled,
      journalBacklog: intents.filter((i) => i.pair === pair).length, ready: settled === 0, paths,
    };
  });
  return { settleMs: DEFAULT_SETTLE_MS, pairs: redactValue(pairs) as DriftPairView[] };
}

/** Gateway drift: paths that differ between Gen1 and Gen2, their first-seen age, and the readiness figure. */
export const driftModule: DashboardModule = {
  id: 'drift',
  title: 'Drift',
  path: '/drift',
  availability: () => Promise.resolve({ available: true }),
  register(app, ctx) {
    app.get('/api/drift', async () => ({ available: true, ...(await readDrift(ctx)) }));
  },
  async checklist(ctx): Promise<ChecklistItem[]> {
    const { pairs } = await readDrift(ctx);
    const settled = pairs.reduce((n, p) => n + p.settled, 0);
    if (pairs.length === 0) return [{ label: 'No settled drift (gateway)', state: 'todo', detail: 'No drift recorded: either lakeshift drift has not run, or its last run found no difference.' }];
    return [{ label: 'No settled drift (gateway)', state: settled === 0 ? 'todo' : 'blocked', detail: settled === 0 ? `${plural(pairs.reduce((n, p) => n + p.differences, 0), 'difference')} still in flight: run lakeshift drift again.` : `${plural(settled, 'settled difference')} between Gen1 and Gen2.` }];
  },
};
