import type { Principal } from './auth/types.js';
import type { Dispatch } from './batch.js';
import { aclForNewChild, formatScope, isAllowed, parseScope, type AclScope } from './acl.js';
import type { ByteStore } from './bytes.js';
import type { HnsStore } from './hns-store.js';
import type { FsRow, MetaDb, NewPath, PathRow } from './meta.js';
import { newEtag, permissionMismatch, WireError, type Api } from './wire.js';

/**
 * The hierarchical namespace shared by the DFS and Blob handlers: path validation, implicit parent
 * creation, new-item ownership and ACLs, and POSIX permission checks for non-superuser callers.
 */

/** Paths with this many segments or more are refused with 409 PathIsTooDeep (domain.md: fails at 60). */
export const MAX_PATH_SEGMENTS = 60;
/** Longest path name accepted (characters), as the service's 1,024 limit. */
export const MAX_PATH_LENGTH = 1024;

export interface Namespace {
  db: MetaDb;
  bytes: ByteStore;
  superusers: ReadonlySet<string>;
  /** Account keys (primary first), for user delegation keys. */
  accountKeys: ReadonlyMap<string, readonly Buffer[]>;
  /** Accounts configured read-access geo-redundant (RA-GRS, RA-GZRS): they have a `-secondary` endpoint. */
  secondaryReads?: ReadonlySet<string>;
  /** SKU name per account for Get Account Information (`Standard_` + replication without the dash); default Standard_LRS. */
  skuNames?: ReadonlyMap<string, string>;
  /** Snapshots, tiers, soft-deleted paths and service properties. */
  hns: HnsStore;
  /** The accounts' AllowBlobPublicAccess setting: false refuses public access levels and anonymous reads (409 PublicAccessNotPermitted). */
  publicAccessAllowed?: boolean;
  /** The emulator's request pipeline, for Blob Batch to run its sub-requests through (set at start). */
  dispatch?: Dispatch;
}

/** Callers with an Azure AD identity (a token, or a user delegation SAS acting for a user): ACLs apply and they own what they create. */
export const hasIdentity = (p: Principal): boolean => p.kind === 'bearer' || p.kind === 'user-delegation';

export const isSuper = (p: Principal): boolean => p.superuser || !hasIdentity(p);

export function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

export function requireFs(ns: Namespace, api: Api, account: string, fs: string | undefined): FsRow {
  const row = fs === undefined ? undefined : ns.db.getFs(account, fs);
  if (!row) {
    throw api === 'dfs'
      ? new WireError(404, 'FilesystemNotFound', 'The specified filesystem does not exist.')
      : new WireError(404, 'ContainerNotFound', 'The specified container does not exist.');
  }
  return row;
}

/** Validates a path to be created: length and depth limits. */
export function validateNewPath(path: string): void {
  if (path.length > MAX_PATH_LENGTH) throw new WireError(400, 'InvalidResourceName', `The specified resource name length is not within the permissible limits (at most ${MAX_PATH_LENGTH} characters).`);
  if (path.split('/').length >= MAX_PATH_SEGMENTS) throw new WireError(409, 'PathIsTooDeep', `This operation is not permitted as the path is too deep (${MAX_PATH_SEGMENTS} segments or more).`);
}

export const accessOf = (row: PathRow): AclScope => parseScope(row.acl) ?? { user: 7, group: 5, other: 0, mask: undefined, named: [] };

/** Throws 403 unless the caller holds `want` (4 r, 2 w, 1 x) on `row`. Superusers always pass. */
export function checkPerm(p: Principal, row: PathRow, want: number): void {
  if (isSuper(p)) return;
  if (!isAllowed({ oid: p.oid, groups: p.groups }, row.owner, row.grp, accessOf(row), want)) throw permissionMismatch();
}

/** Ancestors of `path` from the root down to its parent; `undefined` holes where missing. */
export function ancestors(ns: Namespace, account: string, fs: string, path: string): (PathRow | undefined)[] {
  const out: (PathRow | undefined)[] = [ns.db.getPath(account, fs, '')];
  const parts = path.split('/');
  for (let i = 1; i < parts.length; i++) out.push(ns.db.getPath(account, fs, parts.slice(0, i).join('/')));
  return out;
}

/** Checks execute (traverse) permission on every existing ancestor of `path`. */
export function checkTraverse(ns: Namespace, p: Principal, account: string, fs: string, path: string): void {
  if (isSuper(p) || path === '') return;
  for (const a of ancestors(ns, account, fs, path)) if (a) checkPerm(p, a, 1);
}

/** Sticky-bit rule: in a sticky directory only the item's owner or the directory's owner may remove or rename it. */
export function checkSticky(p: Principal, parent: PathRow | undefined, item: PathRow): void {
  if (isSuper(p) || !parent || parent.sticky === 0) return;
  if (p.oid !== item.owner && p.oid !== parent.owner) throw permissionMismatch();
}

export interface NewItemOptions { isDir: boolean; mode?: number | undefined; umask: number; owner?: string | undefined; group?: string | undefined; sticky?: boolean; now: number }

/** Builds the row of a new item under `parent` (ownership and ACL from the caller and the parent's default ACL). */
export function newItem(account: string, fs: string, path: string, parent: PathRow, p: Principal, o: NewItemOptions): NewPath {
  const pair = aclForNewChild(parseScope(parent.default_acl), o.isDir, o.mode, o.umask);
  const bearer = hasIdentity(p);
  return {
    account, fs, path, parent: parentOf(path), is_dir: o.isDir ? 1 : 0, size: 0, etag: newEtag(), modified: o.now, created: o.now,
    owner: o.owner ?? (bearer ? p.oid : '$superuser'), grp: o.group ?? (bearer ? parent.grp : '$superuser'),
    acl: formatScope(pair.access), default_acl: formatScope(pair.def, true), sticky: o.sticky ? 1 : 0,
    metadata: '{}', headers: '{}', md5: null, extents: '[]', lease: null,
  };
}

/** Root directory row of a new filesystem. */
export function rootItem(account: string, fs: string, p: Principal, now: number): NewPath {
  const owner = hasIdentity(p) ? p.oid : '$superuser';
  return {
    account, fs, path: '', parent: '', is_dir: 1, size: 0, etag: newEtag(), modified: now, created: now, owner, grp: '$superuser',
    acl: 'user::rwx,group::r-x,other::---', default_acl: '', sticky: 0, metadata: '{}', headers: '{}', md5: null, extents: '[]', lease: null,
  };
}

/**
 * Ensures every ancestor directory of `path` exists, creating missing ones (as a create by the caller
 * would), and returns the parent row. 409 PathConflict when an ancestor is a file.
 */
export function ensureParents(ns: Namespace, p: Principal, account: string, fs: string, path: string, now: number): PathRow {
  // Every stored row's ancestors exist as directories (creates, renames and deletes keep it so), so for a
  // superuser, who needs no traverse checks, an existing parent directory settles it in one lookup.
  if (isSuper(p)) {
    const parent = ns.db.getPath(account, fs, parentOf(path));
    if (parent?.is_dir === 1) return parent;
  }
  const chain = ancestors(ns, account, fs, path);
  const parts = path.split('/');
  let parent = chain[0];
  if (!parent) {
    ns.db.insertPath(rootItem(account, fs, p, now));
    parent = ns.db.getPath(account, fs, '');
  }
  if (!parent) throw new WireError(500, 'InternalError', 'The filesystem root could not be created.');
  for (let i = 1; i < chain.length; i++) {
    const existing = chain[i];
    if (!isSuper(p)) checkPerm(p, parent, 1);
    if (existing) {
      if (existing.is_dir === 0) throw new WireError(409, 'PathConflict', 'The specified path, or an element of the path, exists and its resource type is invalid for this operation.');
      parent = existing;
      continue;
    }
    checkPerm(p, parent, 3);
    const dirPath = parts.slice(0, i).join('/');
    const id = ns.db.insertPath(newItem(account, fs, dirPath, parent, p, { isDir: true, umask: 0o027, now }));
    const created = ns.db.getPath(account, fs, dirPath);
    if (!created || created.id !== id) throw new WireError(500, 'InternalError', 'A parent directory could not be created.');
    parent = created;
  }
  return parent;
}

/** Removes a path row (and staged data) and schedules its chunks for deletion. */
export function dropItem(ns: Namespace, row: PathRow): void {
  ns.bytes.remove(ns.db.deletePath(row));
}
