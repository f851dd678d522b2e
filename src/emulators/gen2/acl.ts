import { WireError } from './wire.js';

/**
 * POSIX ACLs as ADLS Gen2 stores them: parse and format `x-ms-acl` / `x-ms-permissions`, the mask,
 * default-ACL inheritance at create, and the access check used for non-superuser callers.
 * An access ACL is stored canonically as text (`user::rwx,user:oid:r--,group::r-x,mask::r-x,other::---`).
 */

export type EntryType = 'user' | 'group' | 'mask' | 'other';

export interface NamedEntry { type: 'user' | 'group'; id: string; perm: number }

/** One scope (access or default) of an ACL. `mask` is undefined when the ACL has no mask entry. */
export interface AclScope { user: number; group: number; other: number; mask: number | undefined; named: NamedEntry[] }

export interface SpecEntry { isDefault: boolean; type: EntryType; id: string; perm: number | undefined }

/** Per scope limit of the service: 32 entries including the base entries and the mask. */
export const MAX_ACL_ENTRIES = 32;

const aclError = (why: string): WireError => new WireError(400, 'InvalidHeaderValue', `The value for one of the HTTP headers is not in the correct format: x-ms-acl. ${why}`);

export function parsePerm(text: string): number | undefined {
  if (!/^[r-][w-][xX-]$/.test(text)) return undefined;
  return (text[0] === 'r' ? 4 : 0) | (text[1] === 'w' ? 2 : 0) | (text[2] === '-' ? 0 : 1);
}

export const formatPerm = (p: number): string => `${p & 4 ? 'r' : '-'}${p & 2 ? 'w' : '-'}${p & 1 ? 'x' : '-'}`;

/**
 * Parses an ACL spec (comma list of `[default:]type:[id][:perm]`). With `withPerms` false (remove
 * mode) entries carry no permissions. Throws WireError 400 on any malformed entry.
 */
export function parseAclSpec(text: string, withPerms: boolean): SpecEntry[] {
  const out: SpecEntry[] = [];
  for (const raw of text.split(',')) {
    const part = raw.trim();
    if (part === '') continue;
    const bits = part.split(':');
    let isDefault = false;
    if (bits[0] === 'default') {
      isDefault = true;
      bits.shift();
    }
    const [type, id = '', perm] = bits;
    if (type !== 'user' && type !== 'group' && type !== 'mask' && type !== 'other') throw aclError(`Entry '${part}' has an unknown type.`);
    if (withPerms) {
      if (bits.length !== 3 || perm === undefined) throw aclError(`Entry '${part}' must look like [default:]type:[id]:rwx.`);
      const p = parsePerm(perm);
      if (p === undefined) throw aclError(`Entry '${part}' has invalid permissions.`);
      if ((type === 'mask' || type === 'other') && id !== '') throw aclError(`Entry '${part}': ${type} entries take no id.`);
      out.push({ isDefault, type, id, perm: p });
    } else {
      if (bits.length > 3 || (bits.length === 3 && perm !== undefined && parsePerm(perm) === undefined)) throw aclError(`Entry '${part}' is not a valid entry to remove.`);
      out.push({ isDefault, type, id, perm: undefined });
    }
  }
  return out;
}

export function parseScope(text: string): AclScope | undefined {
  if (text === '') return undefined;
  const scope: AclScope = { user: 0, group: 0, other: 0, mask: undefined, named: [] };
  for (const e of parseAclSpec(text, true)) applyEntry(scope, e);
  return scope;
}

function applyEntry(scope: AclScope, e: SpecEntry): void {
  const perm = e.perm ?? 0;
  if (e.type === 'mask') scope.mask = perm;
  else if (e.type === 'other') scope.other = perm;
  else if (e.id === '') {
    if (e.type === 'user') scope.user = perm;
    else scope.group = perm;
  } else {
    const t = e.type;
    const existing = scope.named.find((n) => n.type === t && n.id === e.id);
    if (existing) existing.perm = perm;
    else scope.named.push({ type: t, id: e.id, perm });
  }
}

/** Canonical text: user::, named users, group::, named groups, mask::, other::. */
export function formatScope(scope: AclScope | undefined, isDefault = false): string {
  if (!scope) return '';
  const p = isDefault ? 'default:' : '';
  const users = scope.named.filter((n) => n.type === 'user').sort((a, b) => (a.id < b.id ? -1 : 1));
  const groups = scope.named.filter((n) => n.type === 'group').sort((a, b) => (a.id < b.id ? -1 : 1));
  const parts = [`${p}user::${formatPerm(scope.user)}`, ...users.map((n) => `${p}user:${n.id}:${formatPerm(n.perm)}`), `${p}group::${formatPerm(scope.group)}`, ...groups.map((n) => `${p}group:${n.id}:${formatPerm(n.perm)}`)];
  if (scope.mask !== undefined) parts.push(`${p}mask::${formatPerm(scope.mask)}`);
  parts.push(`${p}other::${formatPerm(scope.other)}`);
  return parts.join(',');
}

const entryCount = (s: AclScope): number => 3 + s.named.length + (s.mask === undefined ? 0 : 1);

/** Mode bits (9 bits) as POSIX shows them: with a mask the group class shows the mask. */
export function modeOf(access: AclScope): number {
  return (access.user << 6) | ((access.mask ?? access.group) << 3) | access.other;
}

/** `x-ms-permissions` output: 9 symbolic characters, sticky as t/T, `+` when extended entries exist. */
export function formatPermissions(access: AclScope, sticky: boolean): string {
  const m = modeOf(access);
  let s = formatPerm(m >> 6) + formatPerm((m >> 3) & 7) + formatPerm(m & 7);
  if (sticky) s = s.slice(0, 8) + (m & 1 ? 't' : 'T');
  return access.named.length > 0 || access.mask !== undefined ? `${s}+` : s;
}

/** Parses `x-ms-permissions`: 9 symbolic characters (sticky t/T) or 4-digit octal. */
export function parsePermissions(text: string): { mode: number; sticky: boolean } {
  if (/^[0-7]{4}$/.test(text)) {
    const n = parseInt(text, 8);
    return { mode: n & 0o777, sticky: (n & 0o1000) !== 0 };
  }
  const m = /^([r-][w-][x-])([r-][w-][x-])([r-][w-][xtT-])\+?$/.exec(text);
  if (m && m[1] !== undefined && m[2] !== undefined && m[3] !== undefined) {
    const last = m[3];
    const sticky = last[2] === 't' || last[2] === 'T';
    const o = parsePerm(last.slice(0, 2) + (last[2] === 't' || last[2] === 'x' ? 'x' : '-')) ?? 0;
    return { mode: ((parsePerm(m[1]) ?? 0) << 6) | ((parsePerm(m[2]) ?? 0) << 3) | o, sticky };
  }
  throw new WireError(400, 'InvalidHeaderValue', `The value for one of the HTTP headers is not in the correct format: x-ms-permissions '${text}'. Use 9 symbolic characters (rwxr-x---) or 4 octal digits (0750).`);
}

/** Parses `x-ms-umask` (4-digit octal). */
export function parseUmask(text: string | undefined): number {
  if (text === undefined) return 0o027;
  if (!/^[0-7]{4}$/.test(text)) throw new WireError(400, 'InvalidHeaderValue', `The value for one of the HTTP headers is not in the correct format: x-ms-umask '${text}'. Use 4 octal digits such as 0027.`);
  return parseInt(text, 8) & 0o777;
}

/** Applies chmod bits to an access scope (group bits go to the mask when there is one). */
export function applyMode(access: AclScope, mode: number): void {
  access.user = (mode >> 6) & 7;
  if (access.mask !== undefined) access.mask = (mode >> 3) & 7;
  else access.group = (mode >> 3) & 7;
  access.other = mode & 7;
}

export const scopeFromMode = (mode: number): AclScope => ({ user: (mode >> 6) & 7, group: (mode >> 3) & 7, other: mode & 7, mask: undefined, named: [] });

function recomputeMask(scope: AclScope): void {
  if (scope.named.length === 0 && scope.mask === undefined) return;
  scope.mask = scope.named.reduce((acc, n) => acc | n.perm, scope.group);
}

function checkLimits(access: AclScope, def: AclScope | undefined): void {
  if (entryCount(access) > MAX_ACL_ENTRIES || (def !== undefined && entryCount(def) > MAX_ACL_ENTRIES)) {
    throw new WireError(400, 'InvalidHeaderValue', `The value for one of the HTTP headers is not in the correct format: x-ms-acl. An ACL may hold at most ${MAX_ACL_ENTRIES} access and ${MAX_ACL_ENTRIES} default entries.`);
  }
}

export interface AclPair { access: AclScope; def: AclScope | undefined }

/**
 * Applies an ACL update. `set` replaces (base entries required), `modify` merges, `remove` drops the
 * named/default entries listed. Default entries are ignored for files when `lenientFiles` (recursive
 * mode), otherwise rejected. Throws WireError 400 for invalid specs or limits.
 */
export function updateAcl(current: AclPair, mode: 'set' | 'modify' | 'remove', spec: SpecEntry[], isDir: boolean, lenientFiles: boolean): AclPair {
  const defaults = spec.filter((e) => e.isDefault);
  if (!isDir && defaults.length > 0) {
    if (!lenientFiles) throw new WireError(400, 'InvalidHeaderValue', 'The value for one of the HTTP headers is not in the correct format: x-ms-acl. Files cannot have default ACL entries.');
    spec = spec.filter((e) => !e.isDefault);
  }
  const accessSpec = spec.filter((e) => !e.isDefault);
  const defSpec = spec.filter((e) => e.isDefault);
  let access: AclScope;
  let def: AclScope | undefined;
  if (mode === 'set') {
    const has = (t: EntryType): boolean => accessSpec.some((e) => e.type === t && e.id === '');
    if (accessSpec.length > 0 || !lenientFiles) {
      if (!has('user') || !has('group') || !has('other')) throw new WireError(400, 'InvalidHeaderValue', 'The value for one of the HTTP headers is not in the correct format: x-ms-acl. A full ACL needs user::, group:: and other:: entries.');
      access = { user: 0, group: 0, other: 0, mask: undefined, named: [] };
      for (const e of accessSpec) applyEntry(access, e);
      if (access.mask === undefined && access.named.length > 0) recomputeMask(access);
    } else {
      access = cloneScope(current.access);
    }
    if (defSpec.length > 0) {
      def = baseFrom(access);
      def.mask = undefined;
      for (const e of defSpec) applyEntry(def, e);
      if (def.mask === undefined && def.named.length > 0) recomputeMask(def);
    } else def = undefined;
  } else if (mode === 'modify') {
    access = cloneScope(current.access);
    for (const e of accessSpec) applyEntry(access, e);
    if (!accessSpec.some((e) => e.type === 'mask')) recomputeMask(access);
    def = current.def ? cloneScope(current.def) : undefined;
    if (defSpec.length > 0) {
      def ??= baseFrom(access);
      for (const e of defSpec) applyEntry(def, e);
      if (!defSpec.some((e) => e.type === 'mask')) recomputeMask(def);
    }
  } else {
    access = cloneScope(current.access);
    def = current.def ? cloneScope(current.def) : undefined;
    for (const e of spec) {
      const target = e.isDefault ? def : access;
      if (e.isDefault && e.type !== 'mask' && e.id === '' && (e.type === 'user' || e.type === 'group' || e.type === 'other')) {
        // Removing a default base entry removes the whole default ACL (as `setfacl -k`).
        def = undefined;
        continue;
      }
      if (!target) continue;
      if (e.id === '' && e.type !== 'mask') throw new WireError(400, 'InvalidHeaderValue', `The value for one of the HTTP headers is not in the correct format: x-ms-acl. The base entry ${e.type}:: cannot be removed.`);
      if (e.type === 'mask') target.mask = undefined;
      else target.named = target.named.filter((n) => !(n.type === e.type && n.id === e.id));
    }
    if (access.mask !== undefined) recomputeMask(access);
    if (def?.mask !== undefined) recomputeMask(def);
  }
  checkLimits(access, def);
  return { access, def };
}

const cloneScope = (s: AclScope): AclScope => ({ ...s, named: s.named.map((n) => ({ ...n })) });
const baseFrom = (s: AclScope): AclScope => ({ user: s.user, group: s.group, other: s.other, mask: s.mask, named: [] });

/**
 * ACL of a new child. With a parent default ACL the child's access ACL is a copy of it, limited by
 * the create mode with the constant umask 007 (directories also inherit the default ACL); otherwise
 * permissions are `mode & ~umask`.
 */
export function aclForNewChild(parentDefault: AclScope | undefined, isDir: boolean, requestedMode: number | undefined, umask: number): AclPair {
  const base = requestedMode ?? (isDir ? 0o777 : 0o666);
  if (parentDefault) {
    const access = cloneScope(parentDefault);
    const mode = base & ~0o007;
    access.user &= (mode >> 6) & 7;
    if (access.mask !== undefined) access.mask &= (mode >> 3) & 7;
    else access.group &= (mode >> 3) & 7;
    access.other &= mode & 7;
    return { access, def: isDir ? cloneScope(parentDefault) : undefined };
  }
  return { access: scopeFromMode(base & ~umask), def: undefined };
}

export interface Caller { oid: string; groups: readonly string[] }

/**
 * POSIX access check: owner entry, then named user (masked), then any matching group entries
 * (masked), else other. `want` is a bit set of 4=r, 2=w, 1=x.
 */
export function isAllowed(caller: Caller, owner: string, group: string, access: AclScope, want: number): boolean {
  if (caller.oid === owner) return (access.user & want) === want;
  const mask = access.mask ?? 7;
  const named = access.named.find((n) => n.type === 'user' && n.id === caller.oid);
  if (named) return (named.perm & mask & want) === want;
  let matched = false;
  let perms = 0;
  if (caller.groups.includes(group)) {
    matched = true;
    perms |= access.group;
  }
  for (const n of access.named) {
    if (n.type === 'group' && caller.groups.includes(n.id)) {
      matched = true;
      perms |= n.perm;
    }
  }
  if (matched) return (perms & mask & want) === want;
  return (access.other & want) === want;
}
