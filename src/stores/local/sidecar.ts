import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { z } from 'zod';
import type { AclEntry } from '../../core/acl-types.js';
import { SIDECAR_DIR } from './errors.js';

/**
 * The local store's metadata sidecar: what a Linux file system cannot hold natively.
 *
 * File: `<root>/.lakeshift/meta.sqlite3` (SQLite, WAL). One row per store-relative path:
 *   path TEXT PRIMARY KEY   store-relative path ('' = the root)
 *   owner, grp TEXT         owner / group strings (object IDs); NULL = the OS owner / group
 *   acl TEXT                JSON AclEntry[]: the full ACL when it is extended (named, mask or default
 *                           entries); NULL = the mode bits alone. The OS mode stays authoritative for
 *                           user::, mask (or group::) and other:: (the group bits hold the mask, as POSIX ACLs do).
 *   props TEXT              JSON object of custom properties; NULL = none
 *   md5 TEXT, md5_size INTEGER, md5_mtime INTEGER
 *                           base64 Content-MD5 recorded at commit, valid only while size and mtime (ms) match
 * The database is created on the first metadata write only, so read-only source trees stay untouched.
 * `<root>/.lakeshift/` also holds `tmp/` for writers whose parent directory does not exist yet.
 */
export interface SidecarRow {
  owner: string | null;
  grp: string | null;
  acl: string | null;
  props: string | null;
  md5: string | null;
  md5_size: number | null;
  md5_mtime: number | null;
}

const EMPTY_ROW: SidecarRow = { owner: null, grp: null, acl: null, props: null, md5: null, md5_size: null, md5_mtime: null };

const aclSchema = z.array(z.object({
  scope: z.enum(['access', 'default']),
  type: z.enum(['user', 'group', 'mask', 'other']),
  id: z.string(),
  perms: z.number().int().min(0).max(7),
}));
const propsSchema = z.record(z.string(), z.string());

/** Parses the stored ACL (undefined when absent or unreadable: the mode bits then stand alone). */
export function parseStoredAcl(row: SidecarRow | undefined): AclEntry[] | undefined {
  if (row?.acl == null) return undefined;
  const parsed = aclSchema.safeParse(safeJson(row.acl));
  return parsed.success ? parsed.data : undefined;
}

export function parseStoredProps(row: SidecarRow | undefined): Record<string, string> {
  if (row?.props == null) return {};
  const parsed = propsSchema.safeParse(safeJson(row.props));
  return parsed.success ? parsed.data : {};
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export class Sidecar {
  private db: BetterSqlite3.Database | undefined;
  private readonly file: string;

  constructor(private readonly root: string) {
    this.file = join(root, SIDECAR_DIR, 'meta.sqlite3');
  }

  /** The directory for temporary writer files (created on demand). */
  tmpDir(): string {
    const dir = join(this.root, SIDECAR_DIR, 'tmp');
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  private open(create: boolean): BetterSqlite3.Database | undefined {
    if (this.db !== undefined) return this.db;
    if (!create && !existsSync(this.file)) return undefined;
    mkdirSync(join(this.root, SIDECAR_DIR), { recursive: true });
    const db = new BetterSqlite3(this.file);
    db.pragma('journal_mode = WAL');
    db.pragma('busy_timeout = 5000');
    db.exec(`CREATE TABLE IF NOT EXISTS meta (
      path TEXT PRIMARY KEY, owner TEXT, grp TEXT, acl TEXT, props TEXT, md5 TEXT, md5_size INTEGER, md5_mtime INTEGER)`);
    this.db = db;
    return db;
  }

  /** The row for a path, if any metadata was recorded. */
  get(path: string): SidecarRow | undefined {
    const db = this.open(false);
    if (db === undefined) return undefined;
    const row = db.prepare('SELECT owner, grp, acl, props, md5, md5_size, md5_mtime FROM meta WHERE path = ?').get(path);
    return row === undefined ? undefined : (row as SidecarRow);
  }

  /** Merges fields into a path's row (creating the sidecar when needed). Rows left empty are deleted. */
  update(path: string, patch: Partial<SidecarRow>): void {
    const current = this.get(path) ?? EMPTY_ROW;
    const next = { ...current, ...patch };
    if (Object.values(next).every((v) => v === null)) {
      this.clear(path);
      return;
    }
    const db = this.open(true);
    db?.prepare(`INSERT INTO meta (path, owner, grp, acl, props, md5, md5_size, md5_mtime)
      VALUES (@path, @owner, @grp, @acl, @props, @md5, @md5_size, @md5_mtime)
      ON CONFLICT(path) DO UPDATE SET owner = excluded.owner, grp = excluded.grp, acl = excluded.acl,
        props = excluded.props, md5 = excluded.md5, md5_size = excluded.md5_size, md5_mtime = excluded.md5_mtime`).run({ path, ...next });
  }

  /** Forgets one path's metadata. */
  clear(path: string): void {
    this.open(false)?.prepare('DELETE FROM meta WHERE path = ?').run(path);
  }

  /** Forgets a path and everything under it. */
  clearTree(path: string): void {
    const db = this.open(false);
    if (db === undefined) return;
    if (path === '') db.prepare('DELETE FROM meta').run();
    else db.prepare("DELETE FROM meta WHERE path = ? OR (path >= ? || '/' AND path < ? || '0')").run(path, path, path);
  }

  /** Moves the metadata of a subtree (the destination's old metadata is dropped). */
  moveTree(from: string, to: string): void {
    const db = this.open(false);
    if (db === undefined) return;
    db.transaction(() => {
      this.clearTree(to);
      db.prepare(`UPDATE meta SET path = ? || substr(path, length(?) + 1)
        WHERE path = ? OR (path >= ? || '/' AND path < ? || '0')`).run(to, from, from, from, from);
    })();
  }

  close(): void {
    this.db?.close();
    this.db = undefined;
  }
}
