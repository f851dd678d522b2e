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
  constructor(status: number, code: string, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.headers = headers;
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
}

/** Lower-cased query map; the last value of a repeated name wins. */
export function parseQuery(search: string): Map<string, string> {
  const out = new Map<string, string>();
  if (search === '') return out;
  for (const [k, v] of new URLSearchParams(search)) out.set(k.toLowerCase(), v);
  return out;
}

export function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  if (Array.isArray(v)) return v[0];
  return v;
}

/** Sets the headers every response carries. */
export function setCommonHeaders(ex: Exchange): void {
  const res = ex.res;
  res.setHeader('x-ms-request-id', ex.requestId);
  res.setHeader('x-ms-version', ex.version);
  res.setHeader('Server', ex.api === 'dfs' ? 'Windows-Azure-HDFS/1.0 Microsoft-HTTPAPI/2.0' : 'Windows-Azure-Blob/1.0 Microsoft-HTTPAPI/2.0');
  const crid = header(ex.req, 'x-ms-client-request-id');
  if (crid !== undefined) res.setHeader('x-ms-client-request-id', crid);
}

/** Ends a response with no body. */
export function sendEmpty(ex: Exchange, status: number, headers: Record<string, string> = {}): void {
  setCommonHeaders(ex);
  for (const [k, v] of Object.entries(headers)) ex.res.setHeader(k, v);
  ex.res.setHeader('Content-Length', '0');
  ex.res.writeHead(status);
  ex.res.end();
}

/** Ends a response with a JSON body (DFS). */
export function sendJson(ex: Exchange, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = Buffer.from(JSON.stringify(body), 'utf8');
  setCommonHeaders(ex);
  for (const [k, v] of Object.entries(headers)) ex.res.setHeader(k, v);
  ex.res.setHeader('Content-Type', 'application/json;charset=utf-8');
  ex.res.setHeader('Content-Length', String(text.length));
  ex.res.writeHead(status);
  ex.res.end(ex.req.method === 'HEAD' ? undefined : text);
}

const BOM = '\uFEFF';

/** Ends a response with an XML body (Blob), prefixed with a UTF-8 BOM as the service does. */
export function sendXml(ex: Exchange, status: number, xml: string, headers: Record<string, string> = {}): void {
  const text = Buffer.from(`${BOM}<?xml version="1.0" encoding="utf-8"?>${xml}`, 'utf8');
  setCommonHeaders(ex);
  for (const [k, v] of Object.entries(headers)) ex.res.setHeader(k, v);
  ex.res.setHeader('Content-Type', 'application/xml');
  ex.res.setHeader('Content-Length', String(text.length));
  ex.res.writeHead(status);
  ex.res.end(ex.req.method === 'HEAD' ? undefined : text);
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
  for (const name of res.getHeaderNames()) res.removeHeader(name);
  for (const [k, v] of Object.entries(err.headers)) res.setHeader(k, v);
  res.setHeader('x-ms-error-code', err.code);
  const message = `${err.message}\nRequestId:${ex.requestId}\nTime:${new Date().toISOString()}`;
  if (ex.req.method === 'HEAD' || err.status === 304) {
    setCommonHeaders(ex);
    res.setHeader('Content-Length', '0');
    res.writeHead(err.status);
    res.end();
  } else if (ex.api === 'dfs') {
    sendJson(ex, err.status, { error: { code: err.code, message } });
  } else {
    sendXml(ex, err.status, `<Error><Code>${escapeXml(err.code)}</Code><Message>${escapeXml(message)}</Message></Error>`);
  }
  // A client that sent a body we did not read must not block the connection.
  if (!ex.req.complete) ex.req.resume();
}

let etagSeq = 0;

/** A fresh ETag value in the service's `0x8D…` form (15 hex digits), unique within the process. */
export function newEtag(): string {
  etagSeq = (etagSeq + 1) % 0x10000;
  const v = (BigInt(Date.now()) * 0x10000n + BigInt(etagSeq)) % 0x10000000000000n;
  return `0x8D${v.toString(16).toUpperCase().padStart(13, '0')}`;
}

export const quoteEtag = (etag: string): string => `"${etag}"`;
export const httpDate = (ms: number): string => new Date(ms).toUTCString();
/** Windows FILETIME ticks (100 ns since 1601-01-01) as a decimal string. */
export const fileTimeTicks = (ms: number): string => (BigInt(ms) * 10000n + 116444736000000000n).toString();

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
