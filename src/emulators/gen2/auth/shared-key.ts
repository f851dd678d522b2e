/**
 * Shared Key and Shared Key Lite verification for the Blob/DFS endpoints. Several generations of official
 * clients sign slightly different strings (field order, query and header canonicalization); every distinct
 * candidate is tried with every key of the account and the request passes when one matches.
 */
import {
  canonicalHeaders,
  canonicalQueryJs,
  canonicalQuerySpec,
  compareHeaderNamesEnUs,
  compareOrdinal,
  splitRawUrl,
} from './canonical.js';
import { allowKeyHolder, authFailed, decodeSignature, deny, headerValue, keysOf, signatureMatches } from './result.js';
import type { AuthContext, AuthRequest, AuthResult } from './types.js';

/** Largest accepted distance between the request's date and the emulator clock, as on Azure. */
export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

export interface SharedKeyHeader {
  scheme: 'SharedKey' | 'SharedKeyLite';
  account: string;
  signature: string;
}

/** Parses `SharedKey account:signature` (or `SharedKeyLite`); undefined when the header has another form. */
export function parseSharedKeyHeader(header: string): SharedKeyHeader | undefined {
  const m = /^(SharedKey|SharedKeyLite)\s+([^:\s]+):(\S+)$/.exec(header.trim());
  if (!m || m[2] === undefined || m[3] === undefined) return undefined;
  return { scheme: m[1] === 'SharedKeyLite' ? 'SharedKeyLite' : 'SharedKey', account: m[2], signature: m[3] };
}

function checkRequestDate(request: AuthRequest, nowMs: number): AuthResult | undefined {
  const raw = headerValue(request.headers, 'x-ms-date') || headerValue(request.headers, 'date');
  if (raw === '') return authFailed('Request date header not specified: send x-ms-date (RFC 1123).');
  const at = Date.parse(raw);
  if (Number.isNaN(at)) return authFailed(`The x-ms-date header value '${raw}' is not a valid RFC 1123 date.`);
  if (Math.abs(nowMs - at) > MAX_CLOCK_SKEW_MS) {
    return authFailed(`Request date '${raw}' is more than 15 minutes from the server time ${new Date(nowMs).toUTCString()}; check the client clock.`);
  }
  return undefined;
}

/**
 * Every distinct Shared Key string-to-sign the known client generations produce for this request, generated
 * lazily: first the one the current JavaScript SDKs sign (nearly every request matches it, so the other
 * canonical forms are only computed on a mismatch), then the rest, most common first.
 */
export function* sharedKeyCandidates(request: AuthRequest, account: string): Generator<string> {
  const headers = request.headers;
  const { path, query } = splitRawUrl(request.rawUrl);
  const contentLength = headerValue(headers, 'content-length');
  const tail = [contentLength === '0' ? '' : contentLength, headerValue(headers, 'content-md5'), headerValue(headers, 'content-type')];
  const method = request.method.toUpperCase();
  const date = headerValue(headers, 'date');
  const conditionals = [
    headerValue(headers, 'if-modified-since'), headerValue(headers, 'if-match'), headerValue(headers, 'if-none-match'),
    headerValue(headers, 'if-unmodified-since'), headerValue(headers, 'range'),
  ];
  const resource = `/${account}${path}`;
  const language = headerValue(headers, 'content-language');
  const encoding = headerValue(headers, 'content-encoding');
  const enUsHeaders = canonicalHeaders(headers, compareHeaderNamesEnUs);
  const jsQuery = canonicalQueryJs(query);
  // Current JavaScript SDKs: Content-Language first, any Date header signed, en-US header order, getURLQueries.
  const current = `${[method, language, encoding, ...tail, date, ...conditionals].join('\n')}\n${enUsHeaders}${resource}${jsQuery}`;
  yield current;
  // The reference leaves the Date slot empty when x-ms-date is sent; JavaScript signs any Date header.
  const dateSlots = [...new Set(['', date])];
  const contentOrders = [
    [language, encoding], // JavaScript SDKs
    [encoding, language], // REST reference, .NET, Go, Python
  ];
  const headerBlocks = [...new Set([enUsHeaders, canonicalHeaders(headers, compareOrdinal)])];
  const queries = [...new Set([jsQuery, canonicalQuerySpec(query, true), canonicalQuerySpec(query, false)])];
  const seen = new Set<string>([current]);
  for (const order of contentOrders) {
    for (const slot of dateSlots) {
      const fixed = [method, ...order, ...tail, slot, ...conditionals].join('\n') + '\n';
      for (const block of headerBlocks) {
        for (const q of queries) {
          const candidate = `${fixed}${block}${resource}${q}`;
          if (seen.has(candidate)) continue;
          seen.add(candidate);
          yield candidate;
        }
      }
    }
  }
}

/** Shared Key Lite string-to-sign (Blob service, 2009-09-19 and later). */
export function sharedKeyLiteCandidates(request: AuthRequest, account: string): string[] {
  const h = (name: string): string => headerValue(request.headers, name);
  const { path, query } = splitRawUrl(request.rawUrl);
  const comp = /(?:^|&)comp=([^&]*)/i.exec(query)?.[1];
  const resource = `/${account}${path}${comp === undefined ? '' : `?comp=${comp}`}`;
  const dates = new Set(['', h('date')]);
  const out: string[] = [];
  for (const headers of new Set([canonicalHeaders(request.headers, compareOrdinal), canonicalHeaders(request.headers, compareHeaderNamesEnUs)])) {
    for (const date of dates) {
      out.push([request.method.toUpperCase(), h('content-md5'), h('content-type'), date].join('\n') + `\n${headers}${resource}`);
    }
  }
  return out;
}

/**
 * Verifies a Shared Key (or Shared Key Lite) Authorization header.
 * Refuses with 403 AuthenticationFailed when the account is unknown or differs from the addressed one,
 * the date is missing or more than 15 minutes off, or no candidate signature matches any account key.
 */
export function checkSharedKey(request: AuthRequest, context: AuthContext, header: SharedKeyHeader): AuthResult {
  const keys = keysOf(context, header.account);
  if (keys.length === 0) {
    return authFailed(`The account '${header.account}' named in the Authorization header does not exist on this emulator.`);
  }
  if (header.account !== context.account) {
    return authFailed(`The Authorization header signs for account '${header.account}' but the request addresses account '${context.account}'.`);
  }
  const dateProblem = checkRequestDate(request, context.nowMs ?? Date.now());
  if (dateProblem) return dateProblem;
  const presented = decodeSignature(header.signature);
  if (presented === undefined) {
    return deny(400, 'InvalidAuthenticationInfo', 'Authentication information is not given in the correct format. The signature must be a base64 HMAC-SHA256.');
  }
  const candidates = header.scheme === 'SharedKey' ? sharedKeyCandidates(request, header.account) : sharedKeyLiteCandidates(request, header.account);
  // Candidates outside, keys inside: the candidates are generated lazily, once, and each is tried with both keys.
  for (const candidate of candidates) {
    for (const key of keys) {
      if (signatureMatches(presented, key, candidate)) return allowKeyHolder('shared-key');
    }
  }
  return authFailed(
    `The MAC signature found in the HTTP request is not the same as any computed signature for ${request.method.toUpperCase()} ${splitRawUrl(request.rawUrl).path}. ` +
      'Check the account key and that no proxy rewrote signed headers or the URL.',
  );
}
