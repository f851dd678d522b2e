import { z } from 'zod';
import type { BisyncKysely } from '../../patterns/bisync/tables.js';
import { redactValue } from '../redact.js';
import { hasTables, parseJson } from './recorded.js';
import type { DashboardContext, DashboardModule } from './types.js';

const query = z.object({ limit: z.coerce.number().int().min(1).max(1000).optional() });

export interface ConflictView {
  pairId: string;
  path1: string;
  path2: string;
  runId: string;
  runStartedAt: number | null;
  path: string;
  policy: string;
  /** 'path1', 'path2', or null when the conflict was left unresolved (both copies kept). */
  winner: string | null;
  /** Where the losing copy was kept (side-relative), or null. */
  loserPath: string | null;
  detail: unknown;
  createdAt: number;
}

/** Bisync runs and their conflicts as `lakeshift bisync` recorded them (newest first); empty when bisync never ran. */
export async function readConflicts(ctx: DashboardContext, limit: number): Promise<{ runs: number; pairs: number; conflicts: ConflictView[] }> {
  if (!(await hasTables(ctx.jobDb, ['bisync_pair', 'bisync_run', 'bisync_conflict']))) return { runs: 0, pairs: 0, conflicts: [] };
  const db = ctx.jobDb.db as unknown as BisyncKysely;
  const runs = await db.selectFrom('bisync_run').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
  const pairs = await db.selectFrom('bisync_pair').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
  const rows = await db.selectFrom('bisync_conflict as c')
    .leftJoin('bisync_pair as p', 'p.pair_id', 'c.pair_id')
    .leftJoin('bisync_run as r', 'r.run_id', 'c.run_id')
    .select(['c.run_id', 'c.pair_id', 'c.path', 'c.policy', 'c.winner', 'c.loser_path', 'c.detail_json', 'c.created_at', 'p.path1_uri', 'p.path2_uri', 'r.started_at'])
    .orderBy('c.created_at', 'desc').orderBy('c.path').limit(limit).execute();
  return {
    runs: Number(runs?.n ?? 0),
    pairs: Number(pairs?.n ?? 0),
    conflicts: rows.map((r) => redactValue({
      pairId: r.pair_id, path1: r.path1_uri ?? '', path2: r.path2_uri ?? '', runId: r.run_id, runStartedAt: r.started_at === null ? null : Number(r.started_at),
      path: r.path, policy: r.policy, winner: r.winner, loserPath: r.loser_path, detail: parseJson(r.detail_json), createdAt: Number(r.created_at),
    }) as ConflictView),
  };
}

/** Bisync conflicts: pair, run, path, winner and where the loser was kept. */
export const conflictsModule: DashboardModule = {
  id: 'conflicts',
  title: 'Conflicts',
  path: '/conflicts',
  availability: () => Promise.resolve({ available: true }),
  register(app, ctx) {
    app.get('/api/conflicts', async (request, reply) => {
      const q = query.safeParse(request.query);
      if (!q.success) return reply.code(400).send({ error: 'limit must be a whole number from 1 to 1000.' });
      return { available: true, ...(await readConflicts(ctx, q.data.limit ?? 500)) };
    });
  },
};
