import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Wire helpers of the Gen2 emulator: the error type, the two error formats (DFS JSON, Blob XML),
 * common response headers, ETags and HTTP dates.
 */

/** Which flavour of the API a request belongs to; decides the error format. */
export type Api = 'dfs' | 'blob';

/** An error answered to the client as the service would: status, `x-ms-error-code`, message. */
export class WireError extends Error {
  readonly status: number;
  readonly code: string;
  readonly headers: Record<string, string>;
  /** Extra elements of a Blob XML error body after Message (e.g. AuthenticationErrorDetail). */
  readonly details: Record<string, string>;
  constructor(status: number, code: string, message: string, headers: Record<string, string> = {}, details: Record<string, string> = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.headers = headers;
    this.details = details;
  }
}

export const notFoundPath = (): WireError => new WireError(404, 'PathNotFound', 'The specified path does not exist.');
export const conditionNotMet = (): WireError => new WireError(412, 'ConditionNotMet', 'The condition specified using HTTP conditional header(s) is not met.');
export const badHeader = (name: string, why: string): WireError =>
  new WireError(400, 'InvalidHeaderValue', `The value for one of the HTTP headers is not in the correct format: ${name}. ${why}`);
export const badQuery = (name: string, why: string): WireError =>
  new WireError(400, 'InvalidQueryParameterValue', `Value for one of the query parameters specified in the request URI is invalid: ${name}. ${why}`);
export const permissionMismatch = (): WireError =>
  new WireError(403, 'AuthorizationPermissionMismatch', 'This request is not authorized to perform this operation using this permission.');

/** Per-request state shared by the pipeline and the handlers. */
export interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  api: Api;
  requestId: string;
  version: string;
  /** Query parameters with lower-cased names (clients differ in case: maxResults vs maxresults). */
  query: Map<string, string>;
  /** Headers every response to this request carries besides the common ones (CORS), when any. */
  extraHeaders?: Record<string, string> | undefined;
}

// Escapes, '+', a leading '?' (dropped by URLSearchParams) and lone surrogates (replaced by it).
const NEEDS_URL_SEARCH_PARAMS = /^\?|[%+\uD800-\uDFFF]/;

/** Lower-cased query map; the last value of a repeated name wins. */
export function parseQuery(search: string): Map<string, string> {
  const out = new Map<string, string>();
  if (search === '') return out;
  if (NEEDS_URL_SEARCH_PARAMS.test(search)) {
    for (const [k, v] of new URLSearchParams(search)) out.set(k.toLowerCase(), v);
    return out;
  }
  // Nothing to decode: split as URLSearchParams would (empty pieces skipped, value after the first '=').
  for (const piece of search.split('&')) {
    if (piece === '') continue;
    const eq = piece.indexOf('=');
    if (eq < 0) out.set(piece.toLowerCase(), '');
    else out.set(piece.slice(0, eq).toLowerCase(), piece.slice(eq + 1));
  }
  return out;
}

/**
 * A request header as the handlers read it. A header sent with an empty (or blank) value counts as
 * absent, as Azure treats it: official SDKs send some optional headers empty (e.g. Rename Path's
 * `x-ms-source-lease-id:`), and Azure ignores them.
 */
export function header(req: IncomingMessage, name: string): string | undefined {
  const raw = req.headers[name];
  const v = Array.isArray(raw) ? raw[0] : raw;
  if (v === undefined || v.trim() === '') return undefined;
  return v;
}

const SERVER_DFS = 'Windows-Azure-HDFS/1.0 Microsoft-HTTPAPI/2.0';
const SERVER_BLOB = 'Windows-Azure-Blob/1.0 Microsoft-HTTPAPI/2.0';

/**
 * The headers every response carries, as a fresh object to add to. Responses are sent with one
 * `writeHead(status, headers)` and no `setHeader` calls: Node then serializes the object directly
 * instead of keeping a second header table.
 */
export function commonHeaders(ex: Exchange): Record<string, string> {
  const h: Record<string, string> = { 'x-ms-request-id': ex.requestId, 'x-ms-version': ex.version, Server: ex.api === 'dfs' ? SERVER_DFS : SERVER_BLOB };
  const crid = header(ex.req, 'x-ms-client-request-id');
  if (crid !== undefined) h['x-ms-client-request-id'] = crid;
  if (ex.extraHeaders !== undefined) Object.assign(h, ex.extraHeaders);
  return h;
}

/** Sends the status line and headers: the common headers, then `headers` in their order. */
export function writeHeadWith(ex: Exchange, status: number, headers: Record<string, string>): void {
  ex.res.writeHead(status, Object.assign(commonHeaders(ex), headers));
}

/** Ends a response with no body. */
export function sendEmpty(ex: Exchange, status: number, headers: Record<string, string> = {}): void {
  const h = Object.assign(commonHeaders(ex), headers);
  h['Content-Length'] = '0';
  ex.res.writeHead(status, h);
  ex.res.end();
}

/** Sends status, headers and a complete body with one write (HEAD: headers only). */
function sendBody(ex: Exchange, status: number, contentType: string, body: Buffer, first: Record<string, string>, headers: Record<string, string>): void {
  const h = Object.assign(first, commonHeaders(ex), headers);
  h['Content-Type'] = contentType;
  h['Content-Length'] = String(body.length);
  ex.res.writeHead(status, h);
  ex.res.end(ex.req.method === 'HEAD' ? undefined : body);
}

/** Ends a response with a JSON body (DFS). */
export function sendJson(ex: Exchange, status: number, body: unknown, headers: Record<string, string> = {}): void {
  sendBody(ex, status, 'application/json;charset=utf-8', Buffer.from(JSON.stringify(body), 'utf8'), {}, headers);
}

const BOM = '\uFEFF';
const xmlText = (xml: string): Buffer => Buffer.from(`${BOM}<?xml version="1.0" encoding="utf-8"?>${xml}`, 'utf8');

/** Ends a response with an XML body (Blob), prefixed with a UTF-8 BOM as the service does. */
export function sendXml(ex: Exchange, status: number, xml: string, headers: Record<string, string> = {}): void {
  sendBody(ex, status, 'application/xml', xmlText(xml), {}, headers);
}

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&apos;'));
}

/** Answers an error in the format of the request's API; HEAD responses carry only the header. */
export function sendError(ex: Exchange, err: WireError): void {
  const res = ex.res;
  if (res.headersSent) {
    res.destroy();
    return;
  }
  // Nothing else may leak into an error response (handlers send with writeHead, but be safe).
  for (const name of res.getHeaderNames()) res.removeHeader(name);
  const first: Record<string, string> = { ...err.headers, 'x-ms-error-code': err.code };
  const message = `${err.message}\nRequestId:${ex.requestId}\nTime:${new Date().toISOString()}`;
  if (ex.req.method === 'HEAD' || err.status === 304) {
    const h = Object.assign(first, commonHeaders(ex));
    h['Content-Length'] = '0';
    res.writeHead(err.status, h);
    res.end();
  } else if (ex.api === 'dfs') {
    sendBody(ex, err.status, 'application/json;charset=utf-8', Buffer.from(JSON.stringify({ error: { code: err.code, message } }), 'utf8'), first, {});
  } else {
    sendBody(ex, err.status, 'application/xml', xmlText(`<Error><Code>${escapeXml(err.code)}</Code><Message>${escapeXml(message)}</Message>${Object.entries(err.details).map(([k, v]) => `<${k}>${escapeXml(v)}</${k}>`).join('')}</Error>`), first, {});
  }
  // A client that sent a body we did not read must not block the connection.
  if (!ex.req.complete) ex.req.resume();
}

let etagSeq = 0;

/** A fresh ETag value in the service's `0x8D…` form (15 hex digits), unique within the process. */
export function newEtag(): string {
  etagSeq = (etagSeq + 1) % 0x10000;
  // (now * 2^16 + seq) mod 2^52 without BigInt: only now mod 2^36 survives the shift, and the sum stays
  // below 2^52, so every step is exact in a double.
  const v = (Date.now() % 0x1000000000) * 0x10000 + etagSeq;
  return `0x8D${v.toString(16).toUpperCase().padStart(13, '0')}`;
}

export const quoteEtag = (etag: string): string => `"${etag}"`;

let lastDateSecond = Number.NaN;
let lastDateText = '';

/** RFC 1123 date; responses in the same second share one formatted string. */
export function httpDate(ms: number): string {
  if (!(Math.abs(ms) <= 8.64e15)) return new Date(ms).toUTCString(); // outside the Date range: 'Invalid Date'
  const second = Math.floor(ms / 1000);
  if (second !== lastDateSecond) {
    lastDateText = new Date(ms).toUTCString();
    lastDateSecond = second;
  }
  return lastDateText;
}

/** Windows FILETIME ticks (100 ns since 1601-01-01) as a decimal string. */
export function fileTimeTicks(ms: number): string {
  // ms since 1601 fits a double exactly; ×10000 is four more decimal zeros (no BigInt per listed entry).
  const since1601 = ms + 11644473600000;
  return Number.isSafeInteger(since1601) && since1601 > 0 ? `${since1601}0000` : (BigInt(ms) * 10000n + 116444736000000000n).toString();
}

export const newRequestId = (): string => randomUUID();

/** Lowest service version accepted in `x-ms-version`. */
export const MIN_VERSION = '2018-11-09';
export const DEFAULT_VERSION = '2021-12-02';

/** Validates `x-ms-version`; returns the value to echo. */
export function resolveVersion(value: string | undefined): string | WireError {
  if (value === undefined || value === '') return DEFAULT_VERSION;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || value < MIN_VERSION) {
    return new WireError(400, 'InvalidHeaderValue', `The value for one of the HTTP headers is not in the correct format: x-ms-version '${value}'. Use a service version of ${MIN_VERSION} or later.`);
  }
  return value;
}
