/**
 * Gen1 namespace metadata in SQLite (better-sqlite3, WAL, synchronous=NORMAL: no fsync per request).
 * One row per file or directory, addressed by (parent id, name); the unique index on (parent, name)
 * keeps listings ordered by name (byte order) and paged by range scans.
 *
 * Rows read by `get`/`child` are kept in a bounded in-process cache (path resolution reads the root
 * and every ancestor on each request). Every change goes through this class, which drops the rows it
 * touches; a failed transaction drops the whole cache. So the database must not be written by anyone
 * else while a store has it open (bulk loading happens before the emulator starts).
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';

export type EntryType = 'FILE' | 'DIRECTORY';

export interface EntryRow {
  id: number;
  parent: number;
  name: string;
  type: EntryType;
  length: number;
  blob: string | null;
  owner: string;
  grp: string;
  /** Mode bits including the sticky bit (0o1000). */
  perm: number;
  /** Serialized extended ACL ('' when the mode alone describes it). */
  acl: string;
  mtime: number;
  atime: number;
  ctime: number;
  /** ms since epoch, 0 = never expires. */
  expiry: number;
  lease: string | null;
  /** 0 untouched, 1 serial CREATE/APPEND data, 2 CONCURRENTAPPEND data. */
  appendMode: number;
}

export const ROOT_ID = 1;

interface RawRow {
  id: number;
  parent: number;
  name: string;
  type: number;
  length: number;
  blob: string | null;
  owner: string;
  grp: string;
  perm: number;
  acl: string;
  mtime: number;
  atime: number;
  ctime: number;
  expiry: number;
  lease: string | null;
  append_mode: number;
}

/** A row as a positional tuple, in SELECT * (schema) order: the lookups' fast path (no per-column keys). */
type RowTuple = [number, number, string, number, number, string | null, string, string, number, string, number, number, number, number, string | null, number];

function tupleToRow(t: RowTuple): EntryRow {
  return {
    id: t[0], parent: t[1], name: t[2], type: t[3] === 1 ? 'DIRECTORY' : 'FILE', length: t[4], blob: t[5],
    owner: t[6], grp: t[7], perm: t[8], acl: t[9], mtime: t[10], atime: t[11], ctime: t[12],
    expiry: t[13], lease: t[14], appendMode: t[15],
  };
}

function toRow(r: RawRow): EntryRow {
  return {
    id: r.id, parent: r.parent, name: r.name, type: r.type === 1 ? 'DIRECTORY' : 'FILE', length: r.length, blob: r.blob,
    owner: r.owner, grp: r.grp, perm: r.perm, acl: r.acl, mtime: r.mtime, atime: r.atime, ctime: r.ctime,
    expiry: r.expiry, lease: r.lease, appendMode: r.append_mode,
  };
}

/** The columns of RowTuple, in its order. */
const COLUMNS = 'id, parent, name, type, length, blob, owner, grp, perm, acl, mtime, atime, ctime, expiry, lease, append_mode';

/** Rows kept by the read cache; a few MB at most. */
const ROW_CACHE_MAX = 8192;

function childKey(parent: number, name: string): string {
  // Names never contain '/', so this is unique per (parent, name).
  return `${parent}/${name}`;
}

export type NewEntry = Omit<EntryRow, 'id'>;

/** Listing tuple: name, type (1 = directory), length, atime, mtime, perm, owner, group, expiry, aclBit (0/1). */
export type ListTuple = [string, number, number, number, number, number, string, string, number, number];

const SCHEMA = `
CREATE TABLE IF NOT EXISTS entries (
  id INTEGER PRIMARY KEY,
  parent INTEGER NOT NULL,
  name TEXT NOT NULL,
  type INTEGER NOT NULL,
  length INTEGER NOT NULL DEFAULT 0,
  blob TEXT,
  owner TEXT NOT NULL,
  grp TEXT NOT NULL,
  perm INTEGER NOT NULL,
  acl TEXT NOT NULL DEFAULT '',
  mtime INTEGER NOT NULL,
  atime INTEGER NOT NULL,
  ctime INTEGER NOT NULL,
  expiry INTEGER NOT NULL DEFAULT 0,
  lease TEXT,
  append_mode INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX IF NOT EXISTS entries_parent_name ON entries(parent, name);
`;

/**
 * The metadata database. All methods are synchronous and run in microseconds (prepared statements).
 * Rows returned by `get`, `child` and `insert` are frozen snapshots: never mutate them.
 */
export class MetadataStore {
  private readonly db: Database.Database;
  private readonly stmts;
  /** Read cache: id → row and (parent, name) → the same row. Both maps always hold the same rows. */
  private readonly byId = new Map<number, EntryRow>();
  private readonly byName = new Map<string, EntryRow>();

  /** Opens (creating if needed) `<location>/gen1-meta.sqlite`, or an in-memory database when `location` is undefined. */
  constructor(location: string | undefined, root: { owner: string; group: string; now: number }) {
    this.db = new Database(location === undefined ? ':memory:' : join(location, 'gen1-meta.sqlite'));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(SCHEMA);
    const db = this.db;
    this.stmts = {
      get: db.prepare<[number], RowTuple>(`SELECT ${COLUMNS} FROM entries WHERE id = ?`).raw(true),
      child: db.prepare<[number, string], RowTuple>(`SELECT ${COLUMNS} FROM entries WHERE parent = ? AND name = ?`).raw(true),
      insert: db.prepare(
        `INSERT INTO entries (parent, name, type, length, blob, owner, grp, perm, acl, mtime, atime, ctime, expiry, lease, append_mode)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      listPage: db.prepare<[number, string, string, number], RawRow>('SELECT * FROM entries WHERE parent = ? AND name > ? AND name < ? ORDER BY name LIMIT ?'),
      listPageOpen: db.prepare<[number, string, number], RawRow>('SELECT * FROM entries WHERE parent = ? AND name > ? ORDER BY name LIMIT ?'),
      listLite: db.prepare<[number, string, number], ListTuple>(
        `SELECT name, type, length, atime, mtime, perm, owner, grp, expiry, acl != '' FROM entries WHERE parent = ? AND name > ? ORDER BY name LIMIT ?`,
      ).raw(true),
      listLiteBefore: db.prepare<[number, string, string, number], ListTuple>(
        `SELECT name, type, length, atime, mtime, perm, owner, grp, expiry, acl != '' FROM entries WHERE parent = ? AND name > ? AND name < ? ORDER BY name LIMIT ?`,
      ).raw(true),
      hasChild: db.prepare<[number], { id: number }>('SELECT id FROM entries WHERE parent = ? LIMIT 1'),
      descendants: db.prepare<[number], { id: number; blob: string | null; type: number; length: number }>(
        `WITH RECURSIVE sub(id) AS (SELECT id FROM entries WHERE parent = ? UNION ALL SELECT e.id FROM entries e JOIN sub ON e.parent = sub.id)
         SELECT e.id, e.blob, e.type, e.length FROM entries e JOIN sub ON e.id = sub.id`,
      ),
      remove: db.prepare<[number]>('DELETE FROM entries WHERE id = ?'),
      move: db.prepare<[number, string, number, number]>('UPDATE entries SET parent = ?, name = ?, ctime = ? WHERE id = ?'),
      touchDir: db.prepare<[number, number]>('UPDATE entries SET mtime = ? WHERE id = ?'),
      setLength: db.prepare<[number, number, number, number]>('UPDATE entries SET length = ?, mtime = ?, append_mode = ? WHERE id = ?'),
      setLease: db.prepare<[string | null, number]>('UPDATE entries SET lease = ? WHERE id = ?'),
      setBlob: db.prepare<[string, number, number, number]>('UPDATE entries SET blob = ?, length = ?, mtime = ? WHERE id = ?'),
      setAccess: db.prepare<[number, string, number]>('UPDATE entries SET perm = ?, acl = ? WHERE id = ?'),
      setOwner: db.prepare<[string, string, number]>('UPDATE entries SET owner = ?, grp = ? WHERE id = ?'),
      setTimes: db.prepare<[number, number, number]>('UPDATE entries SET mtime = ?, atime = ? WHERE id = ?'),
      setExpiry: db.prepare<[number, number]>('UPDATE entries SET expiry = ? WHERE id = ?'),
    };
    if (!this.get(ROOT_ID)) {
      this.db.prepare(
        `INSERT INTO entries (id, parent, name, type, owner, grp, perm, acl, mtime, atime, ctime) VALUES (1, 0, '', 1, ?, ?, ?, '', ?, ?, ?)`,
      ).run(root.owner, root.group, 0o770, root.now, root.now, root.now);
    }
  }

  /** Caches a freshly read row (frozen) and returns it. */
  private remember(t: RowTuple): EntryRow {
    const row = Object.freeze(tupleToRow(t));
    if (this.byId.size >= ROW_CACHE_MAX) {
      // Oldest first: hot directories come straight back on their next lookup.
      const oldest = this.byId.keys().next();
      if (oldest.done !== true) this.forget(oldest.value);
    }
    this.byId.set(row.id, row);
    this.byName.set(childKey(row.parent, row.name), row);
    return row;
  }

  /** Drops one row from the read cache (call before or after every change to it). */
  private forget(id: number): void {
    const row = this.byId.get(id);
    if (row === undefined) return;
    this.byId.delete(id);
    this.byName.delete(childKey(row.parent, row.name));
  }

  private forgetAll(): void {
    this.byId.clear();
    this.byName.clear();
  }

  /** Runs `fn` in a transaction; when it fails (rolled back), the read cache may hold undone changes and is dropped. */
  private inTransaction<T>(fn: () => T): T {
    try {
      return this.db.transaction(fn)();
    } catch (error) {
      this.forgetAll();
      throw error;
    }
  }

  get(id: number): EntryRow | undefined {
    const cached = this.byId.get(id);
    if (cached !== undefined) return cached;
    const r = this.stmts.get.get(id);
    return r ? this.remember(r) : undefined;
  }

  child(parent: number, name: string): EntryRow | undefined {
    const cached = this.byName.get(childKey(parent, name));
    if (cached !== undefined) return cached;
    const r = this.stmts.child.get(parent, name);
    return r ? this.remember(r) : undefined;
  }

  /** Inserts a row and returns it with its id. Throws on a (parent, name) clash. */
  insert(e: NewEntry): EntryRow {
    const info = this.stmts.insert.run(
      e.parent, e.name, e.type === 'DIRECTORY' ? 1 : 0, e.length, e.blob, e.owner, e.grp, e.perm, e.acl, e.mtime, e.atime, e.ctime,
      e.expiry, e.lease, e.appendMode,
    );
    // Not cached: bulk loads insert far more rows than anyone reads back soon.
    return Object.freeze({ ...e, id: Number(info.lastInsertRowid) });
  }

  /** Children of `parent` with after < name < before (exclusive; `before` undefined = open), name order, at most `limit`. */
  list(parent: number, after: string, before: string | undefined, limit: number): EntryRow[] {
    const rows = before === undefined ? this.stmts.listPageOpen.all(parent, after, limit) : this.stmts.listPage.all(parent, after, before, limit);
    return rows.map(toRow);
  }

  /**
   * The listing fast path: like `list` but returns positional tuples (no per-row objects):
   * [name, type (1 = directory), length, atime, mtime, perm, owner, group, expiry, aclBit (0/1)].
   */
  listTuples(parent: number, after: string, before: string | undefined, limit: number): ListTuple[] {
    return before === undefined ? this.stmts.listLite.all(parent, after, limit) : this.stmts.listLiteBefore.all(parent, after, before, limit);
  }

  hasChildren(id: number): boolean {
    return this.stmts.hasChild.get(id) !== undefined;
  }

  /** All descendants of a directory (not itself). */
  descendants(id: number): { id: number; blob: string | null; type: EntryType; length: number }[] {
    return this.stmts.descendants.all(id).map((d) => ({ id: d.id, blob: d.blob, type: d.type === 1 ? 'DIRECTORY' : 'FILE', length: d.length }));
  }

  /** Deletes a row and all its descendants in one transaction; returns the blob ids to discard. */
  removeTree(id: number): string[] {
    return this.inTransaction((): string[] => {
      const self = this.get(id);
      const blobs: string[] = [];
      for (const d of this.descendants(id)) {
        if (d.blob !== null) blobs.push(d.blob);
        this.stmts.remove.run(d.id);
        this.forget(d.id);
      }
      if (self?.blob) blobs.push(self.blob);
      this.stmts.remove.run(id);
      this.forget(id);
      return blobs;
    });
  }

  move(id: number, parent: number, name: string, now: number): void {
    this.forget(id);
    this.stmts.move.run(parent, name, now, id);
  }

  touchDir(id: number, now: number): void {
    this.forget(id);
    this.stmts.touchDir.run(now, id);
  }

  setLength(id: number, length: number, now: number, appendMode: number): void {
    this.forget(id);
    this.stmts.setLength.run(length, now, appendMode, id);
  }

  setLease(id: number, lease: string | null): void {
    this.forget(id);
    this.stmts.setLease.run(lease, id);
  }

  setBlob(id: number, blob: string, length: number, now: number): void {
    this.forget(id);
    this.stmts.setBlob.run(blob, length, now, id);
  }

  setAccess(id: number, perm: number, acl: string): void {
    this.forget(id);
    this.stmts.setAccess.run(perm, acl, id);
  }

  setOwner(id: number, owner: string, group: string): void {
    this.forget(id);
    this.stmts.setOwner.run(owner, group, id);
  }

  setTimes(id: number, mtime: number, atime: number): void {
    this.forget(id);
    this.stmts.setTimes.run(mtime, atime, id);
  }

  setExpiry(id: number, expiry: number): void {
    this.forget(id);
    this.stmts.setExpiry.run(expiry, id);
  }

  /** Runs `fn` in one transaction (used for bulk seeding and multi-row changes). */
  transaction<T>(fn: () => T): T {
    return this.inTransaction(fn);
  }

  close(): void {
    this.forgetAll();
    this.db.close();
  }
}
