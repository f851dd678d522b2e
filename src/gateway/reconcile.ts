import { aclEquivalent, STICKY_BIT } from '../core/acl.js';
import { parentPath, pathSegments, type Entry } from '../core/entry.js';
import { isStorageError } from '../core/errors.js';
import type { Store } from '../core/store.js';
import { march, walk } from '../core/walk.js';
import { translateAcl, type IdentityMap } from '../engine/acl-translate.js';
import { TIME_PROPERTIES } from '../engine/metadata.js';
import { writeNewVersion } from './file-rewrite.js';

/**
 * Brings the Gen2 copy of a path to Gen1's current state, by state and not by replaying operations:
 * whatever happened on Gen1 (one write or ten, a crash mid-request), reading Gen1 now and making Gen2
 * match is correct and idempotent. Used by the mirror's applier, drift --repair and the tee store.
 */

export interface ReconcileOptions {
  /** 'always' re-copies file content (after a write); 'if-changed' only when size or kept mtime differ. */
  content: 'always' | 'if-changed';
  identityMap?: IdentityMap;
}

async function statOrUndefined(store: Store, path: string): Promise<Entry | undefined> {
  try {
    return await store.stat(path);
  } catch (error) {
    if (isStorageError(error, 'not-found')) return undefined;
    throw error;
  }
}

/** Owner, group, ACL and sticky bit from the source onto the destination, when they differ. */
async function applyAccess(source: Store, sp: string, dest: Store, dp: string, kind: Entry['kind'], options: ReconcileOptions): Promise<void> {
  if (!source.capabilities.permissions || !dest.capabilities.permissions) return;
  const t = translateAcl(await source.getAcl(sp), kind, { identityMap: options.identityMap });
  const current = await dest.getAcl(dp);
  const ownerWanted = dest.capabilities.ownership && dp !== '' && (t.owner !== current.owner || t.group !== current.group);
  const aclWanted = dest.capabilities.acl && !aclEquivalent(current.entries, t.entries);
  const sticky = dest.capabilities.stickyBit ? t.permissions & STICKY_BIT : 0;
  const stickyWanted = sticky !== (current.permissions & STICKY_BIT);
  const who = ownerWanted ? { owner: t.owner, group: t.group } : {};
  if (aclWanted || ownerWanted) {
    if (dest.setAccessControl !== undefined) await dest.setAccessControl(dp, { ...who, ...(aclWanted ? { entries: t.entries } : {}) });
    else {
      if (aclWanted) await dest.setAcl(dp, t.entries);
      if (ownerWanted) await dest.setOwner(dp, t.owner, t.group);
    }
  }
  if (stickyWanted || !dest.capabilities.acl) await dest.setPermissions(dp, dest.capabilities.stickyBit ? t.permissions : t.permissions & 0o777);
}

async function copyFile(source: Store, s: Entry, sp: string, dest: Store, dp: string): Promise<void> {
  await writeNewVersion(dest, dp, [{ store: source, path: sp }], { overwrite: true, properties: { [TIME_PROPERTIES.mtime]: String(s.mtimeMs) } });
}

async function contentDiffers(s: Entry, dest: Store, dp: string, d: Entry): Promise<boolean> {
  if (s.size !== d.size) return true;
  if (!dest.capabilities.properties) return s.mtimeMs > d.mtimeMs;
  const kept = (await dest.getProperties(dp))[TIME_PROPERTIES.mtime];
  return kept !== String(s.mtimeMs);
}

/** Reconciles one path given both sides' entries (undefined = absent). Not recursive. */
async function reconcileEntry(source: Store, sp: string, s: Entry | undefined, dest: Store, dp: string, d: Entry | undefined, options: ReconcileOptions): Promise<void> {
  if (s === undefined) {
    if (d !== undefined && dp !== '') await dest.remove(dp, { recursive: true });
    return;
  }
  if (d !== undefined && d.kind !== s.kind) {
    await dest.remove(dp, { recursive: true });
    d = undefined;
  }
  if (s.kind === 'directory') {
    if (d === undefined) await dest.mkdir(dp);
  } else if (d === undefined || options.content === 'always' || (await contentDiffers(s, dest, dp, d))) {
    await copyFile(source, s, sp, dest, dp);
  }
  await applyAccess(source, sp, dest, dp, s.kind, options);
}

/** Creates missing ancestors of dp with the source ancestors' metadata (sp and dp have the same depth below their roots). */
async function ensureParents(source: Store, sp: string, dest: Store, dp: string, options: ReconcileOptions): Promise<void> {
  const sSeg = pathSegments(sp);
  const dSeg = pathSegments(dp);
  const shared = Math.min(sSeg.length, dSeg.length) - 1;
  const missing: number[] = [];
  for (let up = 1; up <= shared; up++) {
    const dParent = dSeg.slice(0, dSeg.length - up).join('/');
    if ((await statOrUndefined(dest, dParent)) !== undefined) break;
    missing.push(up);
  }
  for (const up of missing.reverse()) {
    const spParent = sSeg.slice(0, sSeg.length - up).join('/');
    const dpParent = dSeg.slice(0, dSeg.length - up).join('/');
    const s = await statOrUndefined(source, spParent);
    if (s !== undefined) await reconcileEntry(source, spParent, s, dest, dpParent, undefined, options);
  }
}

/** Makes dest:dp match source:sp (one path, its missing parents too). */
export async function reconcilePath(source: Store, sp: string, dest: Store, dp: string, options: ReconcileOptions): Promise<void> {
  const s = await statOrUndefined(source, sp);
  const d = await statOrUndefined(dest, dp);
  if (s !== undefined && d === undefined && parentPath(dp) !== dp) await ensureParents(source, sp, dest, dp, options);
  await reconcileEntry(source, sp, s, dest, dp, d, options);
}

/** Makes the subtree dest:dp match source:sp (the path itself and everything below it). */
export async function reconcileTree(source: Store, sp: string, dest: Store, dp: string, options: ReconcileOptions): Promise<void> {
  await reconcilePath(source, sp, dest, dp, options);
  const s = await statOrUndefined(source, sp);
  if (s?.kind !== 'directory') return;
  const join = (base: string, rel: string): string => (base === '' ? rel : `${base}/${rel}`);
  const removed: string[] = [];
  for await (const batch of march(walk(source, sp, { pageSize: 1000 }), walk(dest, dp, { pageSize: 1000 }))) {
    for (const item of batch) {
      // Below a removed extra directory nothing is left to do.
      if (removed.some((r) => item.path.startsWith(`${r}/`))) continue;
      await reconcileEntry(source, join(sp, item.path), item.left, dest, join(dp, item.path), item.right, { ...options, content: 'if-changed' });
      if (item.right?.kind === 'directory' && item.left?.kind !== 'directory') removed.push(item.path);
    }
  }
}
