/**
 * ACL operations: SETACL, MODIFYACLENTRIES, REMOVEACLENTRIES, REMOVEDEFAULTACL, REMOVEACL,
 * GETACLSTATUS / MSGETACLSTATUS (both return the full list, base entries and mask included).
 */
import { formatEntry, modeFromAccess, normalizeScope, parseAclSpec, serializeAcl, type Acl, type AclEntry } from './acl.js';
import { badRequest } from './errors.js';
import type { EntryRow } from './metadata.js';
import { aclOf, requireOwner, resolveExisting, type OpContext } from './namespace.js';
import { formatPermission, sendEmpty, sendJson } from './response.js';

function specOf(ctx: OpContext): string {
  const spec = ctx.target.query.get('aclspec');
  if (spec === undefined || spec === '') throw badRequest(`${ctx.op} needs an aclspec parameter, e.g. user::rwx,group::r-x,other::---.`);
  return spec;
}

function save(ctx: OpContext, row: EntryRow, acl: Acl): void {
  if (row.type === 'FILE' && acl.defaults.length > 0) {
    throw badRequest(`Invalid ACL for ${ctx.path}: only directories may have a default ACL.`);
  }
  const perm = (row.perm & 0o1000) | modeFromAccess(acl.access);
  ctx.state.meta.setAccess(row.id, perm, serializeAcl(acl));
  sendEmpty(ctx.res, 200);
}

function target(ctx: OpContext): EntryRow {
  const { entry } = resolveExisting(ctx, ctx.target.segments);
  requireOwner(ctx, entry, ctx.path);
  return entry;
}

/** Fills missing default base entries from the access ACL (HDFS behaviour). */
function completeDefaults(defaults: AclEntry[], access: readonly AclEntry[]): AclEntry[] {
  if (defaults.length === 0) return defaults;
  const out = [...defaults];
  for (const tag of ['user', 'group', 'other'] as const) {
    if (!out.some((e) => e.tag === tag && e.id === '')) {
      const base = access.find((e) => e.tag === tag && e.id === '');
      if (base) out.push({ ...base, isDefault: true });
    }
  }
  return out;
}

/** SETACL: replaces the scopes the spec touches (access and/or default); untouched scopes stay. */
export function handleSetAcl(ctx: OpContext): void {
  const entries = parseAclSpec(specOf(ctx), true);
  const row = target(ctx);
  const cur = aclOf(row);
  const acc = entries.filter((e) => !e.isDefault);
  const def = entries.filter((e) => e.isDefault);
  const access = acc.length > 0 ? normalizeScope(acc, false, acc.some((e) => e.tag === 'mask')) : cur.access;
  const defaults = def.length > 0 ? normalizeScope(completeDefaults(def, access), true, def.some((e) => e.tag === 'mask')) : cur.defaults;
  save(ctx, row, { access, defaults });
}

function merge(existing: readonly AclEntry[], changes: readonly AclEntry[]): AclEntry[] {
  const out = existing.filter((e) => !changes.some((c) => c.tag === e.tag && c.id === e.id));
  return [...out, ...changes];
}

/** MODIFYACLENTRIES: adds or replaces the given entries; the mask is recomputed unless given. */
export function handleModifyAclEntries(ctx: OpContext): void {
  const entries = parseAclSpec(specOf(ctx), true);
  const row = target(ctx);
  const cur = aclOf(row);
  const acc = entries.filter((e) => !e.isDefault);
  const def = entries.filter((e) => e.isDefault);
  const access = acc.length > 0 ? normalizeScope(merge(cur.access, acc), false, acc.some((e) => e.tag === 'mask')) : cur.access;
  const defaults =
    def.length > 0 ? normalizeScope(completeDefaults(merge(cur.defaults, def), access), true, def.some((e) => e.tag === 'mask')) : cur.defaults;
  save(ctx, row, { access, defaults });
}

/** REMOVEACLENTRIES: removes named entries (spec without permissions); base entries cannot be removed. */
export function handleRemoveAclEntries(ctx: OpContext): void {
  const entries = parseAclSpec(specOf(ctx), false);
  for (const e of entries) {
    if (e.id === '' && e.tag !== 'mask') throw badRequest(`Invalid ACL entry '${formatEntry(e).replace(/:[-rwx]{3}$/, ':')}': base entries cannot be removed.`);
  }
  const row = target(ctx);
  const cur = aclOf(row);
  const drop = (list: readonly AclEntry[], isDefault: boolean): AclEntry[] =>
    list.filter((e) => !entries.some((r) => r.isDefault === isDefault && r.tag === e.tag && r.id === e.id));
  const acc = entries.filter((e) => !e.isDefault);
  const def = entries.filter((e) => e.isDefault);
  const keptAccess = drop(cur.access, false);
  const access = acc.length > 0 ? normalizeScope(keptAccess, false, false) : cur.access;
  const keptDefaults = drop(cur.defaults, true);
  const defaults = def.length > 0 && keptDefaults.length > 0 ? normalizeScope(keptDefaults, true, false) : def.length > 0 ? [] : cur.defaults;
  save(ctx, row, { access, defaults });
}

/** REMOVEDEFAULTACL: drops the default ACL. */
export function handleRemoveDefaultAcl(ctx: OpContext): void {
  const row = target(ctx);
  save(ctx, row, { access: aclOf(row).access, defaults: [] });
}

/** REMOVEACL: drops named entries, the mask and the default ACL; group bits come back from group::. */
export function handleRemoveAcl(ctx: OpContext): void {
  const row = target(ctx);
  const access = aclOf(row).access.filter((e) => e.id === '' && e.tag !== 'mask');
  save(ctx, row, { access, defaults: [] });
}

/** The JSON `entries` array per (shared, frozen) ACL object from aclOf. */
const entriesJson = new WeakMap<Acl, string>();

/** GETACLSTATUS / MSGETACLSTATUS: `{"AclStatus":{"entries":[…],"owner","group","permission","stickyBit"}}`. */
export function handleGetAclStatus(ctx: OpContext): void {
  const { entry } = resolveExisting(ctx, ctx.target.segments);
  const acl = aclOf(entry);
  let entries = entriesJson.get(acl);
  if (entries === undefined) {
    entries = JSON.stringify([...acl.access, ...acl.defaults].map(formatEntry));
    entriesJson.set(acl, entries);
  }
  sendJson(
    ctx.res,
    200,
    `{"AclStatus":{"entries":${entries},"owner":${JSON.stringify(entry.owner)},"group":${JSON.stringify(entry.grp)},` +
      `"permission":"${formatPermission(entry.perm)}","stickyBit":${(entry.perm & 0o1000) !== 0}}}`,
  );
}
