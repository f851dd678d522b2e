import type { Selectable } from 'kysely';
import type { CutoverDb, CutoverEventKind, CutoverEventsTable } from './tables.js';
import { storeKey } from './freezes.js';

export type CutoverEventRow = Selectable<CutoverEventsTable>;

/** Appends a cutover event (freeze, unfreeze, final sync, decommission check) with its details. */
export async function recordCutoverEvent(db: CutoverDb, event: { kind: CutoverEventKind; source: string; dest?: string; ok: boolean; details: unknown; at?: number }): Promise<void> {
  await db.insertInto('cutover_events').values({
    kind: event.kind, source: storeKey(event.source), dest: event.dest === undefined ? '' : storeKey(event.dest),
    at: event.at ?? Date.now(), ok: event.ok ? 1 : 0, details: JSON.stringify(event.details),
  }).execute();
}

/** The newest event of a kind for a source (and destination, when given). */
export async function latestCutoverEvent(db: CutoverDb, kind: CutoverEventKind, source: string, dest?: string): Promise<CutoverEventRow | undefined> {
  let q = db.selectFrom('cutover_events').selectAll().where('kind', '=', kind).where('source', '=', storeKey(source));
  if (dest !== undefined) q = q.where('dest', '=', storeKey(dest));
  return q.orderBy('at', 'desc').orderBy('id', 'desc').executeTakeFirst();
}
