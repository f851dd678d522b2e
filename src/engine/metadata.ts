import type { AclStatus } from '../core/acl-types.js';
import { aclFromMode } from '../core/acl.js';
import type { Entry, EntryKind } from '../core/entry.js';
import type { AccessControlChange, CallOptions, Store } from '../core/store.js';
import { translateAcl, sameEntries, type TranslateOptions, type TranslatedAcl } from './acl-translate.js';
import { withRetry, type RetryPolicy } from './retry.js';
import type { PreserveKey } from './types.js';

/** Property names holding times the destination cannot set natively (ms since the epoch, as strings). */
export const TIME_PROPERTIES = { mtime: 'lakeshift_mtime', atime: 'lakeshift_atime', expiry: 'lakeshift_expiry' } as const;

export interface MetadataContext {
  preserve: ReadonlySet<PreserveKey>;
  translate: TranslateOptions;
  retry: RetryPolicy;
  signal?: AbortSignal | undefined;
}

/**
 * Reads the source's owner, group, mode and ACL for an entry. Uses getAcl when the source keeps ACLs
 * and ACLs or owners are preserved; otherwise builds the status from the entry's own fields.
 * Returns undefined when nothing about permissions is preserved or known.
 */
export async function readSourceAcl(source: Store, path: string, entry: Entry, ctx: MetadataContext): Promise<AclStatus | undefined> {
  const wanted = ctx.preserve.has('acl') || ctx.preserve.has('owner') || ctx.preserve.has('permissions');
  if (!wanted) return undefined;
  const needAcl = ctx.preserve.has('acl') && source.capabilities.acl && entry.hasAcl !== false;
  const needOwner = ctx.preserve.has('owner') && (entry.owner === undefined || entry.group === undefined);
  if (source.capabilities.permissions && (needAcl || needOwner || entry.permissions === undefined)) {
    return withRetry(() => source.getAcl(path, { ...(ctx.signal ? { signal: ctx.signal } : {}) }), { policy: ctx.retry, signal: ctx.signal });
  }
  if (entry.permissions === undefined) return undefined;
  return { owner: entry.owner ?? '', group: entry.group ?? '', permissions: entry.permissions, entries: aclFromMode(entry.permissions) };
}

/** Translates a source status for the destination (throws invalid-argument beyond 32 entries). */
export function planAcl(status: AclStatus | undefined, kind: EntryKind, ctx: MetadataContext): TranslatedAcl | undefined {
  return status === undefined ? undefined : translateAcl(status, kind, ctx.translate);
}

/** Time properties for a destination that cannot set times natively ({} when it can or times are not kept). */
export function timeProperties(dest: Store, entry: Entry, ctx: MetadataContext): Record<string, string> {
  const out: Record<string, string> = {};
  if (!ctx.preserve.has('times') || !dest.capabilities.properties) return out;
  if (dest.setTimes === undefined) {
    out[TIME_PROPERTIES.mtime] = String(entry.mtimeMs);
    if (entry.atimeMs !== undefined) out[TIME_PROPERTIES.atime] = String(entry.atimeMs);
  }
  const nativeExpiry = dest.capabilities.expiry && dest.setExpiry !== undefined;
  if (!nativeExpiry && entry.expiryMs !== undefined && entry.expiryMs > 0) out[TIME_PROPERTIES.expiry] = String(entry.expiryMs);
  return out;
}

export interface ApplyOptions {
  /** Properties were already given at create (files): do not set them again. */
  propertiesSet: boolean;
  /** Compare with the destination first and only write what differs (incremental). */
  compareFirst: boolean;
  /** Owner, group, ACL and mode were given at create (see accessControlAtCreate): do not set them again. */
  accessControlSet?: boolean;
}

/**
 * What to change on a destination path so that its owner, group, ACL and mode match the translated
 * source status, as far as the destination's capabilities and the preserve set allow; `current` is
 * the destination's status when known (compare first), undefined for a fresh path.
 */
export function accessControlChange(dest: Store, kind: EntryKind, acl: TranslatedAcl, ctx: MetadataContext, current: AclStatus | undefined): AccessControlChange {
  const caps = dest.capabilities;
  const change: AccessControlChange = {};
  const setAclWanted = ctx.preserve.has('acl') && caps.acl && (acl.extended || kind === 'directory' || current === undefined || current.entries.length > 3);
  if (setAclWanted && (current === undefined || !sameEntries(current.entries, acl.entries))) change.entries = acl.entries;
  // The ACL carries the rwx bits; the mode is needed only for the sticky bit or without an ACL.
  const aclCarriedMode = change.entries !== undefined && (acl.permissions & 0o1000) === 0;
  const modeWanted = (ctx.preserve.has('permissions') || ctx.preserve.has('acl')) && !aclCarriedMode;
  if (modeWanted && caps.permissions) {
    const mode = caps.stickyBit ? acl.permissions : acl.permissions & 0o777;
    if (current === undefined || change.entries !== undefined || current.permissions !== mode) change.permissions = mode;
  }
  if (ctx.preserve.has('owner') && caps.ownership && (acl.owner !== '' || acl.group !== '')) {
    if (current === undefined || current.owner !== acl.owner || current.group !== acl.group) {
      if (acl.owner !== '') change.owner = acl.owner;
      if (acl.group !== '') change.group = acl.group;
    }
  }
  return change;
}

/**
 * The access control a fresh path can be created with (stores with createWithMetadata), or undefined
 * when it must be applied after the create (nothing to apply, or ACL entries plus a sticky-bit mode,
 * which one create call cannot carry).
 */
export function accessControlAtCreate(dest: Store, kind: EntryKind, acl: TranslatedAcl | undefined, ctx: MetadataContext): AccessControlChange | undefined {
  if (acl === undefined || !dest.capabilities.createWithMetadata) return undefined;
  const change = accessControlChange(dest, kind, acl, ctx, undefined);
  if (change.entries !== undefined && change.permissions !== undefined) return undefined;
  if (change.entries === undefined && change.permissions === undefined && change.owner === undefined && change.group === undefined) return undefined;
  return change;
}

/**
 * What a store with capabilities.metadataBeforeCommit is given to set before a new file's commit:
 * everything applyMetadata would set on it (owner, group, ACL, mode, times); undefined when the store
 * cannot, or when something is left that only applyMetadata sets (an expiry, time properties).
 */
export function metadataBeforeCommit(dest: Store, source: Entry, acl: TranslatedAcl | undefined, meta: MetadataContext): { accessControl?: AccessControlChange; times?: { mtimeMs: number; atimeMs?: number } } | undefined {
  if (dest.capabilities.metadataBeforeCommit !== true) return undefined;
  if (meta.preserve.has('times') && (Object.keys(timeProperties(dest, source, meta)).length > 0 || dest.setTimes === undefined)) return undefined;
  if (meta.preserve.has('times') && dest.capabilities.expiry && source.expiryMs !== undefined && source.expiryMs > 0) return undefined;
  const change = acl === undefined ? undefined : accessControlChange(dest, 'file', acl, meta, undefined);
  const hasChange = change !== undefined && (change.entries !== undefined || change.permissions !== undefined || change.owner !== undefined || change.group !== undefined);
  return {
    ...(hasChange ? { accessControl: change } : {}),
    ...(meta.preserve.has('times') ? { times: { mtimeMs: source.mtimeMs, ...(source.atimeMs === undefined ? {} : { atimeMs: source.atimeMs }) } } : {}),
  };
}

/**
 * Applies owner, group, ACL, mode and times to a destination path, each as far as the destination's
 * capabilities and the preserve set allow. Order: ACL (carries the base bits), mode (adds the sticky
 * bit), owner/group, then times last so nothing bumps them afterwards. Returns true when something
 * was written.
 */
export async function applyMetadata(dest: Store, path: string, kind: EntryKind, entry: Entry, acl: TranslatedAcl | undefined, ctx: MetadataContext, options: ApplyOptions): Promise<boolean> {
  const call = { ...(ctx.signal ? { signal: ctx.signal } : {}) };
  const retry = <T>(fn: () => Promise<T>): Promise<T> => withRetry(fn, { policy: ctx.retry, signal: ctx.signal });
  let wrote = false;
  if (acl !== undefined && options.accessControlSet !== true) {
    let current: AclStatus | undefined;
    if (options.compareFirst && dest.capabilities.permissions) current = await retry(() => dest.getAcl(path, call));
    wrote = await writeAccessControl(dest, path, accessControlChange(dest, kind, acl, ctx, current), call, retry);
  }
  if (ctx.preserve.has('times')) {
    const props = timeProperties(dest, entry, ctx);
    if (!options.propertiesSet && Object.keys(props).length > 0) {
      const existing = options.compareFirst ? await retry(() => dest.getProperties(path, call)) : {};
      const merged = { ...existing, ...props };
      if (!options.compareFirst || Object.entries(props).some(([k, v]) => existing[k] !== v)) {
        await retry(() => dest.setProperties(path, merged, call));
        wrote = true;
      }
    }
    if (kind === 'file' && dest.capabilities.expiry && dest.setExpiry !== undefined && entry.expiryMs !== undefined && entry.expiryMs > 0) {
      const setExpiry = dest.setExpiry.bind(dest);
      const expiry = entry.expiryMs;
      await retry(() => setExpiry(path, expiry, call));
      wrote = true;
    }
    if (dest.setTimes !== undefined) {
      const setTimes = dest.setTimes.bind(dest);
      const times = { mtimeMs: entry.mtimeMs, ...(entry.atimeMs === undefined ? {} : { atimeMs: entry.atimeMs }) };
      await retry(() => setTimes(path, times, call));
      wrote = true;
    }
  }
  return wrote;
}

/**
 * Writes an access-control change: in one store call when the store has setAccessControl, otherwise
 * as setAcl, setPermissions, setOwner in that order. Returns true when anything was written.
 */
async function writeAccessControl(dest: Store, path: string, change: AccessControlChange, call: CallOptions, retry: <T>(fn: () => Promise<T>) => Promise<T>): Promise<boolean> {
  const { entries, permissions, owner, group } = change;
  if (entries === undefined && permissions === undefined && owner === undefined && group === undefined) return false;
  if (dest.setAccessControl !== undefined) {
    const setAccessControl = dest.setAccessControl.bind(dest);
    await retry(() => setAccessControl(path, change, call));
    return true;
  }
  if (entries !== undefined) await retry(() => dest.setAcl(path, entries, call));
  if (permissions !== undefined) await retry(() => dest.setPermissions(path, permissions, call));
  if (owner !== undefined || group !== undefined) await retry(() => dest.setOwner(path, owner, group, call));
  return true;
}
