/**
 * POSIX ACLs as ADLS Gen1 speaks them: `[default:]{user|group|mask|other}:[id]:[r-][w-][x-]`.
 * Own small implementation (the emulator never imports src/core).
 */
import { badRequest } from './errors.js';

export type AclTag = 'user' | 'group' | 'mask' | 'other';

export interface AclEntry {
  isDefault: boolean;
  tag: AclTag;
  /** Object id for named user/group entries; '' for base entries, mask and other. */
  id: string;
  /** Permission bits 0..7 (r=4, w=2, x=1). */
  perm: number;
}

/** A full ACL: access entries always contain user::, group::, other:: (mask when extended). */
export interface Acl {
  access: AclEntry[];
  defaults: AclEntry[];
}

/** Maximum entries per scope (access or default). */
export const MAX_ACL_ENTRIES = 32;

const TAG_ORDER: Record<AclTag, number> = { user: 0, group: 2, mask: 4, other: 5 };

function entryRank(e: AclEntry): number {
  const base = TAG_ORDER[e.tag];
  return e.id !== '' && (e.tag === 'user' || e.tag === 'group') ? base + 1 : base;
}

/** Sorts entries in Gen1 order: user::, user:id…, group::, group:id…, mask::, other::; access before default. */
export function sortEntries(entries: readonly AclEntry[]): AclEntry[] {
  return [...entries].sort((a, b) => {
    if (a.isDefault !== b.isDefault) return a.isDefault ? 1 : -1;
    const r = entryRank(a) - entryRank(b);
    if (r !== 0) return r;
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  });
}

/** `rwx` text for bits 0..7. */
export function formatPerm(perm: number): string {
  return `${perm & 4 ? 'r' : '-'}${perm & 2 ? 'w' : '-'}${perm & 1 ? 'x' : '-'}`;
}

/** Formats one entry as Gen1 prints it. */
export function formatEntry(e: AclEntry): string {
  return `${e.isDefault ? 'default:' : ''}${e.tag}:${e.id}:${formatPerm(e.perm)}`;
}

function parsePermText(text: string, entry: string): number {
  if (!/^[r-][w-][x-]$/.test(text)) {
    throw badRequest(`Invalid ACL entry '${entry}': permission '${text}' must be three characters [r-][w-][x-]. Fix the aclspec and retry.`);
  }
  return (text[0] === 'r' ? 4 : 0) | (text[1] === 'w' ? 2 : 0) | (text[2] === 'x' ? 1 : 0);
}

/**
 * Parses an aclspec. With `withPerms` false (REMOVEACLENTRIES) the permission part may be omitted.
 * Throws a 400 IllegalArgumentException naming the malformed entry, a duplicate, or too many entries.
 */
export function parseAclSpec(spec: string, withPerms: boolean): AclEntry[] {
  const texts = spec.split(',').map((s) => s.trim());
  if (spec.trim() === '' || texts.some((t) => t === '')) {
    throw badRequest(`Invalid aclspec '${spec}': it must be a comma-separated list of entries like 'user::rwx,group::r-x,other::---'.`);
  }
  const out: AclEntry[] = [];
  const seen = new Set<string>();
  for (const text of texts) {
    const parts = text.split(':');
    let isDefault = false;
    if (parts[0] === 'default') {
      isDefault = true;
      parts.shift();
    }
    const [tagText, id = '', permText] = parts;
    if (parts.length > 3 || tagText === undefined || !['user', 'group', 'mask', 'other'].includes(tagText)) {
      throw badRequest(`Invalid ACL entry '${text}': expected [default:]{user|group|mask|other}:[id]:[r-][w-][x-].`);
    }
    const tag = tagText as AclTag;
    if ((tag === 'mask' || tag === 'other') && id !== '') {
      throw badRequest(`Invalid ACL entry '${text}': ${tag} entries cannot name an id.`);
    }
    let perm = 0;
    if (permText === undefined) {
      if (withPerms) throw badRequest(`Invalid ACL entry '${text}': the permission part ([r-][w-][x-]) is missing.`);
    } else {
      perm = parsePermText(permText, text);
    }
    const key = `${isDefault ? 'd' : 'a'}:${tag}:${id}`;
    if (seen.has(key)) throw badRequest(`Invalid aclspec: entry '${text}' is duplicated.`);
    seen.add(key);
    out.push({ isDefault, tag, id, perm });
  }
  for (const scope of [false, true]) {
    const n = out.filter((e) => e.isDefault === scope).length;
    if (n > MAX_ACL_ENTRIES) {
      throw badRequest(`Invalid aclspec: ${n} ${scope ? 'default' : 'access'} entries exceed the limit of ${MAX_ACL_ENTRIES}. Use groups to shorten it.`);
    }
  }
  return out;
}

function find(entries: readonly AclEntry[], tag: AclTag, id = ''): AclEntry | undefined {
  return entries.find((e) => e.tag === tag && e.id === id);
}

/** True when a scope holds more than the three base entries. */
export function isExtended(entries: readonly AclEntry[]): boolean {
  return entries.some((e) => e.id !== '' || e.tag === 'mask');
}

/**
 * Completes one scope: checks base entries are present and adds or recomputes the mask
 * (union of the group class) when named entries exist and no mask was given explicitly.
 */
export function normalizeScope(entries: AclEntry[], isDefault: boolean, explicitMask: boolean): AclEntry[] {
  if (entries.length === 0) return [];
  for (const tag of ['user', 'group', 'other'] as const) {
    if (!find(entries, tag)) {
      throw badRequest(`Invalid ACL: the ${isDefault ? 'default' : 'access'} ACL is missing the base entry '${isDefault ? 'default:' : ''}${tag}::'.`);
    }
  }
  let out = entries;
  const hasNamed = entries.some((e) => e.id !== '');
  const mask = find(entries, 'mask');
  if ((hasNamed || mask) && !explicitMask) {
    const union = entries.filter((e) => e.tag === 'group' || (e.tag === 'user' && e.id !== '')).reduce((acc, e) => acc | e.perm, 0);
    out = [...entries.filter((e) => e.tag !== 'mask'), { isDefault, tag: 'mask', id: '', perm: union }];
  }
  if (out.length > MAX_ACL_ENTRIES) throw badRequest(`Invalid ACL: more than ${MAX_ACL_ENTRIES} ${isDefault ? 'default' : 'access'} entries.`);
  return sortEntries(out);
}

/** Mode bits (without sticky) implied by an access ACL: group bits are the mask when one exists. */
export function modeFromAccess(access: readonly AclEntry[]): number {
  const u = find(access, 'user')?.perm ?? 0;
  const g = (find(access, 'mask') ?? find(access, 'group'))?.perm ?? 0;
  const o = find(access, 'other')?.perm ?? 0;
  return (u << 6) | (g << 3) | o;
}

/** The minimal access ACL for mode bits. */
export function accessFromMode(mode: number): AclEntry[] {
  return [
    { isDefault: false, tag: 'user', id: '', perm: (mode >> 6) & 7 },
    { isDefault: false, tag: 'group', id: '', perm: (mode >> 3) & 7 },
    { isDefault: false, tag: 'other', id: '', perm: mode & 7 },
  ];
}

/** Applies new mode bits to an ACL (chmod): user::, other:: and the mask (or group:: when no mask). */
export function applyMode(acl: Acl, mode: number): Acl {
  const hasMask = find(acl.access, 'mask') !== undefined;
  const access = acl.access.map((e) => {
    if (e.id !== '') return e;
    if (e.tag === 'user') return { ...e, perm: (mode >> 6) & 7 };
    if (e.tag === 'other') return { ...e, perm: mode & 7 };
    if (e.tag === 'mask' || (e.tag === 'group' && !hasMask)) return { ...e, perm: (mode >> 3) & 7 };
    return e;
  });
  return { access, defaults: acl.defaults };
}

/** Serializes the extended part of an ACL for storage ('' when minimal: the mode says it all). */
export function serializeAcl(acl: Acl): string {
  if (!isExtended(acl.access) && acl.defaults.length === 0) return '';
  return [...acl.access, ...acl.defaults].map(formatEntry).join(',');
}

/** Rebuilds the full ACL from stored mode bits and the serialized text. */
export function deserializeAcl(mode: number, text: string): Acl {
  if (text === '') return { access: accessFromMode(mode), defaults: [] };
  const all = parseAclSpec(text, true);
  return { access: all.filter((e) => !e.isDefault), defaults: all.filter((e) => e.isDefault) };
}

/** Who is asking: object id, token groups, superuser flag. */
export interface Caller {
  oid: string;
  groups: ReadonlySet<string>;
  isSuperuser: boolean;
}

/**
 * POSIX access check: the bits (r=4,w=2,x=1) `caller` holds on an item with `owner`, `group` and ACL.
 * Owner → user::; named user → entry & mask; groups → union of matching group-class entries & mask; else other::.
 */
export function effectivePerm(caller: Caller, owner: string, group: string, acl: Acl): number {
  if (caller.oid === owner) return find(acl.access, 'user')?.perm ?? 0;
  const mask = find(acl.access, 'mask')?.perm ?? 7;
  const named = find(acl.access, 'user', caller.oid);
  if (named) return named.perm & mask;
  let matched = false;
  let bits = 0;
  const inGroup = (g: string): boolean => caller.groups.has(g) || caller.oid === g;
  if (inGroup(group)) {
    matched = true;
    bits |= find(acl.access, 'group')?.perm ?? 0;
  }
  for (const e of acl.access) {
    if (e.tag === 'group' && e.id !== '' && inGroup(e.id)) {
      matched = true;
      bits |= e.perm;
    }
  }
  if (matched) return bits & mask;
  return find(acl.access, 'other')?.perm ?? 0;
}
