import type { AclEntry, AclEntryType, AclScope } from './acl-types.js';
import { StorageError } from './errors.js';

/**
 * Text forms of POSIX ACLs as both services speak them: `[default:]{user|group|mask|other}:[id]:[r-][w-][x-]`,
 * comma separated (Gen1 `aclspec`, Gen2 `x-ms-acl`). Pure functions, no I/O.
 */

const ENTRY_TYPES: readonly AclEntryType[] = ['user', 'group', 'mask', 'other'];

function isEntryType(text: string): text is AclEntryType {
  return (ENTRY_TYPES as readonly string[]).includes(text);
}

/**
 * Parses a 3-character permission string (`r-x`) into rwx bits (5).
 * Throws StorageError('invalid-argument') for anything but `[r-][w-][x-]`.
 */
export function parsePermissions(text: string): number {
  const bits = permissionBits(text);
  if (bits === undefined) {
    throw new StorageError('invalid-argument', `Invalid permissions '${text}': expected three characters [r-][w-][x-], such as 'r-x'.`);
  }
  return bits;
}

function permissionBits(text: string): number | undefined {
  if (text.length !== 3) return undefined;
  const [r, w, x] = text;
  if ((r !== 'r' && r !== '-') || (w !== 'w' && w !== '-') || (x !== 'x' && x !== '-')) return undefined;
  return (r === 'r' ? 4 : 0) | (w === 'w' ? 2 : 0) | (x === 'x' ? 1 : 0);
}

/** Formats rwx bits (0-7) as `rwx`/`r-x`/…; higher bits are ignored. */
export function formatPermissions(bits: number): string {
  return `${bits & 4 ? 'r' : '-'}${bits & 2 ? 'w' : '-'}${bits & 1 ? 'x' : '-'}`;
}

export interface AclSpecOptions {
  /** REMOVEACLENTRIES form: entries carry no permissions (`user:<id>`, `default:group:<id>`). */
  withoutPermissions?: boolean;
}

function entryError(index: number, text: string, why: string): StorageError {
  return new StorageError('invalid-argument', `Invalid ACL entry ${index + 1} '${text}': ${why}.`);
}

function parseEntry(raw: string, index: number, withoutPermissions: boolean): AclEntry {
  const text = raw.trim();
  if (text === '') throw entryError(index, raw, 'the entry is empty (look for a doubled or trailing comma)');
  const parts = text.split(':');
  let scope: AclScope = 'access';
  if (parts[0] === 'default') {
    scope = 'default';
    parts.shift();
  }
  const type = parts[0] ?? '';
  if (!isEntryType(type)) {
    throw entryError(index, text, `'${type}' is not an entry type; use user, group, mask or other (optionally prefixed by default:)`);
  }
  const expected = withoutPermissions ? 'TYPE:ID' : 'TYPE:ID:PERMISSIONS';
  if (withoutPermissions ? parts.length < 1 || parts.length > 3 : parts.length !== 3) {
    throw entryError(index, text, `expected ${expected} with ${withoutPermissions ? 'one or two' : 'two'} colons after the optional default: prefix`);
  }
  const id = parts[1] ?? '';
  if (id !== '' && (type === 'mask' || type === 'other')) {
    throw entryError(index, text, `a ${type} entry cannot name an identity; write ${scope === 'default' ? 'default:' : ''}${type}::PERMISSIONS`);
  }
  const permText = parts[2];
  let perms = 0;
  if (permText !== undefined && !(withoutPermissions && permText === '')) {
    const bits = permissionBits(permText);
    if (bits === undefined) throw entryError(index, text, `'${permText}' is not a permission string; expected [r-][w-][x-] such as r-x`);
    perms = bits;
  }
  return { scope, type, id, perms };
}

/**
 * Parses a comma-separated ACL spec. An empty string yields []. Entries keep their order.
 * Throws StorageError('invalid-argument') naming the entry (1-based index and text) and why.
 */
export function parseAclSpec(spec: string, options: AclSpecOptions = {}): AclEntry[] {
  if (spec.trim() === '') return [];
  return spec.split(',').map((raw, i) => parseEntry(raw, i, options.withoutPermissions === true));
}

/** Formats one entry (`default:user:<id>:r-x`, or without permissions `default:user:<id>`). */
export function formatAclEntry(entry: AclEntry, options: AclSpecOptions = {}): string {
  const head = `${entry.scope === 'default' ? 'default:' : ''}${entry.type}:${entry.id}`;
  return options.withoutPermissions === true ? head : `${head}:${formatPermissions(entry.perms)}`;
}

/** Formats entries as a comma-separated spec, in the order given (sort first for canonical text). */
export function formatAclSpec(entries: AclEntry[], options: AclSpecOptions = {}): string {
  return entries.map((e) => formatAclEntry(e, options)).join(',');
}
