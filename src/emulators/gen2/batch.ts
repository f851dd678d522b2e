import { randomUUID } from 'node:crypto';
import { IncomingMessage, STATUS_CODES, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import { readSmallBody } from './blob-ops.js';
import type { Call } from './call.js';
import { commonHeaders, escapeXml, WireError } from './wire.js';

/**
 * Blob Batch (`POST ?comp=batch`, `POST /CONTAINER?restype=container&comp=batch`): up to 256 Delete Blob
 * or Set Blob Tier sub-requests in one multipart/mixed body, answered 202 with one multipart/mixed
 * part per sub-request (`batchresponse_` boundary, `Content-ID`, an HTTP status line and headers).
 *
 * Every sub-request goes through the emulator's own request pipeline, so it is authenticated,
 * authorized and answered exactly as the same request sent alone: a Shared Key sub-request carries
 * its own signature. A sub-request without credentials takes the outer request's SAS or bearer token
 * (a container SAS on a container-scoped batch authorizes its sub-requests).
 *
 * A body that cannot be parsed, more than 256 or no sub-requests, two kinds of operation, an operation
 * other than the two, or a sub-request outside the container of a container-scoped batch fail the whole
 * batch before anything runs: 202 with one part `400 InvalidInput`, as Azure frames a batch it refuses.
 */

export const MAX_SUB_REQUESTS = 256;
/** Largest batch body read (Azure's limit for a batch request body is 4 MiB). */
export const MAX_BATCH_BODY = 4 * 1024 * 1024;

/** Runs one request through the emulator's pipeline (installed by the emulator at start). */
export type Dispatch = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

interface SubRequest { contentId: string; method: string; url: string; headers: IncomingHttpHeaders }

interface SubResult { status: number; headers: Record<string, string>; body: Buffer }

/** What a refused batch answers inside its single part. */
class BatchRefusal extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

const invalidInput = (why: string): BatchRefusal => new BatchRefusal('InvalidInput', `One of the request inputs is not valid. ${why}`);

/** The `boundary` parameter of a multipart/mixed Content-Type (RFC 2046; names are case-insensitive). */
function parseBoundary(contentType: string): string {
  const [type, ...params] = contentType.split(';');
  if ((type ?? '').trim().toLowerCase() !== 'multipart/mixed') {
    throw new WireError(400, 'InvalidHeaderValue', `The value for one of the HTTP headers is not in the correct format: Content-Type '${contentType}'. Send multipart/mixed; boundary=batch_ID.`);
  }
  const boundaries: string[] = [];
  for (const p of params) {
    const eq = p.indexOf('=');
    if (eq < 0 || p.slice(0, eq).trim().toLowerCase() !== 'boundary') continue;
    let v = p.slice(eq + 1).trim();
    if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1);
    boundaries.push(v);
  }
  if (boundaries.length > 1) throw invalidInput('The Content-Type names more than one boundary.');
  const b = boundaries[0];
  if (b === undefined || b === '') throw new BatchRefusal('InvalidHeaderValue', 'The value for one of the HTTP headers is not in the correct format: Content-Type needs a non-empty boundary parameter.');
  if (b.length > 70) throw new BatchRefusal('InvalidHeaderValue', 'The value for one of the HTTP headers is not in the correct format: a multipart boundary has at most 70 characters.');
  return b;
}

/** Splits `Name: value` header lines; throws on a line without a colon. */
function parseHeaderLines(lines: readonly string[], where: string): IncomingHttpHeaders {
  const headers: IncomingHttpHeaders = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw invalidInput(`${where}: '${line.slice(0, 80)}' is not a header line.`);
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return headers;
}

/** Parses the multipart body into sub-requests; throws BatchRefusal when it is not a well-formed batch. */
export function parseBatchBody(body: string, boundary: string): SubRequest[] {
  const delimiter = `--${boundary}`;
  const pieces = body.split(delimiter);
  // pieces[0] is the preamble; the piece after the close delimiter (`--`) is the epilogue.
  if (pieces.length < 2) throw invalidInput('The body does not contain the boundary of its Content-Type.');
  const out: SubRequest[] = [];
  let closed = false;
  for (let i = 1; i < pieces.length; i++) {
    const piece = pieces[i] ?? '';
    if (piece.startsWith('--')) {
      closed = true;
      break;
    }
    const lines = piece.replace(/^[ \t]*\r?\n/, '').split(/\r?\n/);
    const blank1 = lines.indexOf('');
    if (blank1 < 0) throw invalidInput(`Part ${i - 1} has no blank line after its MIME headers.`);
    const mime = parseHeaderLines(lines.slice(0, blank1), `Part ${i - 1}`);
    if ((mime['content-type'] ?? '').toString().toLowerCase() !== 'application/http') throw invalidInput(`Part ${i - 1} must have Content-Type: application/http.`);
    if ((mime['content-transfer-encoding'] ?? '').toString().toLowerCase() !== 'binary') throw invalidInput(`Part ${i - 1} must have Content-Transfer-Encoding: binary.`);
    const requestLine = lines[blank1 + 1] ?? '';
    const m = /^([A-Z]+) (\S+) HTTP\/1\.1$/.exec(requestLine);
    if (m === null) throw invalidInput(`Part ${i - 1} does not start with a request line such as 'DELETE /container/blob HTTP/1.1'.`);
    const rest = lines.slice(blank1 + 2);
    const blank2 = rest.indexOf('');
    const headerLines = blank2 < 0 ? rest : rest.slice(0, blank2);
    const after = blank2 < 0 ? [] : rest.slice(blank2 + 1);
    if (after.some((l) => l.trim() !== '')) throw invalidInput(`Part ${i - 1} has a body; Delete Blob and Set Blob Tier sub-requests have none.`);
    out.push({ contentId: (mime['content-id'] ?? String(i - 1)).toString(), method: m[1] ?? '', url: m[2] ?? '', headers: parseHeaderLines(headerLines, `Part ${i - 1}`) });
  }
  if (!closed) throw invalidInput('The body does not end with the closing boundary.');
  if (out.length === 0) throw invalidInput('The batch contains no sub-requests.');
  if (out.length > MAX_SUB_REQUESTS) throw invalidInput(`A batch holds at most ${MAX_SUB_REQUESTS} sub-requests; this one has ${out.length}.`);
  return out;
}

type Kind = 'delete' | 'tier';

function kindOf(s: SubRequest): Kind {
  const q = s.url.indexOf('?');
  const params = new URLSearchParams(q < 0 ? '' : s.url.slice(q + 1));
  const comp = [...params].find(([k]) => k.toLowerCase() === 'comp')?.[1];
  if (s.method === 'DELETE' && comp === undefined) return 'delete';
  if (s.method === 'PUT' && comp === 'tier') return 'tier';
  throw invalidInput(`Sub-request ${s.contentId} is '${s.method} ${s.url.slice(0, 80)}': a batch holds Delete Blob or Set Blob Tier sub-requests only.`);
}

/** Decoded path segments of a sub-request URL, without the query. */
function segmentsOf(url: string): string[] {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  try {
    return path.split('/').slice(1).map((s) => decodeURIComponent(s));
  } catch {
    throw invalidInput('A sub-request URL is not correctly percent-encoded.');
  }
}

/** A container-scoped batch reaches blobs of its own container only (account segment optional, path-style). */
function inContainer(c: Call, url: string): boolean {
  const segs = segmentsOf(url);
  const rest = segs[0] === c.account ? segs.slice(1) : segs;
  return rest[0] === c.fs && rest.length >= 2 && rest[1] !== '';
}

/** Collects what the pipeline answers one sub-request; stands in for a ServerResponse. */
class CapturedResponse {
  status = 0;
  headers: Record<string, string> = {};
  private chunks: Buffer[] = [];
  headersSent = false;
  readonly done: Promise<void>;
  private finish: () => void = () => undefined;
  constructor() {
    this.done = new Promise((resolve) => {
      this.finish = resolve;
    });
  }
  writeHead(status: number, headers?: Record<string, string | number | readonly string[]>): this {
    this.status = status;
    for (const [k, v] of Object.entries(headers ?? {})) this.headers[k] = Array.isArray(v) ? v.join(', ') : String(v);
    this.headersSent = true;
    return this;
  }
  write(chunk: Buffer | string): boolean {
    this.chunks.push(Buffer.from(chunk));
    return true;
  }
  end(chunk?: Buffer | string): this {
    if (chunk !== undefined) this.chunks.push(Buffer.from(chunk));
    this.finish();
    return this;
  }
  getHeaderNames(): string[] {
    return [];
  }
  removeHeader(): void {
    // headers are only ever set through writeHead
  }
  destroy(): void {
    if (this.status === 0) this.status = 500;
    this.finish();
  }
  result(): SubResult {
    return { status: this.status, headers: this.headers, body: Buffer.concat(this.chunks) };
  }
}

/** Credentials a sub-request without its own takes from the batch request (never a Shared Key: it signs one request). */
function inheritCredentials(c: Call, s: SubRequest): string {
  if (s.headers.authorization !== undefined) return s.url;
  const hasSas = /[?&]sig=/i.test(s.url);
  if (hasSas) return s.url;
  const outer = c.req.headers.authorization ?? '';
  if (/^bearer\s/i.test(outer)) {
    s.headers.authorization = outer;
    return s.url;
  }
  const rawUrl = c.req.url ?? '';
  const q = rawUrl.indexOf('?');
  const sas = q < 0 ? '' : rawUrl.slice(q + 1).split('&').filter((p) => !/^(comp|restype|timeout)=/i.test(p)).join('&');
  if (!/(^|&)sig=/i.test(sas)) return s.url;
  return `${s.url}${s.url.includes('?') ? '&' : '?'}${sas}`;
}

async function runSubRequest(c: Call, dispatch: Dispatch, s: SubRequest): Promise<SubResult> {
  const url = inheritCredentials(c, s);
  const msg = new IncomingMessage(c.req.socket);
  msg.method = s.method;
  msg.url = url;
  msg.headers = s.headers;
  // The batch's version applies to every sub-request (Blob Batch: "This version is used for all subrequests").
  // Not as a header: a Shared Key sub-request is signed without one.
  batchVersions.set(msg, c.version);
  msg.push(null);
  msg.complete = true;
  const out = new CapturedResponse();
  await dispatch(msg, out as unknown as ServerResponse);
  await out.done;
  return out.result();
}

const batchVersions = new WeakMap<IncomingMessage, string>();

/** The service version of the batch a sub-request belongs to; undefined for requests from the wire. */
export const batchVersionOf = (req: IncomingMessage): string | undefined => batchVersions.get(req);

const CRLF = '\r\n';

function part(boundary: string, contentId: string | undefined, r: SubResult): string {
  const lines = [`--${boundary}`, 'Content-Type: application/http', ...(contentId === undefined ? [] : [`Content-ID: ${contentId}`]), '', `HTTP/1.1 ${r.status} ${STATUS_CODES[r.status] ?? ''}`];
  for (const [k, v] of Object.entries(r.headers)) lines.push(`${k}: ${v}`);
  return `${lines.join(CRLF)}${CRLF}${CRLF}${r.body.toString('utf8')}${r.body.length > 0 ? CRLF : ''}`;
}

function refusalResult(c: Call, e: BatchRefusal): SubResult {
  const body = Buffer.from(`\uFEFF<?xml version="1.0" encoding="utf-8"?><Error><Code>${escapeXml(e.code)}</Code><Message>${escapeXml(`${e.message}\nRequestId:${c.requestId}\nTime:${new Date().toISOString()}`)}</Message></Error>`, 'utf8');
  return { status: 400, headers: { 'x-ms-error-code': e.code, 'x-ms-request-id': c.requestId, 'x-ms-version': c.version, 'Content-Length': String(body.length), 'Content-Type': 'application/xml' }, body };
}

/** POST ?comp=batch (account) or ?restype=container&comp=batch — 202 with one response part per sub-request. */
export async function submitBatch(c: Call): Promise<void> {
  const dispatch = c.ns.dispatch;
  if (dispatch === undefined) throw new WireError(501, 'NotImplemented', 'Blob Batch needs the emulator pipeline; it is not available in this context.');
  const contentType = c.req.headers['content-type'];
  if (contentType === undefined || contentType.trim() === '') throw new WireError(400, 'MissingRequiredHeader', 'An HTTP header that is mandatory for this request is not specified: Content-Type. Send multipart/mixed; boundary=batch_ID.');
  const responseBoundary = `batchresponse_${randomUUID()}`;
  const parts: string[] = [];
  try {
    const boundary = parseBoundary(contentType);
    const body = await readSmallBody(c, MAX_BATCH_BODY);
    const subs = parseBatchBody(body, boundary);
    const kinds = new Set(subs.map(kindOf));
    if (kinds.size > 1) throw invalidInput('A batch holds one kind of operation: all Delete Blob or all Set Blob Tier.');
    if (c.fs !== undefined) {
      const outside = subs.find((s) => !inContainer(c, s.url));
      if (outside !== undefined) throw invalidInput(`Sub-request ${outside.contentId} addresses a blob outside container '${c.fs}'; a container-scoped batch reaches that container only.`);
    }
    // One after the other, in order: each sees what the ones before it did.
    for (const s of subs) parts.push(part(responseBoundary, s.contentId, await runSubRequest(c, dispatch, s)));
  } catch (e) {
    if (!(e instanceof BatchRefusal)) throw e;
    if (!c.req.complete) c.req.resume();
    parts.length = 0;
    parts.push(part(responseBoundary, undefined, refusalResult(c, e)));
  }
  const payload = Buffer.from(`${parts.join('')}--${responseBoundary}--${CRLF}`, 'utf8');
  const h = commonHeaders(c);
  h['Content-Type'] = `multipart/mixed; boundary=${responseBoundary}`;
  h['Content-Length'] = String(payload.length);
  c.res.writeHead(202, h);
  c.res.end(payload);
}
