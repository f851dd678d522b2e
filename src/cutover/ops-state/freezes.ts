import { randomUUID } from 'node:crypto';
import type { Insertable, Selectable } from 'kysely';
import { pathKey } from '../../state/items.js';
import type { CutoverDb, CutoverFreezePathsTable, CutoverFreezesTable, FreezePathState, FreezeState } from './tables.js';

export type FreezeRow = Selectable<CutoverFreezesTable>;
export type FreezePathRow = Selectable<CutoverFreezePathsTable>;
export type NewFreezePath = Omit<Insertable<CutoverFreezePathsTable>, 'id' | 'path_key' | 'updated_at' | 'freeze_id'>;

/** Rows per statement: well under SQLite's and PostgreSQL's bound-parameter limits. */
const BATCH = 200;

/** The store key of a display URI: trailing slashes do not make another store. */
export function storeKey(displayUri: string): string {
  return displayUri.replace(/\/+$/, '');
}

/** The freeze of `store` that is not undone (freezing, frozen or unfreezing), newest first; undefined when none. */
export async function findOpenFreeze(db: CutoverDb, store: string): Promise<FreezeRow | undefined> {
  return db.selectFrom('cutover_freezes').selectAll()
    .where('store', '=', storeKey(store)).where('state', '!=', 'unfrozen')
    .orderBy('started_at', 'desc').executeTakeFirst();
}

/**
 * The open freeze whose store is `uri` or an ancestor of it, with the store-relative prefix that
 * turns paths under `uri` into the freeze's paths ('' for the same store).
 */
export async function findCoveringFreeze(db: CutoverDb, uri: string): Promise<{ freeze: FreezeRow; prefix: string } | undefined> {
  const key = storeKey(uri);
  const rows = await db.selectFrom('cutover_freezes').selectAll().where('state', '!=', 'unfrozen').orderBy('started_at', 'desc').execute();
  for (const freeze of rows) {
    if (freeze.store === key) return { freeze, prefix: '' };
    if (key.startsWith(`${freeze.store}/`)) {
      const rest = key.slice(freeze.store.length + 1);
      try {
        return { freeze, prefix: rest.split('/').map(decodeURIComponent).join('/') };
      } catch {
        continue;
      }
    }
  }
  return undefined;
}

/** The newest freeze of `store` in any state. */
export async function findLatestFreeze(db: CutoverDb, store: string): Promise<FreezeRow | undefined> {
  return db.selectFrom('cutover_freezes').selectAll().where('store', '=', storeKey(store)).orderBy('started_at', 'desc').executeTakeFirst();
}

/** Every freeze that is not undone (for `unfreeze` without a URI). */
export async function listOpenFreezes(db: CutoverDb): Promise<FreezeRow[]> {
  return db.selectFrom('cutover_freezes').selectAll().where('state', '!=', 'unfrozen').orderBy('started_at', 'desc').execute();
}

export async function createFreeze(db: CutoverDb, store: string, now = Date.now()): Promise<FreezeRow> {
  const row: FreezeRow = {
    id: `frz-${randomUUID().slice(0, 8)}`, store: storeKey(store), state: 'freezing', started_at: now, finished_at: null, updated_at: now, paths_seen: 0, paths_changed: 0,
  };
  await db.insertInto('cutover_freezes').values(row).execute();
  return row;
}

export async function updateFreeze(db: CutoverDb, id: string, patch: { state?: FreezeState; finished_at?: number | null; paths_seen?: number; paths_changed?: number }, now = Date.now()): Promise<void> {
  await db.updateTable('cutover_freezes').set({ ...patch, updated_at: now }).where('id', '=', id).execute();
}

/** The records of these paths in a freeze, by path. */
export async function findFreezePaths(db: CutoverDb, freezeId: string, paths: readonly string[]): Promise<Map<string, FreezePathRow>> {
  const out = new Map<string, FreezePathRow>();
  for (let i = 0; i < paths.length; i += BATCH) {
    const keys = paths.slice(i, i + BATCH).map(pathKey);
    if (keys.length === 0) continue;
    const rows = await db.selectFrom('cutover_freeze_paths').selectAll().where('freeze_id', '=', freezeId).where('path_key', 'in', keys).execute();
    for (const r of rows) out.set(r.path, r);
  }
  return out;
}

/** Records paths (state as given, normally 'recorded') in one transaction; returns the rows with their ids. */
export async function insertFreezePaths(db: CutoverDb, freezeId: string, rows: readonly NewFreezePath[], now = Date.now()): Promise<void> {
  if (rows.length === 0) return;
  await db.transaction().execute(async (trx) => {
    for (let i = 0; i < rows.length; i += BATCH) {
      const values = rows.slice(i, i + BATCH).map((r) => ({ ...r, freeze_id: freezeId, path_key: pathKey(r.path), updated_at: now }));
      await trx.insertInto('cutover_freeze_paths').values(values).execute();
    }
  });
}

/** Sets the state (and optionally the after-values) of recorded paths, in one transaction. */
export async function updateFreezePaths(
  db: CutoverDb,
  updates: readonly { id: number; state: FreezePathState; after?: { mode: number; acl: string } }[],
  now = Date.now(),
): Promise<void> {
  if (updates.length === 0) return;
  await db.transaction().execute(async (trx) => {
    for (const u of updates) {
      await trx.updateTable('cutover_freeze_paths')
        .set({ state: u.state, updated_at: now, ...(u.after === undefined ? {} : { after_mode: u.after.mode, after_acl: u.after.acl }) })
        .where('id', '=', u.id).execute();
    }
  });
}

/** One page of a freeze's records in id order (records not yet restored unless `includeRestored`). */
export async function pageFreezePaths(db: CutoverDb, freezeId: string, afterId: number, limit: number, includeRestored = false): Promise<FreezePathRow[]> {
  let q = db.selectFrom('cutover_freeze_paths').selectAll().where('freeze_id', '=', freezeId).where('id', '>', afterId);
  if (!includeRestored) q = q.where('state', '!=', 'restored');
  return q.orderBy('id').limit(limit).execute();
}
