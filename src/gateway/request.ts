import { badRequest, Gen1Failure } from './gen1-errors.js';

/**
 * Parsing of a Gen1 request line as the official clients send it: `/webhdfs/v1/{path}` or
 * `/webhdfsext/{path}` (any case), query keys in any case (`OP`, `aclSpec`), `+` as space, `%2F`
 * inside the path (the Node client encodes the whole path), booleans as true/True/false/False.
 */

export interface Gen1Target {
  /** Gen1 path segments, decoded ([] = '/'). */
  segments: string[];
  /** True for the /WebHdfsExt endpoint. */
  extension: boolean;
  /** Query parameters with lower-cased keys (the last value of a repeated key wins). */
  query: Map<string, string>;
}

// `/webhdfs/va` too: the 2016-11-01 swagger, and so the Node client, sends GETCONTENTSUMMARY there.
const PREFIX = /^\/+(webhdfs\/+v[1a]|webhdfsext)(?=\/|$)/i;

/**
 * Splits and checks a Gen1 path: percent-decoded, empty segments dropped, and any '.' or '..'
 * segment (also encoded), NUL or control character refused, so no path can leave the mapped area.
 * Throws Gen1Failure (400 IllegalArgumentException).
 */
export function parseGen1Path(raw: string, alreadyDecoded = false): string[] {
  let text = raw;
  if (!alreadyDecoded) {
    try {
      text = decodeURIComponent(raw);
    } catch {
      throw badRequest(`The path '${raw}' is not valid percent-encoding; encode % as %25.`);
    }
  }
  const segments = text.split('/').filter((s) => s !== '');
  for (const s of segments) {
    if (s === '.' || s === '..') throw badRequest(`The path '${text}' contains a '${s}' segment; Gen1 paths are absolute and may not contain . or .. segments.`);
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f]/.test(s)) throw badRequest(`The path '${text}' contains a control character.`);
  }
  return segments;
}

/** Parses a request URL; undefined when it is not under a Gen1 prefix. */
export function parseGen1Url(url: string): Gen1Target | undefined {
  const q = url.indexOf('?');
  const rawPath = q < 0 ? url : url.slice(0, q);
  const m = PREFIX.exec(rawPath);
  if (m === null || m[1] === undefined) return undefined;
  const query = new Map<string, string>();
  for (const [k, v] of new URLSearchParams(q < 0 ? '' : url.slice(q + 1))) query.set(k.toLowerCase(), v);
  return { segments: parseGen1Path(rawPath.slice(m[0].length)), extension: m[1].toLowerCase() === 'webhdfsext', query };
}

/** A boolean parameter (true/True/TRUE, false/...); `fallback` when absent. Throws for other text. */
export function boolParam(query: Map<string, string>, name: string, fallback: boolean): boolean {
  const v = query.get(name);
  if (v === undefined || v === '') return fallback;
  const t = v.toLowerCase();
  if (t === 'true') return true;
  if (t === 'false') return false;
  throw badRequest(`Invalid value for webhdfs parameter "${name}": '${v}' is not true or false.`);
}

/** A non-negative whole-number parameter, or undefined when absent. */
export function intParam(query: Map<string, string>, name: string): number | undefined {
  const v = query.get(name);
  if (v === undefined || v === '') return undefined;
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v))) throw badRequest(`Invalid value for webhdfs parameter "${name}": '${v}' is not a non-negative whole number.`);
  return Number(v);
}

/** A required string parameter. */
export function requiredParam(query: Map<string, string>, name: string, op: string): string {
  const v = query.get(name);
  if (v === undefined) throw new Gen1Failure('IllegalArgumentException', `${op} needs the parameter '${name}'.`);
  return v;
}

/** Displays segments as a Gen1 path ('/a/b'). */
export function displayPath(segments: readonly string[]): string {
  return `/${segments.join('/')}`;
}
