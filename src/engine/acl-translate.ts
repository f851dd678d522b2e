import { MAX_ACL_ENTRIES_PER_SCOPE, type AclEntry, type AclStatus } from '../core/acl-types.js';
import type { EntryKind } from '../core/entry.js';
import { StorageError } from '../core/errors.js';
import { aclEquivalent, sortAclEntries } from '../core/acl.js';

export { parseIdentityMap } from '../core/identity-map.js';

/**
 * Gen1 -> Gen2 ACL translation (protocols.md E.2). Both services share the POSIX model, so the
 * translation carries entries over, maps principals through an optional identity map, drops default
 * entries on files, and refuses ACLs beyond the 32-entries-per-scope limit.
 */

/** Source principal (object ID or name) -> destination principal. */
export type IdentityMap = ReadonlyMap<string, string>;

/** Principals never mapped: the service-defined superuser and the empty id of base entries. */
const RESERVED = new Set(['', '$superuser']);

export interface TranslateOptions {
  identityMap?: IdentityMap | undefined;
  /** Collects principals the identity map does not know (they are carried over unchanged). */
  unmapped?: Set<string>;
  /** Collects principals mapped to '' (no counterpart): their named entries are dropped. */
  dropped?: Set<string>;
}

/** The destination owner, group, mode and ACL for one path. */
export interface TranslatedAcl {
  owner: string;
  group: string;
  /** 12-bit mode with the sticky bit. */
  permissions: number;
  /** The full ACL to set (access entries, plus default entries for directories). */
  entries: AclEntry[];
  /** True when the ACL has more than the three base entries. */
  extended: boolean;
}

function mapId(id: string, options: TranslateOptions): string {
  if (RESERVED.has(id) || options.identityMap === undefined) return id;
  const mapped = options.identityMap.get(id);
  if (mapped === '') {
    options.dropped?.add(id);
    return id;
  }
  if (mapped !== undefined) return mapped;
  options.unmapped?.add(id);
  return id;
}

/**
 * Translates a source ACL status for a file or directory. Throws StorageError('invalid-argument')
 * when a scope holds more entries than the destination accepts (the item fails with that reason).
 */
export function translateAcl(status: AclStatus, kind: EntryKind, options: TranslateOptions = {}): TranslatedAcl {
  const entries: AclEntry[] = [];
  for (const e of status.entries) {
    if (e.scope === 'default' && kind === 'file') continue; // Gen2 files have no default ACL
    const named = (e.type === 'user' || e.type === 'group') && e.id !== '';
    if (named && options.identityMap?.get(e.id) === '') {
      options.dropped?.add(e.id);
      continue;
    }
    entries.push({ ...e, id: e.type === 'user' || e.type === 'group' ? mapId(e.id, options) : e.id });
  }
  for (const scope of ['access', 'default'] as const) {
    const n = entries.filter((e) => e.scope === scope).length;
    if (n > MAX_ACL_ENTRIES_PER_SCOPE) {
      throw new StorageError('invalid-argument', `The ${scope} ACL has ${n} entries; the destination allows at most ${MAX_ACL_ENTRIES_PER_SCOPE} per scope. Collapse named users into groups on the source, then rerun.`);
    }
  }
  const base = (type: 'user' | 'group' | 'other', shift: number): void => {
    if (!entries.some((e) => e.scope === 'access' && e.type === type && e.id === '')) {
      entries.push({ scope: 'access', type, id: '', perms: (status.permissions >> shift) & 7 });
    }
  };
  base('user', 6);
  base('group', 3);
  base('other', 0);
  const extended = entries.some((e) => e.scope === 'default' || e.id !== '' || e.type === 'mask');
  return {
    owner: mapId(status.owner, options),
    group: mapId(status.group, options),
    permissions: status.permissions & 0o1777,
    entries: sortAclEntries(entries),
    extended,
  };
}

/** True when two ACLs grant the same (canonical order and mask normalisation ignored). */
export function sameEntries(a: readonly AclEntry[], b: readonly AclEntry[]): boolean {
  return aclEquivalent([...a], [...b]);
}
