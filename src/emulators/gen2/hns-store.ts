import type Database from 'better-sqlite3';
import type { MetaDb, NewPath } from './meta.js';

/**
 * SQLite tables of the HNS blob features (snapshots, access tiers, soft-deleted paths, service
 * properties), next to the namespace tables of `meta.ts`. Every table is created with
 * `IF NOT EXISTS`, so a data folder written by an older emulator gains them on its next start and
 * keeps everything it held (the tables are new; no existing table changes).
 */

const SCHEMA = `
CREATE TABLE IF NOT EXISTS snapshots (account TEXT NOT NULL, fs TEXT NOT NULL, path TEXT NOT NULL, snapshot TEXT NOT NULL,
  size INTEGER NOT NULL, etag TEXT NOT NULL, modified INTEGER NOT NULL, created INTEGER NOT NULL, md5 TEXT, headers TEXT NOT NULL,
  metadata TEXT NOT NULL, extents TEXT NOT NULL, tier TEXT, PRIMARY KEY (account, fs, path, snapshot)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS path_tiers (path_id INTEGER PRIMARY KEY, tier TEXT NOT NULL, changed INTEGER NOT NULL,
  rehydrate_to TEXT, rehydrate_priority TEXT, rehydrate_at INTEGER);
CREATE TRIGGER IF NOT EXISTS path_tiers_follow_paths AFTER DELETE ON paths BEGIN DELETE FROM path_tiers WHERE path_id = old.id; END;
CREATE TABLE IF NOT EXISTS deleted_paths (deletion_id TEXT NOT NULL PRIMARY KEY, account TEXT NOT NULL, fs TEXT NOT NULL,
  path TEXT NOT NULL, is_dir INTEGER NOT NULL, deleted_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, created INTEGER NOT NULL,
  modified INTEGER NOT NULL, size INTEGER NOT NULL, etag TEXT NOT NULL, rows TEXT NOT NULL, snapshots TEXT NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS deleted_paths_by_name ON deleted_paths (account, fs, path, deletion_id);
CREATE TABLE IF NOT EXISTS service_properties (account TEXT NOT NULL PRIMARY KEY, json TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS container_acls (account TEXT NOT NULL, fs TEXT NOT NULL, public_access TEXT, identifiers TEXT NOT NULL,
  PRIMARY KEY (account, fs)) WITHOUT ROWID;
`;

export interface SnapshotRow {
  account: string; fs: string; path: string; snapshot: string; size: number; etag: string; modified: number; created: number;
  md5: string | null; headers: string; metadata: string; extents: string; tier: string | null;
}

/** A container's public access level and stored access policies (JSON of `StoredPolicy[]`); no row: private, none. */
export interface ContainerAclRow { account: string; fs: string; public_access: string | null; identifiers: string }

export interface TierRow { path_id: number; tier: string; changed: number; rehydrate_to: string | null; rehydrate_priority: string | null; rehydrate_at: number | null }

/** A soft-deleted file or directory: its rows (the directory's whole subtree), tiers and snapshots, kept with their chunk references. */
export interface DeletedRow {
  deletion_id: string; account: string; fs: string; path: string; is_dir: number; deleted_at: number; expires_at: number;
  created: number; modified: number; size: number; etag: string; rows: string; snapshots: string;
}

/** A path row as kept in a deleted entry, with the tier it had. */
export interface KeptPath { row: NewPath; tier: Omit<TierRow, 'path_id'> | undefined }

/** Options of the HNS features. */
export interface HnsOptions {
  /** Milliseconds an Archive blob takes to come back online, by rehydrate priority. */
  rehydrateMs: { standard: number; high: number };
  /** Length of one "day" of the delete retention policy, in milliseconds (shorter in tests). */
  retentionDayMs: number;
}

export class HnsStore {
  private readonly s;
  private seq = 0;
  private readonly propsCache = new Map<string, string | undefined>();

  constructor(readonly meta: MetaDb, readonly options: HnsOptions) {
    const d: Database.Database = meta.db;
    d.exec(SCHEMA);
    this.s = {
      snapshots: d.prepare<[string, string, string], SnapshotRow>('SELECT * FROM snapshots WHERE account = ? AND fs = ? AND path = ? ORDER BY snapshot'),
      snapshot: d.prepare<[string, string, string, string], SnapshotRow>('SELECT * FROM snapshots WHERE account = ? AND fs = ? AND path = ? AND snapshot = ?'),
      hasSnapshots: d.prepare<[string, string, string], { one: number }>('SELECT 1 AS one FROM snapshots WHERE account = ? AND fs = ? AND path = ? LIMIT 1'),
      insertSnapshot: d.prepare('INSERT INTO snapshots (account, fs, path, snapshot, size, etag, modified, created, md5, headers, metadata, extents, tier) VALUES (@account, @fs, @path, @snapshot, @size, @etag, @modified, @created, @md5, @headers, @metadata, @extents, @tier)'),
      deleteSnapshot: d.prepare('DELETE FROM snapshots WHERE account = ? AND fs = ? AND path = ? AND snapshot = ?'),
      setSnapshotTier: d.prepare('UPDATE snapshots SET tier = ? WHERE account = ? AND fs = ? AND path = ? AND snapshot = ?'),
      snapshotsUnder: d.prepare<[string, string, string, string], SnapshotRow>(`SELECT * FROM snapshots WHERE account = ? AND fs = ? AND path >= ? AND path < ?`),
      fsSnapshots: d.prepare<[string, string], SnapshotRow>('SELECT * FROM snapshots WHERE account = ? AND fs = ?'),
      deleteFsSnapshots: d.prepare('DELETE FROM snapshots WHERE account = ? AND fs = ?'),
      tier: d.prepare<[number], TierRow>('SELECT * FROM path_tiers WHERE path_id = ?'),
      putTier: d.prepare('INSERT OR REPLACE INTO path_tiers (path_id, tier, changed, rehydrate_to, rehydrate_priority, rehydrate_at) VALUES (@path_id, @tier, @changed, @rehydrate_to, @rehydrate_priority, @rehydrate_at)'),
      clearTier: d.prepare('DELETE FROM path_tiers WHERE path_id = ?'),
      insertDeleted: d.prepare('INSERT INTO deleted_paths (deletion_id, account, fs, path, is_dir, deleted_at, expires_at, created, modified, size, etag, rows, snapshots) VALUES (@deletion_id, @account, @fs, @path, @is_dir, @deleted_at, @expires_at, @created, @modified, @size, @etag, @rows, @snapshots)'),
      deleted: d.prepare<[string, string, string], DeletedRow>('SELECT * FROM deleted_paths WHERE account = ? AND fs = ? AND path = ? ORDER BY deleted_at DESC, deletion_id DESC'),
      deletedById: d.prepare<[string, string, string, string], DeletedRow>('SELECT * FROM deleted_paths WHERE account = ? AND fs = ? AND path = ? AND deletion_id = ?'),
      deletedPage: d.prepare<[string, string, string, string, string, string, string, number], DeletedRow>(
        `SELECT * FROM deleted_paths WHERE account = ? AND fs = ? AND path >= ? AND path < ? AND (path > ? OR (path = ? AND deletion_id > ?)) ORDER BY path, deletion_id LIMIT ?`),
      dropDeleted: d.prepare('DELETE FROM deleted_paths WHERE deletion_id = ?'),
      expired: d.prepare<[string, number], DeletedRow>('SELECT * FROM deleted_paths WHERE account = ? AND expires_at <= ?'),
      fsDeleted: d.prepare<[string, string], DeletedRow>('SELECT * FROM deleted_paths WHERE account = ? AND fs = ?'),
      dropStaged: d.prepare('DELETE FROM staged WHERE path_id = ?'),
      dropPathRow: d.prepare('DELETE FROM paths WHERE id = ?'),
      getProps: d.prepare<[string], { json: string }>('SELECT json FROM service_properties WHERE account = ?'),
      putProps: d.prepare('INSERT OR REPLACE INTO service_properties (account, json) VALUES (?, ?)'),
      containerAcl: d.prepare<[string, string], ContainerAclRow>('SELECT * FROM container_acls WHERE account = ? AND fs = ?'),
      putContainerAcl: d.prepare('INSERT OR REPLACE INTO container_acls (account, fs, public_access, identifiers) VALUES (@account, @fs, @public_access, @identifiers)'),
      dropContainerAcl: d.prepare('DELETE FROM container_acls WHERE account = ? AND fs = ?'),
      uncommitted: d.prepare<[string, string, string, string, number], { path: string }>(
        `SELECT DISTINCT b.path AS path FROM blocks b WHERE b.account = ? AND b.fs = ? AND b.path >= ? AND b.path < ?
         AND NOT EXISTS (SELECT 1 FROM paths p WHERE p.account = b.account AND p.fs = b.fs AND p.path = b.path) ORDER BY b.path LIMIT ?`),
    };
  }

  snapshots(account: string, fs: string, path: string): SnapshotRow[] {
    return this.s.snapshots.all(account, fs, path);
  }
  snapshot(account: string, fs: string, path: string, snapshot: string): SnapshotRow | undefined {
    return this.s.snapshot.get(account, fs, path, snapshot);
  }
  hasSnapshots(account: string, fs: string, path: string): boolean {
    return this.s.hasSnapshots.get(account, fs, path) !== undefined;
  }
  /** Stores a snapshot; takes one reference on each chunk it points at. */
  insertSnapshot(row: SnapshotRow, chunks: readonly string[]): void {
    this.meta.ref(chunks);
    this.s.insertSnapshot.run(row);
  }
  /** Deletes one snapshot; returns chunk ids no longer referenced. */
  deleteSnapshot(row: SnapshotRow, chunks: readonly string[]): string[] {
    this.s.deleteSnapshot.run(row.account, row.fs, row.path, row.snapshot);
    return this.meta.unref(chunks);
  }
  setSnapshotTier(row: SnapshotRow, tier: string): void {
    this.s.setSnapshotTier.run(tier, row.account, row.fs, row.path, row.snapshot);
  }
  /** Snapshots of `path` and of everything under it (as `path/`). */
  snapshotsUnder(account: string, fs: string, path: string): SnapshotRow[] {
    return [...this.s.snapshots.all(account, fs, path), ...this.s.snapshotsUnder.all(account, fs, `${path}/`, `${path}0`)];
  }
  fsSnapshots(account: string, fs: string): SnapshotRow[] {
    return this.s.fsSnapshots.all(account, fs);
  }
  deleteFsSnapshots(account: string, fs: string): void {
    this.s.deleteFsSnapshots.run(account, fs);
  }

  tier(pathId: number): TierRow | undefined {
    return this.s.tier.get(pathId);
  }
  putTier(row: TierRow): void {
    this.s.putTier.run(row);
  }
  clearTier(pathId: number): void {
    this.s.clearTier.run(pathId);
  }

  /** A deletion id: unique, increasing, in the FILETIME-like decimal form Azure uses. */
  newDeletionId(now: number): string {
    this.seq = (this.seq + 1) % 10000;
    return `${BigInt(now + 11644473600000) * 10000n + BigInt(this.seq)}`;
  }
  insertDeleted(row: DeletedRow): void {
    this.s.insertDeleted.run(row);
  }
  /** Deleted entries of one name, most recent first. */
  deleted(account: string, fs: string, path: string): DeletedRow[] {
    return this.s.deleted.all(account, fs, path);
  }
  deletedById(account: string, fs: string, path: string, id: string): DeletedRow | undefined {
    return this.s.deletedById.get(account, fs, path, id);
  }
  /** Deleted entries whose name starts with `prefix`, in (name, deletion id) order after the marker. */
  deletedPage(account: string, fs: string, prefix: string, afterPath: string, afterId: string, limit: number): DeletedRow[] {
    const end = prefix === '' ? '\uffff' : prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
    return this.s.deletedPage.all(account, fs, prefix, end, afterPath, afterPath, afterId, limit);
  }
  dropDeleted(id: string): void {
    this.s.dropDeleted.run(id);
  }
  expired(account: string, now: number): DeletedRow[] {
    return this.s.expired.all(account, now);
  }
  fsDeleted(account: string, fs: string): DeletedRow[] {
    return this.s.fsDeleted.all(account, fs);
  }

  /**
   * Removes a path row but keeps the references of its committed extents (they move to a deleted
   * entry); staged appends and uncommitted blocks are dropped. Returns chunk ids no longer referenced.
   */
  removeRowKeepContent(row: { id: number; account: string; fs: string; path: string }): string[] {
    const staged = this.meta.staged(row.id).map((s) => s.chunk);
    this.s.dropStaged.run(row.id);
    this.s.dropPathRow.run(row.id);
    return [...this.meta.unref(staged), ...this.meta.clearBlocks(row.account, row.fs, row.path)];
  }
  /** Removes a snapshot row but keeps its chunk references (they move to a deleted entry). */
  removeSnapshotKeepContent(row: SnapshotRow): void {
    this.s.deleteSnapshot.run(row.account, row.fs, row.path, row.snapshot);
  }

  /** The stored service properties document (JSON) of an account; read once, then from memory. */
  serviceProperties(account: string): string | undefined {
    if (!this.propsCache.has(account)) this.propsCache.set(account, this.s.getProps.get(account)?.json);
    return this.propsCache.get(account);
  }
  putServiceProperties(account: string, json: string): void {
    this.s.putProps.run(account, json);
    this.propsCache.set(account, json);
  }

  containerAcl(account: string, fs: string): ContainerAclRow | undefined {
    return this.s.containerAcl.get(account, fs);
  }
  putContainerAcl(row: ContainerAclRow): void {
    this.s.putContainerAcl.run(row);
  }
  dropContainerAcl(account: string, fs: string): void {
    this.s.dropContainerAcl.run(account, fs);
  }
  /** Names under `prefix` that have staged blocks but no committed blob (List Blobs include=uncommittedblobs). */
  uncommittedNames(account: string, fs: string, prefix: string, limit: number): string[] {
    const end = prefix === '' ? '\uffff' : prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
    return this.s.uncommitted.all(account, fs, prefix, end, limit).map((r) => r.path);
  }
}
