import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Extent } from './bytes.js';

/**
 * Metadata of the Gen2 emulator in SQLite (WAL, prepared statements): filesystems, paths (one row
 * per file or directory, the filesystem root is the row with path ''), staged appends, uncommitted
 * blocks, and chunk reference counts. Bytes live in the byte store; rows only point at them.
 */

export interface LeaseInfo { id: string; state: 'leased' | 'breaking' | 'broken'; duration: number; expires: number; breakAt: number }

export interface FsRow { account: string; name: string; etag: string; modified: number; created: number; metadata: string; lease: string | null }

export interface PathRow {
  id: number; account: string; fs: string; path: string; parent: string; is_dir: number; size: number; etag: string;
  modified: number; created: number; owner: string; grp: string; acl: string; default_acl: string; sticky: number;
  metadata: string; headers: string; md5: string | null; extents: string; lease: string | null;
}

export type NewPath = Omit<PathRow, 'id'>;
export type PathUpdate = Partial<Omit<PathRow, 'id' | 'account'>>;

export interface StagedRow { position: number; chunk: string; chunk_off: number; len: number }
export interface BlockRow { block_id: string; chunk: string | null; len: number }

const SCHEMA = `
CREATE TABLE IF NOT EXISTS filesystems (account TEXT NOT NULL, name TEXT NOT NULL, etag TEXT NOT NULL, modified INTEGER NOT NULL,
  created INTEGER NOT NULL, metadata TEXT NOT NULL, lease TEXT, PRIMARY KEY (account, name)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS paths (id INTEGER PRIMARY KEY, account TEXT NOT NULL, fs TEXT NOT NULL, path TEXT NOT NULL,
  parent TEXT NOT NULL, is_dir INTEGER NOT NULL, size INTEGER NOT NULL, etag TEXT NOT NULL, modified INTEGER NOT NULL,
  created INTEGER NOT NULL, owner TEXT NOT NULL, grp TEXT NOT NULL, acl TEXT NOT NULL, default_acl TEXT NOT NULL,
  sticky INTEGER NOT NULL, metadata TEXT NOT NULL, headers TEXT NOT NULL, md5 TEXT, extents TEXT NOT NULL, lease TEXT,
  UNIQUE (account, fs, path));
CREATE INDEX IF NOT EXISTS paths_by_parent ON paths (account, fs, parent, path);
CREATE TABLE IF NOT EXISTS staged (path_id INTEGER NOT NULL, position INTEGER NOT NULL, chunk TEXT NOT NULL,
  chunk_off INTEGER NOT NULL, len INTEGER NOT NULL, PRIMARY KEY (path_id, position)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS blocks (account TEXT NOT NULL, fs TEXT NOT NULL, path TEXT NOT NULL, block_id TEXT NOT NULL,
  chunk TEXT, len INTEGER NOT NULL, PRIMARY KEY (account, fs, path, block_id));
CREATE TABLE IF NOT EXISTS chunks (id TEXT PRIMARY KEY, refs INTEGER NOT NULL) WITHOUT ROWID;
`;

const PATH_COLUMNS = ['fs', 'path', 'parent', 'is_dir', 'size', 'etag', 'modified', 'created', 'owner', 'grp', 'acl', 'default_acl', 'sticky', 'metadata', 'headers', 'md5', 'extents', 'lease'] as const;

/** Columns of a path row in the order `PATH_ROW_SELECT` returns them. */
type RawPathRow = [
  id: number, account: string, fs: string, path: string, parent: string, is_dir: number, size: number, etag: string, modified: number,
  created: number, owner: string, grp: string, acl: string, default_acl: string, sticky: number, metadata: string, headers: string,
  md5: string | null, extents: string, lease: string | null,
];

const PATH_ROW_SELECT = `SELECT id, account, ${PATH_COLUMNS.join(', ')} FROM paths`;

/**
 * Path rows are read as arrays (`raw`) and built here: an object literal of one fixed shape costs about
 * half of what the driver spends setting twenty named properties, and getPath runs several times a request.
 */
const pathRowOf = (r: RawPathRow): PathRow => ({
  id: r[0], account: r[1], fs: r[2], path: r[3], parent: r[4], is_dir: r[5], size: r[6], etag: r[7], modified: r[8], created: r[9],
  owner: r[10], grp: r[11], acl: r[12], default_acl: r[13], sticky: r[14], metadata: r[15], headers: r[16], md5: r[17], extents: r[18], lease: r[19],
});

/** Upper bound (exclusive) of strings that start with `prefix`: bump the last code unit. */
export function prefixEnd(prefix: string): string {
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}

export const chunksOf = (extentsJson: string): string[] => (JSON.parse(extentsJson) as Extent[]).map((e) => e.c);

export class MetaDb {
  readonly db: Database.Database;
  private readonly updates = new Map<string, Database.Statement>();
  private readonly s;
  /**
   * Filesystem rows by `account/name`, read on nearly every request. Writes go through this class and
   * evict their key; a failed transaction clears the cache, since it may hold a row it rolled back.
   */
  private readonly fsCache = new Map<string, FsRow>();
  /** One transaction wrapper for every call: better-sqlite3 builds four closures per `transaction()`. */
  private readonly runTx: (fn: () => unknown) => unknown;

  /** Opens (and creates) the database under `location`, or in memory when `location` is undefined. */
  constructor(location: string | undefined) {
    if (location !== undefined) mkdirSync(location, { recursive: true });
    this.db = new Database(location === undefined ? ':memory:' : join(location, 'gen2-meta.sqlite'));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    // Temporary b-trees (an UPDATE that rewrites the key it searches on collects its rows in one) stay
    // in memory: with the default, each such statement costs a temporary database of its own.
    this.db.pragma('temp_store = MEMORY');
    this.db.exec(SCHEMA);
    const d = this.db;
    this.s = {
      getFs: d.prepare<[string, string], FsRow>('SELECT * FROM filesystems WHERE account = ? AND name = ?'),
      listFs: d.prepare<[string, string, string, string, number], FsRow>('SELECT * FROM filesystems WHERE account = ? AND name > ? AND name >= ? AND name < ? ORDER BY name LIMIT ?'),
      insertFs: d.prepare('INSERT INTO filesystems (account, name, etag, modified, created, metadata, lease) VALUES (@account, @name, @etag, @modified, @created, @metadata, @lease)'),
      updateFs: d.prepare('UPDATE filesystems SET etag = @etag, modified = @modified, metadata = @metadata, lease = @lease WHERE account = @account AND name = @name'),
      deleteFs: d.prepare('DELETE FROM filesystems WHERE account = ? AND name = ?'),
      getPath: d.prepare<[string, string, string], RawPathRow>(`${PATH_ROW_SELECT} WHERE account = ? AND fs = ? AND path = ?`).raw(true),
      pathId: d.prepare<[string, string, string], { id: number }>('SELECT id FROM paths WHERE account = ? AND fs = ? AND path = ?'),
      insertPath: d.prepare(`INSERT INTO paths (account, ${PATH_COLUMNS.join(', ')}) VALUES (@account, ${PATH_COLUMNS.map((c) => '@' + c).join(', ')})`),
      deletePath: d.prepare('DELETE FROM paths WHERE id = ?'),
      hasChild: d.prepare<[string, string, string], { one: number }>('SELECT 1 AS one FROM paths WHERE account = ? AND fs = ? AND parent = ? AND path <> \'\' LIMIT 1'),
      children: d.prepare<[string, string, string, string, number], RawPathRow>(`${PATH_ROW_SELECT} WHERE account = ? AND fs = ? AND parent = ? AND path > ? AND path <> '' ORDER BY path LIMIT ?`).raw(true),
      range: d.prepare<[string, string, string, string, string, number], RawPathRow>(`${PATH_ROW_SELECT} WHERE account = ? AND fs = ? AND path > ? AND path >= ? AND path < ? ORDER BY path LIMIT ?`).raw(true),
      rangeDesc: d.prepare<[string, string, string, string, number], RawPathRow>(`${PATH_ROW_SELECT} WHERE account = ? AND fs = ? AND path >= ? AND path < ? ORDER BY path DESC LIMIT ?`).raw(true),
      staged: d.prepare<[number], StagedRow>('SELECT position, chunk, chunk_off, len FROM staged WHERE path_id = ? ORDER BY position'),
      putStaged: d.prepare('INSERT INTO staged (path_id, position, chunk, chunk_off, len) VALUES (?, ?, ?, ?, ?)'),
      getStagedAt: d.prepare<[number, number], StagedRow>('SELECT position, chunk, chunk_off, len FROM staged WHERE path_id = ? AND position = ?'),
      deleteStagedAt: d.prepare('DELETE FROM staged WHERE path_id = ? AND position = ?'),
      deleteStaged: d.prepare('DELETE FROM staged WHERE path_id = ?'),
      blocks: d.prepare<[string, string, string], BlockRow>('SELECT block_id, chunk, len FROM blocks WHERE account = ? AND fs = ? AND path = ? ORDER BY rowid'),
      getBlock: d.prepare<[string, string, string, string], BlockRow>('SELECT block_id, chunk, len FROM blocks WHERE account = ? AND fs = ? AND path = ? AND block_id = ?'),
      putBlock: d.prepare('INSERT OR REPLACE INTO blocks (account, fs, path, block_id, chunk, len) VALUES (?, ?, ?, ?, ?, ?)'),
      deleteBlocks: d.prepare('DELETE FROM blocks WHERE account = ? AND fs = ? AND path = ?'),
      ref: d.prepare('INSERT INTO chunks (id, refs) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET refs = refs + excluded.refs'),
      refsOf: d.prepare<[string], { refs: number }>('SELECT refs FROM chunks WHERE id = ?'),
      dropChunk: d.prepare('DELETE FROM chunks WHERE id = ?'),
      fsPaths: d.prepare<[string, string], { id: number; path: string; extents: string }>('SELECT id, path, extents FROM paths WHERE account = ? AND fs = ?'),
      deleteFsPaths: d.prepare('DELETE FROM paths WHERE account = ? AND fs = ?'),
      fsBlockChunks: d.prepare<[string, string], { chunk: string | null }>('SELECT chunk FROM blocks WHERE account = ? AND fs = ?'),
      deleteFsBlocks: d.prepare('DELETE FROM blocks WHERE account = ? AND fs = ?'),
      // Moves: the item by its id, its subtree as the index range [from/, from0) ('0' follows '/');
      // `length()` counts characters as `substr()` does, so non-BMP names cut at the right place.
      movePathRow: d.prepare('UPDATE paths SET fs = @toFs, path = @to, parent = @toParent WHERE id = @id'),
      hasSubtree: d.prepare<{ account: string; fromFs: string; from: string }, { one: number }>(`SELECT 1 AS one FROM paths WHERE account = @account AND fs = @fromFs AND path >= @from || '/' AND path < @from || '0' LIMIT 1`),
      hasBlocks: d.prepare<{ account: string; fromFs: string; from: string }, { one: number }>(`SELECT 1 AS one FROM blocks WHERE account = @account AND fs = @fromFs AND path >= @from AND path < @from || '0' LIMIT 1`),
      moveSubtree: d.prepare(`UPDATE paths SET fs = @toFs, path = @to || substr(path, length(@from) + 1), parent = @to || substr(parent, length(@from) + 1)
        WHERE account = @account AND fs = @fromFs AND path >= @from || '/' AND path < @from || '0'`),
      moveBlocks: d.prepare('UPDATE blocks SET fs = @toFs, path = @to WHERE account = @account AND fs = @fromFs AND path = @from'),
      moveSubtreeBlocks: d.prepare(`UPDATE blocks SET fs = @toFs, path = @to || substr(path, length(@from) + 1)
        WHERE account = @account AND fs = @fromFs AND path >= @from || '/' AND path < @from || '0'`),
    };
    this.runTx = d.transaction((fn: () => unknown) => fn()).immediate;
  }

  close(): void {
    this.db.close();
  }

  /** Runs `fn` in one write transaction (a savepoint when already inside one). */
  tx<T>(fn: () => T): T {
    try {
      return this.runTx(fn) as T;
    } catch (e) {
      // Rolled back: a row cached inside the transaction may be one that never existed.
      this.fsCache.clear();
      throw e;
    }
  }

  /** The filesystem row (frozen: it may be shared with other callers), undefined when absent. */
  getFs(account: string, name: string): FsRow | undefined {
    const key = `${account}/${name}`;
    const cached = this.fsCache.get(key);
    if (cached !== undefined) return cached;
    const row = this.s.getFs.get(account, name);
    if (row !== undefined) this.fsCache.set(key, Object.freeze(row));
    return row;
  }
  listFs(account: string, prefix: string, after: string, limit: number): FsRow[] {
    return this.s.listFs.all(account, after, prefix, prefix === '' ? '\uffff' : prefixEnd(prefix), limit);
  }
  insertFs(row: FsRow): void {
    this.fsCache.delete(`${row.account}/${row.name}`);
    this.s.insertFs.run(row);
  }
  updateFs(row: FsRow): void {
    this.fsCache.delete(`${row.account}/${row.name}`);
    this.s.updateFs.run(row);
  }
  /** Deletes a filesystem and everything in it; returns chunk ids to release. */
  deleteFs(account: string, name: string): string[] {
    const released: string[] = [];
    const rows = this.s.fsPaths.all(account, name);
    for (const r of rows) released.push(...this.dropPathData(r.id, r.extents), ...this.dropBlocks(account, name, r.path));
    this.s.deleteFsPaths.run(account, name);
    const blockRows = this.s.fsBlockChunks.all(account, name);
    released.push(...this.unref(blockRows.flatMap((b) => (b.chunk === null ? [] : [b.chunk]))));
    this.s.deleteFsBlocks.run(account, name);
    this.fsCache.delete(`${account}/${name}`);
    this.s.deleteFs.run(account, name);
    return released;
  }

  getPath(account: string, fs: string, path: string): PathRow | undefined {
    const r = this.s.getPath.get(account, fs, path);
    return r === undefined ? undefined : pathRowOf(r);
  }
  /** Row id of a path (answered from the index alone), undefined when absent. */
  pathId(account: string, fs: string, path: string): number | undefined {
    return this.s.pathId.get(account, fs, path)?.id;
  }
  insertPath(row: NewPath): number {
    return Number(this.s.insertPath.run(row).lastInsertRowid);
  }
  updatePath(id: number, fields: PathUpdate): void {
    const keys = Object.keys(fields).sort();
    if (keys.length === 0) return;
    const key = keys.join(',');
    let stmt = this.updates.get(key);
    if (!stmt) {
      stmt = this.db.prepare(`UPDATE paths SET ${keys.map((k) => `${k} = @${k}`).join(', ')} WHERE id = @id`);
      this.updates.set(key, stmt);
    }
    stmt.run({ ...fields, id });
  }
  hasChildren(account: string, fs: string, path: string): boolean {
    return this.s.hasChild.get(account, fs, path) !== undefined;
  }
  /** Direct children of `dir`, ordered by path, after `after`. */
  children(account: string, fs: string, dir: string, after: string, limit: number): PathRow[] {
    return this.s.children.all(account, fs, dir, after, limit).map(pathRowOf);
  }
  /** Rows whose path starts with `prefix` (non-empty), ordered by path, after `after`. */
  byPrefix(account: string, fs: string, prefix: string, after: string, limit: number): PathRow[] {
    if (prefix === '') return this.s.range.all(account, fs, after, '\u0001', '\uffff', limit).map(pathRowOf);
    return this.s.range.all(account, fs, after, prefix, prefixEnd(prefix), limit).map(pathRowOf);
  }
  /** Up to `limit` descendants of `dir`, deepest-first order (path descending). */
  descendantsDesc(account: string, fs: string, dir: string, limit: number): PathRow[] {
    const prefix = dir === '' ? '' : `${dir}/`;
    return (prefix === '' ? this.s.rangeDesc.all(account, fs, '\u0001', '\uffff', limit) : this.s.rangeDesc.all(account, fs, prefix, prefixEnd(prefix), limit)).map(pathRowOf);
  }

  /** Deletes a path row with its staged data; returns chunk ids to release. */
  deletePath(row: Pick<PathRow, 'id' | 'extents' | 'account' | 'fs' | 'path'>): string[] {
    const released = [...this.dropPathData(row.id, row.extents), ...this.dropBlocks(row.account, row.fs, row.path)];
    this.s.deletePath.run(row.id);
    return released;
  }
  private dropPathData(id: number, extentsJson: string): string[] {
    const staged = this.s.staged.all(id);
    this.s.deleteStaged.run(id);
    return this.unref([...chunksOf(extentsJson), ...staged.map((s) => s.chunk)]);
  }
  private dropBlocks(account: string, fs: string, path: string): string[] {
    const blocks = this.s.blocks.all(account, fs, path);
    if (blocks.length === 0) return [];
    this.s.deleteBlocks.run(account, fs, path);
    return this.unref(blocks.flatMap((b) => (b.chunk === null ? [] : [b.chunk])));
  }

  staged(pathId: number): StagedRow[] {
    return this.s.staged.all(pathId);
  }
  /** Stages appended data at `position` (a retried append at the same position replaces it). */
  putStaged(pathId: number, position: number, chunk: string, len: number): string[] {
    const old = this.s.getStagedAt.get(pathId, position);
    let released: string[] = [];
    if (old) {
      this.s.deleteStagedAt.run(pathId, position);
      released = this.unref([old.chunk]);
    }
    this.ref([chunk]);
    this.s.putStaged.run(pathId, position, chunk, 0, len);
    return released;
  }
  /**
   * Replaces the staged rows of a path (`old` as read by `staged()` in the same transaction) with `rows`,
   * and adds one reference per chunk of `committed` (extents the caller moves into the file). Reference
   * counts change by their net amount only: a chunk that moves from staged to committed is untouched.
   * Returns chunk ids no longer referenced.
   */
  replaceStaged(pathId: number, old: readonly StagedRow[], rows: readonly StagedRow[], committed: readonly string[]): string[] {
    if (old.length > 0) this.s.deleteStaged.run(pathId);
    for (const r of rows) this.s.putStaged.run(pathId, r.position, r.chunk, r.chunk_off, r.len);
    return this.adjustRefs([...committed, ...rows.map((r) => r.chunk)], old.map((r) => r.chunk));
  }
  /**
   * Adds one reference per id in `added` and drops one per id in `dropped`, writing only net changes;
   * returns ids no longer referenced (their rows are deleted). Same outcome as `ref(added)` then `unref(dropped)`.
   */
  adjustRefs(added: readonly string[], dropped: readonly string[]): string[] {
    const delta = new Map<string, number>();
    for (const id of added) delta.set(id, (delta.get(id) ?? 0) + 1);
    for (const id of dropped) delta.set(id, (delta.get(id) ?? 0) - 1);
    const dead: string[] = [];
    for (const [id, d] of delta) {
      if (d === 0) continue;
      this.s.ref.run(id, d);
      if (d > 0) continue;
      const r = this.s.refsOf.get(id);
      if (r !== undefined && r.refs <= 0) {
        this.s.dropChunk.run(id);
        dead.push(id);
      }
    }
    return dead;
  }

  blocks(account: string, fs: string, path: string): BlockRow[] {
    return this.s.blocks.all(account, fs, path);
  }
  putBlock(account: string, fs: string, path: string, blockId: string, chunk: string | undefined, len: number): string[] {
    const old = this.s.getBlock.get(account, fs, path, blockId);
    if (chunk !== undefined) this.ref([chunk]);
    this.s.putBlock.run(account, fs, path, blockId, chunk ?? null, len);
    return old?.chunk ? this.unref([old.chunk]) : [];
  }
  clearBlocks(account: string, fs: string, path: string): string[] {
    return this.dropBlocks(account, fs, path);
  }

  /** Adds one reference per listed chunk id. */
  ref(ids: readonly string[]): void {
    for (const id of ids) this.s.ref.run(id, 1);
  }
  /** Drops one reference per listed id; returns ids no longer referenced (to delete from the byte store). */
  unref(ids: readonly string[]): string[] {
    const dead: string[] = [];
    for (const id of ids) {
      this.s.ref.run(id, -1);
      const r = this.s.refsOf.get(id);
      if (r !== undefined && r.refs <= 0) {
        this.s.dropChunk.run(id);
        dead.push(id);
      }
    }
    return dead;
  }

  /**
   * Moves a path row and its subtree (rows and uncommitted blocks) to (`toFs`, `to`); no data is copied.
   * Every statement seeks an index for exactly the rows it moves, and the subtree updates only run when
   * a probe finds something to move, so a rename costs the same in an empty or a huge filesystem.
   */
  movePath(row: Pick<PathRow, 'id' | 'account' | 'fs' | 'path'>, toFs: string, to: string, toParent: string): void {
    const where = { account: row.account, fromFs: row.fs, from: row.path };
    const args = { ...where, toFs, to };
    this.s.movePathRow.run({ id: row.id, toFs, to, toParent });
    if (this.s.hasSubtree.get(where) !== undefined) this.s.moveSubtree.run(args);
    // [from, from0) holds the path itself, its subtree and unrelated siblings such as `from.txt`; the
    // probe only decides whether to look closer, the updates below select exactly.
    if (this.s.hasBlocks.get(where) !== undefined) {
      this.s.moveBlocks.run(args);
      this.s.moveSubtreeBlocks.run(args);
    }
  }
}
