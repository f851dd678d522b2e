import type { PathAccessControlItem, PathPermissions, RolePermissions } from '@azure/storage-file-datalake';
import { StorageError, type AccessControlChange, type AclEntry } from '../../core/index.js';

/** Conversions between SDK shapes and lakeshift's (modes, ACL entries, properties, etags). */

function roleBits(p: RolePermissions): number {
  return (p.read ? 4 : 0) | (p.write ? 2 : 0) | (p.execute ? 1 : 0);
}

function roleOf(bits: number): RolePermissions {
  return { read: (bits & 4) !== 0, write: (bits & 2) !== 0, execute: (bits & 1) !== 0 };
}

/** SDK PathPermissions -> 12-bit mode (sticky bit 0o1000). */
export function modeFromPermissions(p: PathPermissions): number {
  return (p.stickyBit ? 0o1000 : 0) | (roleBits(p.owner) << 6) | (roleBits(p.group) << 3) | roleBits(p.other);
}

/** 12-bit mode -> SDK PathPermissions (never with the '+' marker, which the service does not accept as input). */
export function permissionsFromMode(mode: number): PathPermissions {
  if (!Number.isInteger(mode) || mode < 0 || mode > 0o7777) {
    throw new StorageError('invalid-argument', `Permission mode ${String(mode)} is out of range; give 0 to 0o1777.`);
  }
  return {
    owner: roleOf((mode >> 6) & 7),
    group: roleOf((mode >> 3) & 7),
    other: roleOf(mode & 7),
    stickyBit: (mode & 0o1000) !== 0,
    extendedAcls: false,
  };
}

/** Mode as the 4-digit octal text x-ms-permissions accepts ('0750', '1777'). */
export function octalMode(mode: number): string {
  permissionsFromMode(mode);
  return (mode & 0o1777).toString(8).padStart(4, '0');
}

export function aclEntryFromItem(item: PathAccessControlItem): AclEntry {
  return { scope: item.defaultScope ? 'default' : 'access', type: item.accessControlType, id: item.entityId, perms: roleBits(item.permissions) };
}

export function aclItemFromEntry(entry: AclEntry): PathAccessControlItem {
  if (!Number.isInteger(entry.perms) || entry.perms < 0 || entry.perms > 7) {
    throw new StorageError('invalid-argument', `ACL entry ${entry.scope === 'default' ? 'default:' : ''}${entry.type}:${entry.id} has permissions ${String(entry.perms)}; give 0 to 7.`);
  }
  return { defaultScope: entry.scope === 'default', accessControlType: entry.type, entityId: entry.id, permissions: roleOf(entry.perms) };
}

/** SDK create options for a path created with its access control (and, without ACL entries, its mode). */
export function createAccessOptions(change: AccessControlChange | undefined, mode: number | undefined): { owner?: string; group?: string; acl?: PathAccessControlItem[]; permissions?: string; umask?: string } {
  const permissions = change?.permissions ?? mode;
  const entries = change?.entries;
  if (entries !== undefined && change?.permissions !== undefined) {
    throw new StorageError('invalid-argument', 'A path can be created with ACL entries or with a mode, not both (the ACL carries the mode); set the other afterwards.');
  }
  return {
    ...(change?.owner === undefined ? {} : { owner: change.owner }),
    ...(change?.group === undefined ? {} : { group: change.group }),
    ...(entries !== undefined ? { acl: entries.map(aclItemFromEntry) } : permissions === undefined ? {} : { permissions: octalMode(permissions), umask: '0000' }),
  };
}

export { normalizeEtag } from '../../core/entry.js';

// ---- properties <-> blob metadata --------------------------------------------------------------
//
// Blob metadata names are case-insensitive C# identifiers and values travel as ASCII header text, so
// arbitrary lakeshift properties are encoded: a key that is a lowercase identifier passes unchanged,
// any other key becomes `lsk_<hex of its UTF-8>`; a value of printable ASCII without edge spaces passes
// unchanged, any other value becomes `lsb64:<base64 of its UTF-8>`. The encoding is unambiguous because
// plain keys never start with `lsk_` and plain values never start with `lsb64:`.
// `hdi_isfolder` is the service's directory marker: hidden from properties, kept on writes.

export const DIRECTORY_MARKER = 'hdi_isfolder';
const KEY_PREFIX = 'lsk_';
const VALUE_PREFIX = 'lsb64:';

function isPlainKey(key: string): boolean {
  return /^[a-z_][a-z0-9_]*$/.test(key) && !key.startsWith(KEY_PREFIX) && key !== DIRECTORY_MARKER;
}

function isPlainValue(value: string): boolean {
  return /^[\x20-\x7e]*$/.test(value) && value.trim() === value && !value.startsWith(VALUE_PREFIX);
}

export function encodeProperties(properties: Record<string, string>): Record<string, string> {
  // Collected as entries: Object.fromEntries defines own properties, so a '__proto__' name survives.
  const out: [string, string][] = [];
  for (const [key, value] of Object.entries(properties)) {
    if (key === '') throw new StorageError('invalid-argument', 'A property name is empty; give every property a name.');
    const k = isPlainKey(key) ? key : `${KEY_PREFIX}${Buffer.from(key, 'utf8').toString('hex')}`;
    out.push([k, isPlainValue(value) ? value : `${VALUE_PREFIX}${Buffer.from(value, 'utf8').toString('base64')}`]);
  }
  return Object.fromEntries(out);
}

export function decodeProperties(metadata: Record<string, string> | undefined): Record<string, string> {
  const out: [string, string][] = [];
  for (const [rawKey, rawValue] of Object.entries(metadata ?? {})) {
    const lower = rawKey.toLowerCase();
    if (lower === DIRECTORY_MARKER) continue;
    const key = lower.startsWith(KEY_PREFIX) && /^[0-9a-f]*$/.test(lower.slice(KEY_PREFIX.length))
      ? Buffer.from(lower.slice(KEY_PREFIX.length), 'hex').toString('utf8')
      : rawKey;
    out.push([key, rawValue.startsWith(VALUE_PREFIX) ? Buffer.from(rawValue.slice(VALUE_PREFIX.length), 'base64').toString('utf8') : rawValue]);
  }
  return Object.fromEntries(out);
}
