import { createHmac } from 'node:crypto';

/**
 * Shared Key signing for the lean write path (lean.ts), straight from the REST spec "Authorize with
 * Shared Key" (service version 2015-02-21 and later):
 *
 *   VERB \n Content-Encoding \n Content-Language \n Content-Length (empty when 0) \n Content-MD5 \n
 *   Content-Type \n Date \n If-Modified-Since \n If-Match \n If-None-Match \n If-Unmodified-Since \n
 *   Range \n CanonicalizedHeaders CanonicalizedResource
 *
 * CanonicalizedHeaders: every x-ms-* header, name lower-cased, sorted as the service sorts them (see
 * compareHeaderNames), `name:value\n`. CanonicalizedResource: `/account` + the request's encoded
 * path, then for each query parameter (names lower-cased and sorted) `\nname:decoded value`.
 *
 * Why not the SDK's storageSharedKeyCredentialPolicy: it needs a PipelineRequest with an HttpHeaders
 * map and parses the URL again for every request; on small files that was ~6% of the client's CPU.
 * Here the caller passes a plain header record with lower-case names and the path it sends.
 */

const STANDARD_HEADERS = ['content-encoding', 'content-language', 'content-length', 'content-md5', 'content-type', 'date', 'if-modified-since', 'if-match', 'if-none-match', 'if-unmodified-since', 'range'] as const;

/** 0 for punctuation, 1 for digits, 2 for letters (the order of the service's culture-aware sort), then the code. */
function weight(c: number): number {
  if (c >= 0x30 && c <= 0x39) return 1_000 + c;
  if ((c >= 0x61 && c <= 0x7a) || c >= 0x80) return 2_000 + c;
  return c;
}

/**
 * Orders two lower-cased header names as the storage service does (.NET en-US collation): compared
 * with hyphens ignored, punctuation before digits before letters; on a tie the name whose first
 * differing position is not a hyphen comes first.
 */
export function compareHeaderNames(a: string, b: string): number {
  let i = 0;
  let j = 0;
  for (;;) {
    while (i < a.length && a.charCodeAt(i) === 0x2d) i++;
    while (j < b.length && b.charCodeAt(j) === 0x2d) j++;
    if (i >= a.length || j >= b.length) break;
    const d = weight(a.charCodeAt(i)) - weight(b.charCodeAt(j));
    if (d !== 0) return d;
    i++;
    j++;
  }
  const restA = i < a.length ? 1 : 0;
  const restB = j < b.length ? 1 : 0;
  if (restA !== restB) return restA - restB;
  for (let k = 0; k < Math.min(a.length, b.length); k++) {
    const ha = a.charCodeAt(k) === 0x2d;
    const hb = b.charCodeAt(k) === 0x2d;
    if (ha !== hb) return ha ? 1 : -1;
  }
  return a.length - b.length;
}

function decodeQueryValue(v: string): string {
  try {
    return decodeURIComponent(v);
  } catch {
    return v;
  }
}

/** The CanonicalizedResource of `pathAndQuery` (the request target as sent: encoded path, optional `?query`). */
export function canonicalResource(account: string, pathAndQuery: string): string {
  const q = pathAndQuery.indexOf('?');
  const path = q < 0 ? pathAndQuery : pathAndQuery.slice(0, q);
  let out = `/${account}${path === '' ? '/' : path}`;
  if (q < 0 || q === pathAndQuery.length - 1) return out;
  const byName = new Map<string, string>();
  for (const pair of pathAndQuery.slice(q + 1).split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = (eq < 0 ? pair : pair.slice(0, eq)).toLowerCase();
    const value = eq < 0 ? '' : decodeQueryValue(pair.slice(eq + 1));
    const seen = byName.get(name);
    byName.set(name, seen === undefined ? value : `${seen},${value}`);
  }
  for (const name of [...byName.keys()].sort()) out += `\n${name}:${byName.get(name) ?? ''}`;
  return out;
}

/** The string-to-sign of one request; `headers` have lower-case names. */
export function stringToSign(account: string, method: string, pathAndQuery: string, headers: Readonly<Record<string, string>>): string {
  let out = method.toUpperCase();
  for (const name of STANDARD_HEADERS) {
    const v = headers[name];
    out += `\n${v === undefined || (name === 'content-length' && v === '0') ? '' : v}`;
  }
  out += '\n';
  const names = Object.keys(headers).filter((n) => n.startsWith('x-ms-')).sort(compareHeaderNames);
  for (const n of names) out += `${n}:${(headers[n] ?? '').trimStart()}\n`;
  return out + canonicalResource(account, pathAndQuery);
}

/** Signs requests of one account. */
export class SharedKeySigner {
  private readonly key: Buffer;
  private dateSecond = -1;
  private dateText = '';

  constructor(readonly account: string, keyBase64: string) {
    this.key = Buffer.from(keyBase64, 'base64');
  }

  /** Sets x-ms-date and Authorization on `headers` (lower-case names) for `method pathAndQuery`. */
  sign(method: string, pathAndQuery: string, headers: Record<string, string>): void {
    const now = Date.now();
    const second = Math.floor(now / 1000);
    if (second !== this.dateSecond) {
      this.dateSecond = second;
      this.dateText = new Date(now).toUTCString();
    }
    headers['x-ms-date'] = this.dateText;
    const signature = createHmac('sha256', this.key).update(stringToSign(this.account, method, pathAndQuery, headers), 'utf8').digest('base64');
    headers['authorization'] = `SharedKey ${this.account}:${signature}`;
  }
}
