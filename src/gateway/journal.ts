import type { Generated, Kysely } from 'kysely';
import type { JobDb } from '../state/db.js';

/**
 * The mirror's journal and drift's first-seen record, in the job database (SQLite or PostgreSQL) next
 * to lakeshift's own tables. Tables are created if missing; src/state is not changed.
 *
 * An intent is written before a change is forwarded to Gen1 (`pending`), becomes `ready` once Gen1
 * has answered, and is deleted once Gen2 holds Gen1's state of its paths. A `pending` intent found at
 * start (the process died while Gen1 was answering) is treated as `ready`: the applier reads Gen1's
 * state, so it does the right thing whatever Gen1 did.
 */

export type IntentStatus = 'pending' | 'ready';

export interface IntentsTable {
  id: Generated<number>;
  /** Which Gen1 -> Gen2 pair (redacted URIs). */
  pair: string;
  /** Gen1 path the change is about (store-relative, '' = root). */
  path: string;
  /** A second path (RENAME destination, as sent), or ''. */
  path2: string;
  op: string;
  status: IntentStatus;
  attempts: number;
  last_error: string | null;
  next_at: number;
  created_at: number;
  updated_at: number;
}

export interface DriftTable {
  pair: string;
  path: string;
  kind: string;
  detail: string;
  first_seen: number;
  last_seen: number;
}

// A type alias (not an interface) so that Kysely's withTables accepts it.
export type GatewayTables = {
  gateway_intents: IntentsTable;
  gateway_drift: DriftTable;
};

export type GatewayDb = Kysely<GatewayTables>;

export interface Intent {
  id: number;
  path: string;
  path2: string;
  op: string;
  attempts: number;
  lastError: string | null;
  createdAt: number;
}

/** The gateway's tables on an open job database, created if missing (idempotent). */
export async function openJournal(jobDb: JobDb): Promise<Journal> {
  const db = jobDb.db.withTables<GatewayTables>() as unknown as GatewayDb;
  const serial = jobDb.dialect === 'postgres' ? 'bigserial' : 'integer';
  await db.schema
    .createTable('gateway_intents').ifNotExists()
    .addColumn('id', serial, (c) => (jobDb.dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('pair', 'text', (c) => c.notNull())
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('path2', 'text', (c) => c.notNull())
    .addColumn('op', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .addColumn('next_at', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('gateway_intents_due').ifNotExists().on('gateway_intents').columns(['pair', 'status', 'next_at', 'id']).execute();
  await db.schema
    .createTable('gateway_drift').ifNotExists()
    .addColumn('pair', 'text', (c) => c.notNull())
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('detail', 'text', (c) => c.notNull())
    .addColumn('first_seen', 'bigint', (c) => c.notNull())
    .addColumn('last_seen', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('gateway_drift_pk', ['pair', 'path', 'kind'])
    .execute();
  return new Journal(db);
}

export class Journal {
  constructor(readonly db: GatewayDb) {}

  /** Records an intent before the change is forwarded; returns its id. Durable when it resolves. */
  async record(pair: string, op: string, path: string, path2 = ''): Promise<number> {
    const now = Date.now();
    const row = await this.db.insertInto('gateway_intents')
      .values({ pair, op, path, path2, status: 'pending', attempts: 0, last_error: null, next_at: now, created_at: now, updated_at: now })
      .returning('id').executeTakeFirstOrThrow();
    return Number(row.id);
  }

  async markReady(id: number): Promise<void> {
    await this.db.updateTable('gateway_intents').set({ status: 'ready', updated_at: Date.now() }).where('id', '=', id).execute();
  }

  /** At start: intents whose Gen1 answer was never seen become ready (their paths are re-read from Gen1). */
  async recoverPending(pair: string): Promise<number> {
    const res = await this.db.updateTable('gateway_intents').set({ status: 'ready', updated_at: Date.now() }).where('pair', '=', pair).where('status', '=', 'pending').executeTakeFirst();
    return Number(res.numUpdatedRows);
  }

  /** Ready intents due now, oldest first. */
  async due(pair: string, limit: number, now = Date.now()): Promise<Intent[]> {
    const rows = await this.db.selectFrom('gateway_intents').selectAll()
      .where('pair', '=', pair).where('status', '=', 'ready').where('next_at', '<=', now)
      .orderBy('id').limit(limit).execute();
    return rows.map((r) => ({ id: Number(r.id), path: r.path, path2: r.path2, op: r.op, attempts: r.attempts, lastError: r.last_error, createdAt: Number(r.created_at) }));
  }

  async done(ids: readonly number[]): Promise<void> {
    if (ids.length > 0) await this.db.deleteFrom('gateway_intents').where('id', 'in', [...ids]).execute();
  }

  async retryLater(id: number, attempts: number, error: string, nextAt: number): Promise<void> {
    await this.db.updateTable('gateway_intents').set({ attempts, last_error: error.slice(0, 2000), next_at: nextAt, updated_at: Date.now() }).where('id', '=', id).execute();
  }

  /** Makes every waiting intent due now (after an outage is known to be over). */
  async retryAllNow(pair: string): Promise<void> {
    await this.db.updateTable('gateway_intents').set({ next_at: 0 }).where('pair', '=', pair).execute();
  }

  /** Intents not yet applied (pending or ready). */
  async backlog(pair: string): Promise<{ count: number; oldestMs: number | undefined; paths: string[] }> {
    const rows = await this.db.selectFrom('gateway_intents').select(['path', 'path2', 'created_at']).where('pair', '=', pair).orderBy('id').execute();
    const paths = [...new Set(rows.flatMap((r) => (r.path2 === '' ? [r.path] : [r.path, r.path2])))];
    return { count: rows.length, oldestMs: rows[0] === undefined ? undefined : Number(rows[0].created_at), paths };
  }

  /**
   * Records the differences seen now: new ones get first_seen = now, known ones keep it; differences
   * not seen again are dropped (resolved). Returns first_seen per `path\nkind`.
   */
  async observeDrift(pair: string, seen: readonly { path: string; kind: string; detail: string }[], now = Date.now()): Promise<Map<string, number>> {
    const known = await this.db.selectFrom('gateway_drift').selectAll().where('pair', '=', pair).execute();
    const firstSeen = new Map(known.map((r) => [`${r.path}\n${r.kind}`, Number(r.first_seen)]));
    const current = new Set(seen.map((d) => `${d.path}\n${d.kind}`));
    await this.db.transaction().execute(async (tx) => {
      for (const r of known) {
        if (current.has(`${r.path}\n${r.kind}`)) continue;
        firstSeen.delete(`${r.path}\n${r.kind}`);
        await tx.deleteFrom('gateway_drift').where('pair', '=', pair).where('path', '=', r.path).where('kind', '=', r.kind).execute();
      }
      for (const d of seen) {
        const key = `${d.path}\n${d.kind}`;
        if (firstSeen.has(key)) {
          await tx.updateTable('gateway_drift').set({ last_seen: now, detail: d.detail }).where('pair', '=', pair).where('path', '=', d.path).where('kind', '=', d.kind).execute();
        } else {
          await tx.insertInto('gateway_drift').values({ pair, path: d.path, kind: d.kind, detail: d.detail, first_seen: now, last_seen: now }).execute();
          firstSeen.set(key, now);
        }
      }
    });
    return firstSeen;
  }
}
