/**
 * Pieces of the Shared Key string-to-sign that vary between client generations: query canonicalization
 * and the sort order of `x-ms-*` headers. Each function returns what one generation of clients computes;
 * the verifier tries every distinct result.
 */
import type { AuthContextHeaders } from './result.js';

/** Splits a raw request target into its path (still percent-encoded) and raw query ('' when none). */
export function splitRawUrl(rawUrl: string): { path: string; query: string } {
  const q = rawUrl.indexOf('?');
  const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
  const query = q < 0 ? '' : rawUrl.slice(q + 1);
  return { path: path === '' ? '/' : path, query };
}

/** Percent-decodes, optionally reading '+' as a space; returns the input unchanged when malformed. */
export function decodeComponent(value: string, plusAsSpace: boolean): string {
  try {
    return decodeURIComponent(plusAsSpace ? value.replace(/\+/g, '%20') : value);
  } catch {
    return value;
  }
}

/** Query parameters in wire order as raw (undecoded) name/value pairs; `value` is undefined for `?flag`. */
export function rawQueryPairs(query: string): { name: string; value: string | undefined }[] {
  const pairs: { name: string; value: string | undefined }[] = [];
  for (const piece of query.split('&')) {
    if (piece === '') continue;
    const eq = piece.indexOf('=');
    pairs.push(eq < 0 ? { name: piece, value: undefined } : { name: piece.slice(0, eq), value: piece.slice(eq + 1) });
  }
  return pairs;
}

/**
 * Documented form (current .NET/Go/Python and the REST reference): every parameter, names decoded and
 * lowercased, values decoded and sorted, joined with ','; names sorted.
 */
export function canonicalQuerySpec(query: string, plusAsSpace: boolean): string {
  const byName = new Map<string, string[]>();
  for (const { name, value } of rawQueryPairs(query)) {
    const key = decodeComponent(name, plusAsSpace).toLowerCase();
    const list = byName.get(key) ?? [];
    list.push(decodeComponent(value ?? '', plusAsSpace));
    byName.set(key, list);
  }
  let out = '';
  for (const key of [...byName.keys()].sort()) {
    out += `\n${key}:${(byName.get(key) ?? []).sort().join(',')}`;
  }
  return out;
}

/**
 * JavaScript SDK form (`getURLQueries`): drops parameters without a value, with an empty value or with a
 * second '='; the last value of a repeated name wins; names are not decoded; values decoded without '+'.
 */
export function canonicalQueryJs(query: string): string {
  const byName = new Map<string, string>();
  for (const { name, value } of rawQueryPairs(query)) {
    if (name === '' || value === undefined || value === '' || value.includes('=')) continue;
    byName.set(name.toLowerCase(), decodeComponent(value, false));
  }
  let out = '';
  for (const key of [...byName.keys()].sort()) out += `\n${key}:${byName.get(key) ?? ''}`;
  return out;
}

// Primary sort weights of the .NET en-US culture for the characters a header name may hold. Letters
// compare case-insensitively after digits, digits after punctuation; '-' and '\'' are ignored at the
// primary level and only break ties.
const PUNCTUATION_WEIGHT: Readonly<Record<string, number>> = {
  '!': 0x71c, '#': 0x71f, '$': 0x721, '%': 0x723, '&': 0x725, '*': 0x72d, '.': 0x733,
  '^': 0x743, _: 0x744, '`': 0x748, '|': 0x74c, '~': 0x750, '+': 0x803,
};

// Clients send the same few dozen header names over and over; remember their weights (bounded).
const weightCache = new Map<string, readonly number[]>();
const WEIGHT_CACHE_LIMIT = 1024;

function primaryWeights(name: string): readonly number[] {
  const cached = weightCache.get(name);
  if (cached !== undefined) return cached;
  const weights = computeWeights(name);
  if (weightCache.size >= WEIGHT_CACHE_LIMIT) weightCache.clear();
  weightCache.set(name, weights);
  return weights;
}

function computeWeights(name: string): number[] {
  const weights: number[] = [];
  for (const ch of name.toLowerCase()) {
    if (ch === '-' || ch === "'") continue;
    const code = ch.charCodeAt(0);
    if (ch >= 'a' && ch <= 'z') weights.push(0xe00 + code);
    else if (ch >= '0' && ch <= '9') weights.push(0xd00 + code);
    else weights.push(PUNCTUATION_WEIGHT[ch] ?? code);
  }
  return weights;
}

/**
 * Compares two lowercased header names the way the storage service (.NET, en-US culture) sorts them:
 * first by primary weights with hyphens ignored; on a tie, the name whose first differing position holds
 * an ordinary character (not a hyphen) sorts first.
 */
export function compareHeaderNamesEnUs(a: string, b: string): number {
  const wa = primaryWeights(a);
  const wb = primaryWeights(b);
  for (let i = 0; i < Math.min(wa.length, wb.length); i++) {
    const x = wa[i] ?? 0;
    const y = wb[i] ?? 0;
    if (x !== y) return x - y;
  }
  if (wa.length !== wb.length) return wa.length - wb.length;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const ha = a[i] === '-' || a[i] === "'";
    const hb = b[i] === '-' || b[i] === "'";
    if (ha !== hb) return ha ? 1 : -1;
  }
  return a.length - b.length;
}

/** Plain code-unit order (Go's sort.Strings, Python's sorted, older JS). */
export function compareOrdinal(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `x-ms-*` headers as `name:value\n` lines, sorted with `compare`; one line per name. */
export function canonicalHeaders(headers: AuthContextHeaders, compare: (a: string, b: string) => number): string {
  const names: string[] = [];
  for (const name of Object.keys(headers)) {
    if (name.toLowerCase().startsWith('x-ms-') && headers[name] !== undefined) names.push(name.toLowerCase());
  }
  names.sort(compare);
  let out = '';
  let previous = '';
  for (const name of names) {
    if (name === previous) continue;
    previous = name;
    const raw = headers[name];
    const value = Array.isArray(raw) ? raw.join(', ') : (raw ?? '');
    out += `${name}:${value.trimStart()}\n`;
  }
  return out;
}
