import type { HttpHeaders } from '@azure/core-rest-pipeline';
import type { Entry } from '../../core/index.js';
import { DIRECTORY_MARKER, decodeProperties, normalizeEtag } from './convert.js';

/**
 * A path's Entry (and its properties) from the headers of one Get Blob Properties answer, the same
 * Entry the SDK path builds (entryFromProperties in store.ts): kind from x-ms-resource-type or the
 * hdi_isfolder marker, owner, group and mode from x-ms-owner/-group/-permissions, times, expiry, MD5.
 */

/** 'rwxr-x---+' / 'rwxrwxrwt' -> 12-bit mode (t/T sets the sticky bit); undefined when malformed. */
export function modeFromSymbolic(text: string): { mode: number; extended: boolean } | undefined {
  const m = /^([r-][w-][x-])([r-][w-][x-])([r-][w-][xtT-])(\+?)$/.exec(text.trim());
  if (m === null) return undefined;
  const bits = (s: string): number => (s[0] === 'r' ? 4 : 0) | (s[1] === 'w' ? 2 : 0) | (s[2] === 'x' || s[2] === 't' ? 1 : 0);
  const other = m[3] ?? '---';
  const sticky = other[2] === 't' || other[2] === 'T';
  return { mode: (sticky ? 0o1000 : 0) | (bits(m[1] ?? '---') << 6) | (bits(m[2] ?? '---') << 3) | bits(other), extended: m[4] === '+' };
}

/** x-ms-meta-* headers as a metadata record (names as the service sent them, lower-cased by undici). */
export function metadataFromHeaders(headers: HttpHeaders): Record<string, string> {
  const out: [string, string][] = [];
  for (const [name, value] of headers) if (name.startsWith('x-ms-meta-')) out.push([name.slice('x-ms-meta-'.length), value]);
  return Object.fromEntries(out);
}

export function entryFromBlobHeaders(path: string, headers: HttpHeaders, withProperties: boolean): Entry {
  const metadata = metadataFromHeaders(headers);
  const isDir = headers.get('x-ms-resource-type') === 'directory' || metadata[DIRECTORY_MARKER] === 'true';
  const modified = Date.parse(headers.get('last-modified') ?? '');
  const entry: Entry = { path, kind: isDir ? 'directory' : 'file', size: isDir ? 0 : Number(headers.get('content-length') ?? 0), mtimeMs: Number.isFinite(modified) ? modified : 0 };
  const owner = headers.get('x-ms-owner');
  const group = headers.get('x-ms-group');
  if (owner !== undefined) entry.owner = owner;
  if (group !== undefined) entry.group = group;
  const perms = modeFromSymbolic(headers.get('x-ms-permissions') ?? '');
  if (perms !== undefined) {
    entry.permissions = perms.mode;
    entry.hasAcl = perms.extended;
  }
  const etag = normalizeEtag(headers.get('etag'));
  if (etag !== undefined) entry.etag = etag;
  const expiry = Date.parse(headers.get('x-ms-expiry-time') ?? '');
  if (Number.isFinite(expiry) && expiry > 0) entry.expiryMs = expiry;
  const md5 = headers.get('content-md5');
  if (!isDir && md5 !== undefined && md5 !== '') entry.contentMd5 = md5;
  if (withProperties) entry.properties = decodeProperties(metadata);
  return entry;
}
