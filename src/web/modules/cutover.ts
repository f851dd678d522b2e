import { DECOMMISSION_CONDITIONS } from '../../cutover/decommission/conditions.js';
import type { CutoverDb } from '../../cutover/ops-state/tables.js';
import { redactValue } from '../redact.js';
import { hasTables, parseJson } from './recorded.js';
import { plural, type ChecklistItem, type DashboardContext, type DashboardModule } from './types.js';

const EVENTS_SHOWN = 20;

export interface CutoverView {
  /** The newest freeze (any store), or null when none was recorded. */
  freeze: { id: string; store: string; state: string; startedAt: number; finishedAt: number | null; pathsSeen: number; pathsChanged: number; finished: boolean } | null;
  finalSyncs: { at: number; source: string; dest: string; ok: boolean; details: unknown }[];
  decommissionChecks: { at: number; source: string; dest: string; passed: boolean; conditions: { id: string; title: string; ok: boolean }[] }[];
}

const TITLES = new Map(DECOMMISSION_CONDITIONS.map((c) => [c.id, c.title]));

function conditionsOf(details: unknown): { id: string; title: string; ok: boolean }[] {
  const list = (details as { conditions?: unknown } | null)?.conditions;
  if (!Array.isArray(list)) return [];
  return list.flatMap((c: unknown) => {
    const { id, ok } = (c ?? {}) as { id?: unknown; ok?: unknown };
    return typeof id === 'string' && typeof ok === 'boolean' ? [{ id, title: TITLES.get(id) ?? id, ok }] : [];
  });
}

/** What freeze, final-sync and decommission-check recorded in the job database (newest first); empty when none ran. */
export async function readCutover(ctx: DashboardContext): Promise<CutoverView> {
  if (!(await hasTables(ctx.jobDb, ['cutover_freezes', 'cutover_events']))) return { freeze: null, finalSyncs: [], decommissionChecks: [] };
  const db = ctx.jobDb.db.withTables() as unknown as CutoverDb;
  const f = await db.selectFrom('cutover_freezes').selectAll().orderBy('started_at', 'desc').orderBy('id', 'desc').executeTakeFirst();
  const events = (kind: 'final-sync' | 'decommission-check') => db.selectFrom('cutover_events').selectAll().where('kind', '=', kind).orderBy('at', 'desc').orderBy('id', 'desc').limit(EVENTS_SHOWN).execute();
  const [syncs, checks] = await Promise.all([events('final-sync'), events('decommission-check')]);
  const view: CutoverView = {
    freeze: f === undefined ? null : {
      id: f.id, store: f.store, state: f.state, startedAt: Number(f.started_at), finishedAt: f.finished_at === null ? null : Number(f.finished_at),
      pathsSeen: Number(f.paths_seen), pathsChanged: Number(f.paths_changed), finished: f.state === 'frozen' && f.finished_at !== null,
    },
    finalSyncs: syncs.map((e) => ({ at: Number(e.at), source: e.source, dest: e.dest, ok: e.ok === 1, details: parseJson(e.details) })),
    decommissionChecks: checks.map((e) => ({ at: Number(e.at), source: e.source, dest: e.dest, passed: e.ok === 1, conditions: conditionsOf(parseJson(e.details)) })),
  };
  return redactValue(view) as CutoverView;
}

/** The overview's cutover lines, from the records above. */
export function cutoverChecklist(v: CutoverView): ChecklistItem[] {
  const f = v.freeze;
  const [sync] = v.finalSyncs;
  const [check] = v.decommissionChecks;
  const validation = (sync?.details as { validation?: { differenceCount?: number } | null } | null)?.validation;
  return [
    {
      label: 'Source frozen (writes stopped on Gen1)',
      state: f === null ? 'todo' : f.finished ? 'done' : f.state === 'freezing' ? 'blocked' : 'todo',
      detail: f === null ? 'No freeze recorded: run lakeshift freeze GEN1 --state-dir DIR.'
        : f.finished ? `${f.store} frozen (${plural(f.pathsChanged, 'path')} changed).`
          : f.state === 'freezing' ? `The freeze of ${f.store} did not finish: run lakeshift freeze again to resume it.` : `${f.store} is ${f.state}.`,
    },
    {
      label: 'Final sync clean',
      state: sync === undefined ? 'todo' : sync.ok ? 'done' : 'blocked',
      detail: sync === undefined ? 'No final sync recorded.' : sync.ok ? `${sync.source} -> ${sync.dest}: validation found no difference.`
        : `${sync.source} -> ${sync.dest}: ${validation?.differenceCount === undefined ? 'the copy or validation failed' : plural(validation.differenceCount, 'difference')}.`,
    },
    {
      label: 'Decommission check passed',
      state: check === undefined ? 'todo' : check.passed ? 'done' : 'blocked',
      detail: check === undefined ? 'No decommission check recorded.' : check.passed ? `Every condition held (${check.source}).`
        : `Failed: ${check.conditions.filter((c) => !c.ok).map((c) => c.id).join(', ') || 'see the check'}.`,
    },
  ];
}

/** Cutover: the newest freeze, the final syncs and the decommission checks, and the overview's cutover checklist. */
export const cutoverModule: DashboardModule = {
  id: 'cutover',
  title: 'Cutover',
  path: '/cutover',
  availability: () => Promise.resolve({ available: true }),
  register(app, ctx) {
    app.get('/api/cutover', async () => ({ available: true, ...(await readCutover(ctx)) }));
  },
  async checklist(ctx) {
    return cutoverChecklist(await readCutover(ctx));
  },
};
