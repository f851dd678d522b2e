import type BetterSqlite3 from 'better-sqlite3';
import type { Generated, Kysely } from 'kysely';
import type { JobDb } from '../state/db.js';
import { IntentLog, type LoggedIntent } from './intent-log.js';

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
  let log: IntentLog | undefined;
  if (jobDb.sqlite !== undefined && jobDb.location !== ':memory:') {
    const base = `${jobDb.location}-intents`;
    const leftover = IntentLog.leftover(base);
    log = new IntentLog(base);
    if (leftover.length > 0) {
      // A killed mirror's intents: into the table as ready (their paths are re-read from Gen1).
      new SqliteHotPath(jobDb.sqlite).insertReady(leftover);
    }
    log.truncateAll();
  }
  return new Journal(db, jobDb.sqlite, log);
}

const SETTLE_BATCH_MS = 10;
/** When the batch insert fails (full disk): how soon it is tried again. */
const SETTLE_RETRY_MS = 500;

/** What `logIntents` hands back for `settle`. */
export interface IntentTicket {
  pair: string;
  intents: LoggedIntent[];
  /** The intent log file holding them (log path), or the row ids (table path). */
  file?: number;
  ids?: number[];
}

/**
 * The two writes on a mirrored request's path (record before forwarding, markReady after), as cached
 * prepared statements on SQLite: through Kysely each costs a query compile and a fresh prepare (about
 * 0.2 ms of CPU), which is most of what the journal adds to a Gen1 write. Same SQL, same rows.
 */
class SqliteHotPath {
  private readonly insert: BetterSqlite3.Statement<[string, string, string, string, number, number, number], { id: number | bigint }>;
  private readonly ready: BetterSqlite3.Statement<[number, number]>;

  constructor(sqlite: BetterSqlite3.Database) {
    this.insert = sqlite.prepare(`INSERT INTO gateway_intents (pair, op, path, path2, status, attempts, last_error, next_at, created_at, updated_at)
      VALUES (?, ?, ?, ?, 'pending', 0, NULL, ?, ?, ?) RETURNING id`);
    this.ready = sqlite.prepare(`UPDATE gateway_intents SET status = 'ready', updated_at = ? WHERE id = ?`);
    this.insertReadyRow = sqlite.prepare(`INSERT INTO gateway_intents (pair, op, path, path2, status, attempts, last_error, next_at, created_at, updated_at)
      VALUES (?, ?, ?, ?, 'ready', 0, NULL, ?, ?, ?)`);
    this.inTransaction = sqlite.transaction((rows: readonly LoggedIntent[], now: number) => {
      for (const r of rows) this.insertReadyRow.run(r.pair, r.op, r.path, r.path2, now, r.at, now);
    });
  }

  private readonly insertReadyRow: BetterSqlite3.Statement<[string, string, string, string, number, number, number]>;
  private readonly inTransaction: (rows: readonly LoggedIntent[], now: number) => void;

  /** Inserts intents as ready rows, all in one transaction. */
  insertReady(rows: readonly LoggedIntent[]): void {
    this.inTransaction(rows, Date.now());
  }

  record(pair: string, op: string, path: string, path2: string, now: number): number {
    const row = this.insert.get(pair, op, path, path2, now, now, now);
    if (row === undefined) throw new Error('the journal insert returned no id');
    return Number(row.id);
  }

  markReady(id: number, now: number): void {
    this.ready.run(now, id);
  }
}

export class Journal {
  private readonly hot: SqliteHotPath | undefined;

  private readonly log: IntentLog | undefined;
  private queue: { ticket: IntentTicket; done: () => void; failed: (e: unknown) => void }[] = [];
  private flushScheduled = false;
  /** Logged intents not yet in the table (in flight, or waiting for the batch): backlog counts them. */
  private readonly unsettled = new Set<IntentTicket>();

  constructor(readonly db: GatewayDb, sqlite?: BetterSqlite3.Database, log?: IntentLog) {
    this.hot = sqlite === undefined ? undefined : new SqliteHotPath(sqlite);
    this.log = this.hot === undefined ? undefined : log;
  }

  /** Closes the intent log's files (the job database is the caller's to close). */
  close(): void {
    this.log?.close();
  }

  /**
   * The mirror's path: records the intents of one request before it is forwarded (durable when this
   * resolves). With an intent log (SQLite) that is one append to the log; else one row each, pending.
   */
  async logIntents(pair: string, changes: readonly { op: string; path: string; path2: string }[]): Promise<IntentTicket> {
    const at = Date.now();
    const intents = changes.map((c) => ({ pair, op: c.op, path: c.path, path2: c.path2, at }));
    if (this.log !== undefined) {
      const ticket = { pair, intents, file: this.log.append(intents) };
      this.unsettled.add(ticket);
      return ticket;
    }
    const ids: number[] = [];
    for (const c of changes) ids.push(await this.record(pair, c.op, c.path, c.path2));
    return { pair, intents, ids };
  }

  /**
   * Gen1 has answered: the ticket's intents become ready rows. Log path: queued and inserted with
   * every other request answered within 10 ms in one transaction; resolves once they are in the table
   * (then the applier can see them).
   */
  async settle(ticket: IntentTicket): Promise<void> {
    if (ticket.ids !== undefined) {
      for (const id of ticket.ids) await this.markReady(id);
      return;
    }
    if (ticket.intents.length === 0) return;
    await new Promise<void>((done, failed) => {
      this.queue.push({ ticket, done, failed });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        // A short window: sequential writers share one commit too (the applier waits 10 ms at most).
        setTimeout(() => this.flushQueue(), SETTLE_BATCH_MS);
      }
    });
  }

  private flushQueue(): void {
    this.flushScheduled = false;
    const batch = this.queue;
    this.queue = [];
    const hot = this.hot;
    const log = this.log;
    if (hot === undefined || log === undefined) return;
    try {
      hot.insertReady(batch.flatMap((b) => b.ticket.intents));
    } catch {
      // A full disk or a busy database: the lines stay in the log (a restart would replay them), and
      // this process tries the batch again until the table takes it, so that the applier still gets
      // the intents once space is back. The writes were journalled (in the log): they are not lost.
      this.queue = [...batch, ...this.queue];
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setTimeout(() => this.flushQueue(), SETTLE_RETRY_MS).unref();
      }
      return;
    }
    for (const b of batch) {
      this.unsettled.delete(b.ticket);
      if (b.ticket.file !== undefined) log.settled(b.ticket.file, b.ticket.intents.length);
      b.done();
    }
  }

  /**
   * Records an intent before the change is forwarded; returns its id. Durable when it resolves: the
   * row is committed (SQLite in WAL mode: in the OS before this returns, so a killed process loses
   * nothing; PostgreSQL: committed by the server).
   */
  async record(pair: string, op: string, path: string, path2 = ''): Promise<number> {
    const now = Date.now();
    if (this.hot !== undefined) return this.hot.record(pair, op, path, path2, now);
    const row = await this.db.insertInto('gateway_intents')
      .values({ pair, op, path, path2, status: 'pending', attempts: 0, last_error: null, next_at: now, created_at: now, updated_at: now })
      .returning('id').executeTakeFirstOrThrow();
    return Number(row.id);
  }

  async markReady(id: number): Promise<void> {
    if (this.hot !== undefined) {
      this.hot.markReady(id, Date.now());
      return;
    }
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

  /** Intents not yet applied (pending or ready, and those still only in the intent log). */
  async backlog(pair: string): Promise<{ count: number; oldestMs: number | undefined; paths: string[] }> {
    const table = await this.db.selectFrom('gateway_intents').select(['path', 'path2', 'created_at']).where('pair', '=', pair).orderBy('id').execute();
    const logged = [...this.unsettled].filter((t) => t.pair === pair).flatMap((t) => t.intents.map((i) => ({ path: i.path, path2: i.path2, created_at: i.at })));
    const rows = [...table, ...logged];
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
