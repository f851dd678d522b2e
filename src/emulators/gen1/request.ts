/**
 * Parsing of Gen1 request targets: the `/webhdfs/v1` and `/WebHdfsExt` prefixes (case-insensitive),
 * percent-decoded paths (including `%2F` and doubled slashes), case-insensitive query keys and booleans,
 * `+` as space in query values. Refuses `.`/`..` segments and NUL characters with a 400.
 */
import { badRequest } from './errors.js';

export interface Gen1Target {
  /** 'webhdfs' for `/webhdfs/v1`, 'ext' for `/WebHdfsExt`. */
  prefix: 'webhdfs' | 'ext';
  /** Path segments (decoded); [] for the root. */
  segments: string[];
  /** Query parameters, keys lower-cased, first value wins. */
  query: Map<string, string>;
}

// `/webhdfs/va` is accepted too: the 2016-11-01 swagger (and so the azure-arm-datalake-store client)
// sends GETCONTENTSUMMARY there.
const PREFIX_RE = /^\/+(?:(webhdfs)\/+v[1a]|(webhdfsext))(?=\/|$)/i;

/** Decodes a percent-encoded string; throws a 400 naming `what` when the encoding is malformed. */
function decode(text: string, what: string): string {
  if (!text.includes('%')) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    throw badRequest(`The ${what} '${text}' is not valid percent-encoding.`);
  }
}

function plusToSpace(text: string): string {
  return text.includes('+') ? text.replace(/\+/g, ' ') : text;
}

/** Splits and validates a decoded path into segments. */
export function splitPath(decoded: string, what = 'path'): string[] {
  if (decoded.includes('\0')) throw badRequest(`The ${what} contains a NUL character.`);
  const segments = decoded.split('/').filter((s) => s !== '');
  for (const s of segments) {
    if (s === '.' || s === '..') throw badRequest(`The ${what} '${decoded}' contains a '${s}' segment; use absolute paths without '.' or '..'.`);
  }
  return segments;
}

/** Parses a raw request URL (`req.url`). Returns undefined when the prefix is not a Gen1 one. */
export function parseTarget(rawUrl: string): Gen1Target | undefined {
  const q = rawUrl.indexOf('?');
  const rawPath = q === -1 ? rawUrl : rawUrl.slice(0, q);
  const rawQuery = q === -1 ? '' : rawUrl.slice(q + 1);
  const m = PREFIX_RE.exec(rawPath);
  if (!m) return undefined;
  const prefix = m[1] !== undefined ? 'webhdfs' : 'ext';
  const segments = splitPath(decode(rawPath.slice(m[0].length), 'path'));
  const query = new Map<string, string>();
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const rawKey = eq === -1 ? part : part.slice(0, eq);
    const rawValue = eq === -1 ? '' : part.slice(eq + 1);
    const key = decode(plusToSpace(rawKey), 'query parameter name').toLowerCase();
    if (query.has(key)) continue;
    const value = plusToSpace(rawValue);
    query.set(key, value.includes('%') ? decode(value, `value of query parameter '${key}'`) : value);
  }
  return { prefix, segments, query };
}

/** Reads a boolean query parameter (case-insensitive true/false); `fallback` when absent or empty. */
export function boolParam(query: Map<string, string>, name: string, fallback: boolean): boolean {
  const v = query.get(name);
  if (v === undefined || v === '') return fallback;
  const l = v.toLowerCase();
  if (l === 'true') return true;
  if (l === 'false') return false;
  throw badRequest(`Invalid value for webhdfs parameter "${name}": '${v}' is not true or false.`);
}

/** Reads a non-negative integer query parameter; undefined when absent. */
export function intParam(query: Map<string, string>, name: string, min = 0): number | undefined {
  const v = query.get(name);
  if (v === undefined || v === '') return undefined;
  if (!/^-?\d+$/.test(v)) throw badRequest(`Invalid value for webhdfs parameter "${name}": '${v}' is not an integer.`);
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < min) throw badRequest(`Invalid value for webhdfs parameter "${name}": ${v} is out of range (minimum ${min}).`);
  return n;
}

/** Parses an octal permission like `755`, `0550` or `1770` (sticky); undefined when absent. */
export function permParam(query: Map<string, string>, name = 'permission'): number | undefined {
  const v = query.get(name);
  if (v === undefined || v === '') return undefined;
  if (!/^[0-7]{1,4}$/.test(v) || parseInt(v, 8) > 0o1777) {
    throw badRequest(`Invalid value for webhdfs parameter "${name}": '${v}' is not an octal permission between 000 and 1777.`);
  }
  return parseInt(v, 8);
}

/** Joins segments to a display path ('/a/b', '/' for the root). */
export function displayPath(segments: readonly string[]): string {
  return `/${segments.join('/')}`;
}
