import { aclEquivalent, aclFromMode, applyMode, formatAclSpec, formatOctalMode, modeFromAcl, parseAclSpec, sortAclEntries, STICKY_BIT } from '../../core/acl.js';
import type { AclEntry, AclStatus } from '../../core/acl-types.js';
import type { Entry } from '../../core/entry.js';
import type { FreezeMethod } from '../ops-state/tables.js';

/**
 * What a freeze changes on one path, as pure functions. A freeze removes every write bit that grants
 * writing: the mode's w bits and the w of every ACCESS entry (owning user, named users and groups,
 * owning group, mask, other). Default entries are left as they are: they grant nothing on the
 * directory itself, only shape children created later, and while frozen no one but a superuser can
 * create a child; leaving them keeps what is inherited after unfreeze exactly as before, and a child
 * a superuser creates during the freeze inherits what it would have inherited anyway.
 */

export interface PermissionState {
  /** 12-bit mode (sticky bit included). */
  mode: number;
  /** The full ACL: access and default entries, canonical order. */
  entries: AclEntry[];
}

const W = 2;
const ALL_WRITE_BITS = 0o222;

export function stateOf(acl: Pick<AclStatus, 'permissions' | 'entries'>): PermissionState {
  return { mode: acl.permissions, entries: sortAclEntries(acl.entries.length > 0 ? acl.entries : aclFromMode(acl.permissions)) };
}

/**
 * The state of a listed entry when the listing is enough: a file without an extended ACL (files have
 * no default ACL) whose mode is known. Directories and files with an extended ACL need getAcl.
 */
export function stateFromListing(e: Entry): PermissionState | undefined {
  if (e.kind !== 'file' || e.hasAcl !== false || e.permissions === undefined) return undefined;
  return { mode: e.permissions, entries: aclFromMode(e.permissions) };
}

/** setPermissions is enough when the access ACL is the three base entries (defaults stay either way). */
export function freezeMethodOf(s: PermissionState): FreezeMethod {
  return s.entries.some((e) => e.scope === 'access' && (e.type === 'mask' || e.id !== '')) ? 'acl' : 'mode';
}

/** The frozen state: no w in the mode or in any access entry; default entries and other bits unchanged. */
export function frozenStateOf(s: PermissionState): PermissionState {
  const sticky = (s.mode & STICKY_BIT) !== 0;
  if (freezeMethodOf(s) === 'mode') {
    const mode = s.mode & ~ALL_WRITE_BITS;
    return { mode, entries: applyMode(s.entries, mode) };
  }
  const entries = sortAclEntries(s.entries.map((e) => (e.scope === 'access' ? { ...e, perms: e.perms & ~W } : { ...e })));
  return { mode: modeFromAcl(entries, sticky), entries };
}

/** True when the state grants some write bit a freeze removes. */
export function grantsWrite(s: PermissionState): boolean {
  return (s.mode & ALL_WRITE_BITS) !== 0 || s.entries.some((e) => e.scope === 'access' && (e.perms & W) !== 0);
}

/** Same mode and equivalent ACL (canonical order, mask normalisation). */
export function sameState(a: PermissionState, b: PermissionState): boolean {
  return a.mode === b.mode && aclEquivalent(a.entries, b.entries);
}

export function formatEntries(entries: AclEntry[]): string {
  return formatAclSpec(sortAclEntries(entries));
}

export function parseEntries(spec: string): AclEntry[] {
  return spec === '' ? [] : parseAclSpec(spec);
}

/** `0750 user::rwx,...` for reports. */
export function describeState(s: PermissionState): string {
  return `${formatOctalMode(s.mode)} ${formatEntries(s.entries)}`;
}
