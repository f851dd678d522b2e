/** What a store knows about one path. Paths are store-relative: '/'-separated, no leading slash, '' = root. */
export type EntryKind = 'file' | 'directory';

export interface Entry {
  path: string;
  kind: EntryKind;
  /** Bytes; 0 for directories. */
  size: number;
  /** Modification time, ms since the Unix epoch. */
  mtimeMs: number;
  /** Access time, ms since the Unix epoch, where the store keeps one. */
  atimeMs?: number;
  /** Owner: an object ID, `$superuser`, or a local user name. */
  owner?: string;
  group?: string;
  /** 12-bit mode: sticky bit (0o1000) plus rwxrwxrwx. */
  permissions?: number;
  /** True when the access ACL has entries beyond the three base ones (or a default ACL exists). */
  hasAcl?: boolean;
  /** Opaque change tag; changes whenever content or metadata changes. */
  etag?: string;
  /** Expiry time in ms since the epoch (Gen1 `msExpirationTime`); absent or 0 = never. */
  expiryMs?: number;
  /** Base64 MD5 of the whole content, when the store recorded one at commit. */
  contentMd5?: string;
  /** Custom properties, only when stat was asked for them (StatOptions.withProperties) and the store read them in the same call. */
  properties?: Record<string, string>;
}

/** Splits a store path into its segments ('' -> []). */
export function pathSegments(path: string): string[] {
  return path === '' ? [] : path.split('/');
}

/** Parent of a store path ('' for top-level entries and for the root). */
export function parentPath(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

/** Last segment of a store path. */
export function baseName(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? path : path.slice(i + 1);
}

/** Joins store paths, ignoring empty parts. */
export function joinPath(...parts: string[]): string {
  return parts.filter((p) => p !== '').join('/');
}

/**
 * Compares two names by Unicode code point (the same order as UTF-8 bytes, which is how the
 * emulators' SQLite indexes and the services sort).
 */
export function compareNames(x: string, y: string): number {
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    const a = x.charCodeAt(i);
    const b = y.charCodeAt(i);
    if (a === b) continue;
    // Surrogates (0xD800-0xDFFF) encode code points above 0xFFFF: they sort after every BMP char.
    const sa = a >= 0xd800 && a <= 0xdfff;
    const sb = b >= 0xd800 && b <= 0xdfff;
    if (sa !== sb) return sa ? 1 : -1;
    return a < b ? -1 : 1;
  }
  return x.length - y.length;
}

/**
 * Compares two store paths in walk order: segment by segment, each segment by code point.
 * A directory therefore sorts immediately before its descendants.
 */
export function comparePaths(a: string, b: string): number {
  const sa = pathSegments(a);
  const sb = pathSegments(b);
  const n = Math.min(sa.length, sb.length);
  for (let i = 0; i < n; i++) {
    const x = sa[i] as string;
    const y = sb[i] as string;
    if (x !== y) return compareNames(x, y);
  }
  return sa.length - sb.length;
}

/** An ETag without its quotes or weak prefix, so the spellings of HEAD ("0x…"), listings (0x…) and callers compare equal. */
export function normalizeEtag(etag: string | undefined): string | undefined {
  return etag === undefined ? undefined : etag.replace(/^W\//, '').replace(/^"|"$/g, '');
}
