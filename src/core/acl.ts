import { MAX_ACL_ENTRIES_PER_SCOPE, type AclEntry, type AclScope } from './acl-types.js';
import { formatAclEntry } from './acl-spec.js';
import { STICKY_BIT } from './acl-mode.js';
import { compareNames } from './entry.js';
import { StorageError } from './errors.js';

/**
 * POSIX ACL semantics shared by every store and emulator-facing connector: canonical order, validation,
 * the mask, chmod, inheritance on create and the MODIFY/REMOVEACLENTRIES transformations (HDFS
 * semantics, which both Gen1 and Gen2 follow). Pure functions: inputs are never mutated.
 */
export * from './acl-spec.js';
export * from './acl-mode.js';

const SCOPES: readonly AclScope[] = ['access', 'default'];
/** Both services apply this constant umask to other:: when a child inherits a default ACL. */
const INHERIT_UMASK = 0o007;

function rank(e: AclEntry): number {
  const scope = e.scope === 'default' ? 10 : 0;
  switch (e.type) {
    case 'user':
      return scope + (e.id === '' ? 0 : 1);
    case 'group':
      return scope + (e.id === '' ? 2 : 3);
    case 'mask':
      return scope + 4;
    case 'other':
      return scope + 5;
  }
}

function keyOf(e: AclEntry): string {
  return `${e.scope}:${e.type}:${e.id}`;
}

function isNamed(e: AclEntry): boolean {
  return (e.type === 'user' || e.type === 'group') && e.id !== '';
}

/**
 * Canonical order: user::, user:<id> (by id), group::, group:<id>, mask::, other::, then the default
 * block in the same order. Returns a new array; idempotent.
 */
export function sortAclEntries(entries: AclEntry[]): AclEntry[] {
  return [...entries].sort((a, b) => rank(a) - rank(b) || compareNames(a.id, b.id));
}

function invalidEntry(index: number, e: AclEntry, why: string): StorageError {
  return new StorageError('invalid-argument', `Invalid ACL entry ${index + 1} '${formatAclEntry(e)}': ${why}.`);
}

/**
 * Checks an ACL for a file or directory: known scopes and types, perms 0-7, ids only on named user/group
 * entries, no duplicates, no default entries on files, at most MAX_ACL_ENTRIES_PER_SCOPE per scope, the
 * base entries (user::, group::, other::) in the access scope and in the default scope when it is present.
 * A missing mask is not an error (see withMask). Throws StorageError('invalid-argument') naming the entry.
 */
export function validateAcl(entries: AclEntry[], kind: 'file' | 'directory'): void {
  const seen = new Set<string>();
  const counts: Record<AclScope, number> = { access: 0, default: 0 };
  entries.forEach((e, i) => {
    if (e.scope !== 'access' && e.scope !== 'default') throw invalidEntry(i, e, `unknown scope '${String(e.scope)}'`);
    if (!['user', 'group', 'mask', 'other'].includes(e.type)) throw invalidEntry(i, e, `unknown type '${String(e.type)}'`);
    if (!Number.isInteger(e.perms) || e.perms < 0 || e.perms > 7) throw invalidEntry(i, e, `permissions ${e.perms} are not 0-7`);
    if (e.id !== '' && (e.type === 'mask' || e.type === 'other')) {
      throw invalidEntry(i, e, `only user and group entries may name an identity; ${e.type} entries are written ${e.type}::PERMISSIONS`);
    }
    if (/[,:\s]/.test(e.id)) throw invalidEntry(i, e, 'the identity contains a comma, colon or whitespace');
    if (e.scope === 'default' && kind === 'file') throw invalidEntry(i, e, 'files have no default ACL; set default entries on directories only');
    const key = keyOf(e);
    if (seen.has(key)) throw invalidEntry(i, e, 'the entry appears more than once');
    seen.add(key);
    counts[e.scope] += 1;
    if (counts[e.scope] > MAX_ACL_ENTRIES_PER_SCOPE) {
      throw invalidEntry(i, e, `the ${e.scope} ACL has more than ${MAX_ACL_ENTRIES_PER_SCOPE} entries (the services' hard limit)`);
    }
  });
  for (const scope of SCOPES) {
    if (scope === 'default' && counts.default === 0) continue;
    for (const type of ['user', 'group', 'other'] as const) {
      if (!seen.has(`${scope}:${type}:`)) {
        const prefix = scope === 'default' ? 'default:' : '';
        throw new StorageError(
          'invalid-argument',
          `Invalid ACL: the required entry '${prefix}${type}::' is missing from the ${scope} ACL; give ${prefix}user::, ${prefix}group:: and ${prefix}other:: entries.`,
        );
      }
    }
  }
}

/** Union of the group-class permissions (named users, owning group, named groups) in one scope. */
export function computeMask(entries: AclEntry[], scope: AclScope): number {
  let mask = 0;
  for (const e of entries) {
    if (e.scope === scope && (e.type === 'group' || (e.type === 'user' && e.id !== ''))) mask |= e.perms;
  }
  return mask;
}

/** Adds a computed mask to each scope that has named entries and no mask. Returns a sorted copy. */
export function withMask(entries: AclEntry[]): AclEntry[] {
  const out = [...entries];
  for (const scope of SCOPES) {
    const inScope = entries.filter((e) => e.scope === scope);
    if (inScope.some(isNamed) && !inScope.some((e) => e.type === 'mask')) {
      out.push({ scope, type: 'mask', id: '', perms: computeMask(entries, scope) });
    }
  }
  return sortAclEntries(out);
}

/** True when the ACL holds anything beyond the three base access entries (named, mask or default entries). */
export function hasExtendedAcl(entries: AclEntry[]): boolean {
  return entries.some((e) => e.scope === 'default' || e.type === 'mask' || e.id !== '');
}

/** The three base access entries for a mode (the sticky bit is not part of an ACL). */
export function aclFromMode(mode: number): AclEntry[] {
  return [
    { scope: 'access', type: 'user', id: '', perms: (mode >> 6) & 7 },
    { scope: 'access', type: 'group', id: '', perms: (mode >> 3) & 7 },
    { scope: 'access', type: 'other', id: '', perms: mode & 7 },
  ];
}

function find(entries: AclEntry[], scope: AclScope, type: AclEntry['type']): AclEntry | undefined {
  return entries.find((e) => e.scope === scope && e.type === type && e.id === '');
}

/** The 12-bit mode an ACL implies: user::, mask:: (or group:: without a mask), other::, plus sticky. */
export function modeFromAcl(entries: AclEntry[], sticky: boolean): number {
  const user = find(entries, 'access', 'user')?.perms ?? 0;
  const group = (find(entries, 'access', 'mask') ?? find(entries, 'access', 'group'))?.perms ?? 0;
  const other = find(entries, 'access', 'other')?.perms ?? 0;
  return (sticky ? STICKY_BIT : 0) | (user << 6) | (group << 3) | other;
}

/**
 * chmod semantics: sets user:: and other:: and the mask (or group:: when there is no mask) from the mode.
 * Missing base entries are added; named and default entries are kept. Returns a sorted copy.
 */
export function applyMode(entries: AclEntry[], mode: number): AclEntry[] {
  const hasMask = find(entries, 'access', 'mask') !== undefined;
  const groupType = hasMask ? 'mask' : 'group';
  const wanted = new Map<string, number>([
    ['user', (mode >> 6) & 7],
    [groupType, (mode >> 3) & 7],
    ['other', mode & 7],
  ]);
  const out = entries.map((e) => {
    const perms = e.scope === 'access' && e.id === '' ? wanted.get(e.type) : undefined;
    return perms === undefined ? { ...e } : { ...e, perms };
  });
  for (const e of aclFromMode(mode)) {
    if (find(out, 'access', e.type) === undefined) out.push(e);
  }
  return sortAclEntries(out);
}

/**
 * The mode and ACL of a new child. Without a default ACL on the parent: mode = requestedMode & ~umask and
 * the three base entries. With one (directories get a copy of it as their own default ACL too): the
 * access ACL is the parent's default ACL, its user::, mask (or group::) and other:: intersected with the
 * requested mode, and the services' constant umask 007 applied to other:: (the `umask` argument is ignored).
 */
export function inheritOnCreate(
  parentEntries: AclEntry[],
  kind: 'file' | 'directory',
  requestedMode: number,
  umask: number,
): { mode: number; entries: AclEntry[] } {
  const defaults = parentEntries.filter((e) => e.scope === 'default');
  const sticky = kind === 'directory' && (requestedMode & STICKY_BIT) !== 0;
  if (defaults.length === 0) {
    const mode = (requestedMode & ~umask & 0o777) | (sticky ? STICKY_BIT : 0);
    return { mode, entries: aclFromMode(mode) };
  }
  const hasMask = defaults.some((e) => e.type === 'mask');
  const access = defaults.map((e): AclEntry => {
    const copy: AclEntry = { ...e, scope: 'access' };
    if (e.id !== '') return copy;
    if (e.type === 'user') copy.perms &= (requestedMode >> 6) & 7;
    else if (e.type === (hasMask ? 'mask' : 'group')) copy.perms &= (requestedMode >> 3) & 7;
    else if (e.type === 'other') copy.perms &= requestedMode & 7 & ~INHERIT_UMASK;
    return copy;
  });
  const entries = sortAclEntries(kind === 'directory' ? [...access, ...defaults.map((e) => ({ ...e }))] : access);
  return { mode: modeFromAcl(entries, sticky), entries };
}

/** Recomputes masks after a change, as HDFS does: a given mask wins; a changed scope with a mask or named entries gets the union. */
function settleMasks(entries: AclEntry[], givenMask: Set<AclScope>, dirty: Set<AclScope>): AclEntry[] {
  let out = entries;
  for (const scope of SCOPES) {
    if (givenMask.has(scope) || !out.some((e) => e.scope === scope)) continue;
    const hasMask = out.some((e) => e.scope === scope && e.type === 'mask');
    const needsMask = out.some((e) => e.scope === scope && isNamed(e));
    if ((dirty.has(scope) && (hasMask || needsMask)) || (needsMask && !hasMask)) {
      const mask: AclEntry = { scope, type: 'mask', id: '', perms: computeMask(out, scope) };
      out = [...out.filter((e) => !(e.scope === scope && e.type === 'mask')), mask];
    }
  }
  return sortAclEntries(out);
}

/**
 * MODIFYACLENTRIES semantics: each change replaces the entry with the same scope, type and id, or is
 * added. A default scope created this way gets its missing base entries copied from the access scope.
 * Masks of changed scopes are recomputed unless the changes give one. Returns a sorted copy; does not validate.
 */
export function mergeAclEntries(current: AclEntry[], changes: AclEntry[]): AclEntry[] {
  const byKey = new Map(current.map((e) => [keyOf(e), { ...e }]));
  const givenMask = new Set<AclScope>();
  const dirty = new Set<AclScope>();
  for (const c of changes) {
    byKey.set(keyOf(c), { ...c });
    if (c.type === 'mask') givenMask.add(c.scope);
    else dirty.add(c.scope);
  }
  const merged = [...byKey.values()];
  if (merged.some((e) => e.scope === 'default')) {
    for (const type of ['user', 'group', 'other'] as const) {
      const base = find(merged, 'access', type);
      if (find(merged, 'default', type) === undefined && base !== undefined) merged.push({ ...base, scope: 'default' });
    }
  }
  return settleMasks(merged, givenMask, dirty);
}

/**
 * REMOVEACLENTRIES semantics: removes entries matching scope, type and id (permissions ignored; absent
 * entries are ignored). The mask stays (recomputed for changed scopes); removing it while named entries
 * remain, or removing an access base entry, throws StorageError('invalid-argument'). Returns a sorted copy.
 */
export function removeAclEntries(current: AclEntry[], toRemove: AclEntry[]): AclEntry[] {
  const removeKeys = new Set<string>();
  const dirty = new Set<AclScope>();
  const maskRemoved = new Set<AclScope>();
  toRemove.forEach((r, i) => {
    if (r.scope === 'access' && r.id === '' && r.type !== 'mask') {
      throw invalidEntry(i, r, 'the base entries user::, group:: and other:: cannot be removed; use setAcl or setPermissions instead');
    }
    removeKeys.add(keyOf(r));
    if (r.type === 'mask') maskRemoved.add(r.scope);
    else dirty.add(r.scope);
  });
  const out = current.filter((e) => !removeKeys.has(keyOf(e)));
  for (const scope of maskRemoved) {
    if (out.some((e) => e.scope === scope && isNamed(e))) {
      throw new StorageError('invalid-argument', `Invalid ACL change: the ${scope} mask cannot be removed while named entries remain; remove them too or keep the mask.`);
    }
  }
  const defaults = out.filter((e) => e.scope === 'default');
  if (defaults.length > 0 && !['user', 'group', 'other'].every((t) => defaults.some((e) => e.type === t && e.id === ''))) {
    throw new StorageError('invalid-argument', 'Invalid ACL change: removing default base entries would leave an incomplete default ACL; remove the whole default ACL instead.');
  }
  return settleMasks(out, maskRemoved, dirty);
}

function normalise(entries: AclEntry[]): AclEntry[] {
  const full = withMask(entries);
  return full.filter((e) => {
    if (e.type !== 'mask') return true;
    const named = full.some((x) => x.scope === e.scope && isNamed(x));
    // A mask with no named entries that equals group:: changes nothing (some services omit it).
    return named || find(full, e.scope, 'group')?.perms !== e.perms;
  });
}

/** True when both ACLs hold the same entries after canonical sorting and mask normalisation. */
export function aclEquivalent(a: AclEntry[], b: AclEntry[]): boolean {
  const x = normalise(a);
  const y = normalise(b);
  return x.length === y.length && x.every((e, i) => {
    const f = y[i];
    return f !== undefined && keyOf(e) === keyOf(f) && e.perms === f.perms;
  });
}
