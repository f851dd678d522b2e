import { createHttpHeaders, type HttpHeaders } from '@azure/core-rest-pipeline';
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import { Pool } from 'undici';
import { formatAclSpec, normalizeEtag, StorageError, type AccessControlChange, type AclEntry } from '../../core/index.js';
import type { CredentialChoice } from './credentials.js';
import { SharedKeySigner } from './shared-key.js';
import { encodeProperties, octalMode } from './convert.js';

/**
 * The write path's requests without the SDK's client layer: Blob Put Blob, Put Block, Put Block List,
 * Get Block List (the Blob writer, blob-writer.ts), DFS create, append, flush, rename (the DFS writer),
 * directory create and Set Access Control. Blob requests go to the Blob endpoint (its own pool when it
 * is another origin, as on Azure).
 *
 * Why: through DataLakeFileClient each request costs about half a millisecond of CPU (a new client
 * per path, operation-spec serialisation, tracing spans), which on small files is more than the rest
 * of the copy together. Here each request is one undici call on a keep-alive pool with a plain header
 * record, signed by SharedKeySigner (shared-key.ts, the spec's string-to-sign; the SDK's policy needs
 * a PipelineRequest and re-parses the URL per request).
 * Only Shared Key, SAS and anonymous access take this path; token credentials keep the SDK (its
 * bearer challenge handling). The service version is the SDK's. Answers are read into the same error
 * shape the SDK throws, so mapGen2Error maps them identically.
 */

/** x-ms-version the pinned @azure/storage-file-datalake sends (SERVICE_VERSION in its constants). */
export const LEAN_SERVICE_VERSION = '2026-02-06';

/** The answer of one request: enough for Gen2Client.run (x-ms-request-id) and the writer. */
export interface LeanResponse {
  status: number;
  headers: HttpHeaders;
  _response: { headers: HttpHeaders };
  /** The answer's body as text (empty for most write answers). */
  bodyText?: string | undefined;
}

/** An error shaped like the SDK's RestError (statusCode, details.errorCode, response.headers). */
class LeanRestError extends Error {
  constructor(
    message: string,
    readonly statusCode: number,
    readonly details: { errorCode?: string },
    readonly response: { headers: HttpHeaders },
  ) {
    super(message);
    this.name = 'RestError';
  }
}

/** URL path of a filesystem path: every segment percent-encoded. */
function encodePath(fsPath: string): string {
  return fsPath.split('/').map(encodeURIComponent).join('/');
}

/** What a create call may carry. */
export interface CreateOptions {
  accessControl?: AccessControlChange | undefined;
  permissions?: number | undefined;
  properties?: Record<string, string> | undefined;
}

/** Headers of a DFS create: owner, group, ACL or mode (with a zero umask), properties. */
function createHeaders(options: CreateOptions): Record<string, string> {
  const headers: Record<string, string> = {};
    const change = options.accessControl;
    if (change?.entries !== undefined && change.permissions !== undefined) {
      throw new StorageError('invalid-argument', 'A path can be created with ACL entries or with a mode, not both (the ACL carries the mode); set the other afterwards.');
    }
    if (change?.owner !== undefined) headers['x-ms-owner'] = change.owner;
    if (change?.group !== undefined) headers['x-ms-group'] = change.group;
    const mode = change?.permissions ?? options.permissions;
    if (change?.entries !== undefined) headers['x-ms-acl'] = formatAclSpec(change.entries);
    else if (mode !== undefined) {
      headers['x-ms-permissions'] = octalMode(mode);
      headers['x-ms-umask'] = '0000';
    }
    // DFS create takes properties as x-ms-properties: name=base64(value), comma-separated (as the SDK sends them).
    if (options.properties !== undefined) {
      headers['x-ms-properties'] = Object.entries(encodeProperties(options.properties)).map(([k, v]) => `${k}=${Buffer.from(v, 'utf8').toString('base64')}`).join(',');
    }
  return headers;
}

/** The Blob endpoint's requests (Put Blob, Put Block, Put Block List): a second origin on Azure, the same one on emulators. */
interface BlobSide {
  url: URL;
  pool: Pool;
}

/** x-ms-meta-* headers of properties (names and values encoded as the SDK's metadata would be). */
function metadataHeaders(properties: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (properties !== undefined) for (const [k, v] of Object.entries(encodeProperties(properties))) out[`x-ms-meta-${k}`] = v;
  return out;
}

/** The error of a 4xx/5xx answer, with the service's code from x-ms-error-code, a JSON (DFS) or an XML (Blob) body. */
function leanFailure(status: number, headers: HttpHeaders, bodyText: string): LeanRestError {
  let code = headers.get('x-ms-error-code');
  let message = `Gen2 answered ${status}`;
  try {
    const parsed = JSON.parse(bodyText) as { error?: { code?: string; message?: string } };
    code ??= parsed.error?.code;
    if (parsed.error?.message !== undefined) message = parsed.error.message;
  } catch {
    // Not JSON: a Blob answer carries XML (<Code>, <Message>); HEAD-like answers have no body.
    const xml = /<Message>([^<]*)<\/Message>/.exec(bodyText);
    code ??= /<Code>([^<]*)<\/Code>/.exec(bodyText)?.[1];
    if (xml?.[1] !== undefined) message = xml[1];
  }
  return new LeanRestError(message, status, code === undefined ? {} : { errorCode: code }, { headers });
}

function flatHeaders(headers: Record<string, string | string[] | undefined>): HttpHeaders {
  const flat: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) flat[k] = Array.isArray(v) ? v.join(', ') : v;
  return createHttpHeaders(flat);
}

export class LeanGen2 {
  private readonly pool: Pool;
  /** URL of the filesystem, without a trailing slash (path-style emulator URLs keep the account segment). */
  private readonly fsUrl: URL;
  private readonly blob: BlobSide;
  private readonly sas: string | undefined;
  private readonly signer: SharedKeySigner | undefined;
  /**
   * HEAD requests go through node:http on keep-alive agents: undici closes the connection after every
   * HEAD (to cope with servers that send a body), which made each stat a new TCP connection.
   */
  private readonly headAgents = new Map<string, HttpAgent>();
  private readonly connections: number;

  private constructor(dfsEndpoint: string, blobEndpoint: string, filesystem: string, credential: CredentialChoice, connections: number) {
    this.fsUrl = new URL(`${dfsEndpoint.replace(/\/+$/, '')}/${encodeURIComponent(filesystem)}`);
    this.pool = new Pool(this.fsUrl.origin, { connections, keepAliveTimeout: 30_000 });
    const blobUrl = new URL(`${blobEndpoint.replace(/\/+$/, '')}/${encodeURIComponent(filesystem)}`);
    this.blob = { url: blobUrl, pool: blobUrl.origin === this.fsUrl.origin ? this.pool : new Pool(blobUrl.origin, { connections, keepAliveTimeout: 30_000 }) };
    this.sas = credential.kind === 'sas' ? credential.sas.replace(/^\?/, '') : undefined;
    this.signer = credential.kind === 'shared-key' ? new SharedKeySigner(credential.account, credential.key) : undefined;
    this.connections = connections;
  }

  /** One HEAD on a keep-alive node:http agent of the URL's origin: status and headers (no body). */
  private head(url: string, headers: Record<string, string>, signal: AbortSignal): Promise<{ status: number; headers: IncomingHttpHeaders }> {
    const target = new URL(url);
    const secure = target.protocol === 'https:';
    let agent = this.headAgents.get(target.origin);
    if (agent === undefined) {
      const options = { keepAlive: true, keepAliveMsecs: 30_000, maxSockets: this.connections };
      agent = secure ? new HttpsAgent(options) : new HttpAgent(options);
      this.headAgents.set(target.origin, agent);
    }
    const send = secure ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send(target, { method: 'HEAD', headers, agent, signal }, (res) => {
        res.resume();
        res.on('error', reject);
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
      });
      req.on('error', reject);
      req.end();
    });
  }

  /** The lean path for a store, or undefined when its credential needs the SDK (tokens). */
  static for(endpoints: { dfsEndpoint: string; blobEndpoint: string }, filesystem: string, credential: CredentialChoice, connections: number): LeanGen2 | undefined {
    if (credential.kind !== 'shared-key' && credential.kind !== 'sas' && credential.kind !== 'anonymous') return undefined;
    return new LeanGen2(endpoints.dfsEndpoint, endpoints.blobEndpoint, filesystem, credential, connections);
  }

  private url(fsPath: string, query: string, base: URL = this.fsUrl): string {
    const q = [query, this.sas].filter((p) => p !== undefined && p !== '').join('&');
    return `${base.href}/${encodePath(fsPath)}${q === '' ? '' : `?${q}`}`;
  }

  /** `x-ms-rename-source` for a path of this filesystem (with the SAS when that is the credential). */
  private renameSource(fsPath: string): string {
    return `${this.fsUrl.pathname}/${encodePath(fsPath)}${this.sas === undefined ? '' : `?${this.sas}`}`;
  }

  private async send(method: string, url: string, headers: Record<string, string>, body: Uint8Array | string | undefined, signal: AbortSignal, side: { url: URL; pool: Pool } = { url: this.fsUrl, pool: this.pool }): Promise<LeanResponse> {
    const length = body === undefined ? 0 : typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
    const sent: Record<string, string> = { 'x-ms-version': LEAN_SERVICE_VERSION, 'content-length': String(length) };
    for (const name in headers) {
      const value = headers[name];
      if (value !== undefined) sent[name.toLowerCase()] = value;
    }
    // Every URL here is built by url() on this side's origin: the request target is the rest of it.
    const target = url.slice(side.url.origin.length);
    this.signer?.sign(method, target, sent);
    let response: { status: number; headers: HttpHeaders; bodyAsText: string };
    if (method === 'HEAD') {
      const res = await this.head(url, sent, signal);
      response = { status: res.status, headers: flatHeaders(res.headers), bodyAsText: '' };
    } else {
      const res = await side.pool.request({ method: method as 'PUT', path: target, headers: sent, body: body === undefined ? null : body, signal });
      response = { status: res.statusCode, headers: flatHeaders(res.headers), bodyAsText: await res.body.text() };
    }
    if (response.status >= 400) throw leanFailure(response.status, response.headers, response.bodyAsText ?? '');
    return { status: response.status, headers: response.headers, _response: { headers: response.headers }, bodyText: response.bodyAsText ?? undefined };
  }

  /** Creates (or replaces) a file with its access control and properties. */
  createFile(fsPath: string, options: CreateOptions, signal: AbortSignal): Promise<LeanResponse> {
    return this.send('PUT', this.url(fsPath, 'resource=file'), createHeaders(options), undefined, signal);
  }

  /**
   * List Paths of one directory level (DFS, JSON), one page: `maxResults` entries at most, from
   * `continuation` on. The answer's body is the JSON text (`paths`) and x-ms-continuation the next token.
   */
  listPathsPage(fsDir: string, maxResults: number, continuation: string | undefined, signal: AbortSignal): Promise<LeanResponse> {
    const params = new URLSearchParams({ resource: 'filesystem', recursive: 'false', maxResults: String(maxResults) });
    if (fsDir !== '') params.set('directory', fsDir);
    if (continuation !== undefined) params.set('continuation', continuation);
    if (this.sas !== undefined) for (const [k, v] of new URLSearchParams(this.sas)) params.append(k, v);
    return this.send('GET', `${this.fsUrl.href}?${params.toString()}`, {}, undefined, signal);
  }

  /** Creates a directory with its access control and properties; If-None-Match: * (409 when it exists). */
  createDirectory(fsPath: string, options: CreateOptions, signal: AbortSignal): Promise<LeanResponse> {
    return this.send('PUT', this.url(fsPath, 'resource=directory'), { ...createHeaders(options), 'If-None-Match': '*' }, undefined, signal);
  }

  /** Set Access Control: owner and group with either the full ACL or the mode. */
  setAccessControl(fsPath: string, change: { owner?: string | undefined; group?: string | undefined; entries?: AclEntry[] | undefined; permissions?: number | undefined }, signal: AbortSignal): Promise<LeanResponse> {
    const headers: Record<string, string> = {};
    if (change.owner !== undefined) headers['x-ms-owner'] = change.owner;
    if (change.group !== undefined) headers['x-ms-group'] = change.group;
    if (change.entries !== undefined) headers['x-ms-acl'] = formatAclSpec(change.entries);
    else if (change.permissions !== undefined) headers['x-ms-permissions'] = octalMode(change.permissions);
    return this.send('PATCH', this.url(fsPath, 'action=setAccessControl'), headers, undefined, signal);
  }

  append(fsPath: string, position: number, data: Uint8Array, signal: AbortSignal): Promise<LeanResponse> {
    return this.send('PATCH', this.url(fsPath, `action=append&position=${position}`), {}, data, signal);
  }

  flush(fsPath: string, position: number, contentMd5: Uint8Array | undefined, signal: AbortSignal): Promise<LeanResponse> {
    return this.send('PATCH', this.url(fsPath, `action=flush&position=${position}&close=true`), contentMd5 === undefined ? {} : { 'x-ms-content-md5': Buffer.from(contentMd5).toString('base64') }, undefined, signal);
  }

  /** Renames within the filesystem (If-None-Match: * unless overwrite). */
  rename(fromFs: string, toFs: string, overwrite: boolean, signal: AbortSignal): Promise<LeanResponse> {
    return this.send('PUT', this.url(toFs, 'mode=legacy'), { 'x-ms-rename-source': this.renameSource(fromFs), ...(overwrite ? {} : { 'If-None-Match': '*' }) }, undefined, signal);
  }

  /**
   * Put Blob: the whole file in one request, visible only once complete. `contentMd5` goes as the
   * transactional Content-MD5 (the service checks it and stores it as the blob's MD5). Parents are
   * created on a hierarchical namespace. If-None-Match: * unless overwrite.
   */
  putBlob(fsPath: string, data: Uint8Array, contentMd5: Uint8Array | undefined, properties: Record<string, string> | undefined, overwrite: boolean, signal: AbortSignal, ifMatch?: string): Promise<LeanResponse> {
    const headers: Record<string, string> = { 'x-ms-blob-type': 'BlockBlob', ...metadataHeaders(properties), ...writeCondition(overwrite, ifMatch) };
    if (contentMd5 !== undefined) headers['Content-MD5'] = Buffer.from(contentMd5).toString('base64');
    return this.send('PUT', this.url(fsPath, '', this.blob.url), headers, data, signal, this.blob);
  }

  /** Put Block: stages one block (invisible until a block list commits it), checked by its Content-MD5. */
  putBlock(fsPath: string, blockId: string, data: Uint8Array, blockMd5: Uint8Array, signal: AbortSignal): Promise<LeanResponse> {
    return this.send('PUT', this.url(fsPath, `comp=block&blockid=${encodeURIComponent(blockId)}`, this.blob.url), { 'Content-MD5': Buffer.from(blockMd5).toString('base64') }, data, signal, this.blob);
  }

  /** Put Block List: commits the staged blocks in order (x-ms-blob-content-md5 = the whole file's MD5). */
  putBlockList(fsPath: string, blockIds: readonly string[], contentMd5: Uint8Array | undefined, properties: Record<string, string> | undefined, overwrite: boolean, signal: AbortSignal, ifMatch?: string): Promise<LeanResponse> {
    const xml = `<?xml version="1.0" encoding="utf-8"?><BlockList>${blockIds.map((id) => `<Latest>${id}</Latest>`).join('')}</BlockList>`;
    const headers: Record<string, string> = { 'Content-Type': 'application/xml; charset=utf-8', ...metadataHeaders(properties), ...writeCondition(overwrite, ifMatch) };
    if (contentMd5 !== undefined) headers['x-ms-blob-content-md5'] = Buffer.from(contentMd5).toString('base64');
    return this.send('PUT', this.url(fsPath, 'comp=blocklist', this.blob.url), headers, xml, signal, this.blob);
  }

  /**
   * Get Blob of `count` bytes from `offset` (to the end when count is undefined), If-Match `ifMatch`:
   * the answer's headers and its body as a stream (the caller consumes or destroys it). Throws the
   * SDK-shaped error for 4xx/5xx (416 for a range at or past the end).
   */
  async getBlob(fsPath: string, offset: number, count: number | undefined, ifMatch: string | undefined, signal: AbortSignal): Promise<{ status: number; headers: HttpHeaders; _response: { headers: HttpHeaders }; body: Readable }> {
    const headers: Record<string, string> = { 'x-ms-version': LEAN_SERVICE_VERSION };
    if (offset > 0 || count !== undefined) headers['x-ms-range'] = `bytes=${offset}-${count === undefined ? '' : offset + count - 1}`;
    if (ifMatch !== undefined) headers['if-match'] = ifMatch;
    const target = this.url(fsPath, '', this.blob.url).slice(this.blob.url.origin.length);
    this.signer?.sign('GET', target, headers);
    const res = await this.blob.pool.request({ method: 'GET', path: target, headers, signal });
    const flat = flatHeaders(res.headers);
    if (res.statusCode >= 400) throw leanFailure(res.statusCode, flat, await res.body.text());
    return { status: res.statusCode, headers: flat, _response: { headers: flat }, body: res.body };
  }

  /** Get Block List of the uncommitted (staged) blocks: their ids and sizes (none when nothing is staged). */
  async uncommittedBlocks(fsPath: string, signal: AbortSignal): Promise<LeanResponse & { blocks: { id: string; size: number }[] }> {
    const res = await this.send('GET', this.url(fsPath, 'comp=blocklist&blocklisttype=uncommitted', this.blob.url), {}, undefined, signal, this.blob);
    const xml = /<UncommittedBlocks>([\s\S]*?)<\/UncommittedBlocks>/.exec(res.bodyText ?? '')?.[1] ?? '';
    const blocks = [...xml.matchAll(/<Block>\s*<Name>([^<]*)<\/Name>\s*<Size>(\d+)<\/Size>\s*<\/Block>/g)].map((m) => ({ id: m[1] ?? '', size: Number(m[2]) }));
    return { ...res, blocks };
  }

  /** Get Blob Properties (HEAD): size, kind, owner, mode, times, MD5 and metadata of one path in one call. */
  blobProperties(fsPath: string, signal: AbortSignal): Promise<LeanResponse> {
    return this.send('HEAD', this.url(fsPath, '', this.blob.url), {}, undefined, signal, this.blob);
  }

  /** DFS append with flush=true: the bytes land at `position` and are committed in the same call. */
  appendAndFlush(fsPath: string, position: number, data: Uint8Array, signal: AbortSignal): Promise<LeanResponse> {
    return this.send('PATCH', this.url(fsPath, `action=append&position=${position}&flush=true`), {}, data, signal);
  }

  /**
   * Set Blob Properties: replaces the content headers (those not given are cleared, among them the
   * stored Content-MD5, which is the point after an append).
   */
  setBlobHeaders(fsPath: string, headers: Record<string, string>, signal: AbortSignal): Promise<LeanResponse> {
    return this.send('PUT', this.url(fsPath, 'comp=properties', this.blob.url), headers, undefined, signal, this.blob);
  }

  /** Set Blob Metadata: replaces the metadata (x-ms-meta-* of the given, already encoded record). */
  setBlobMetadata(fsPath: string, metadata: Record<string, string>, signal: AbortSignal): Promise<LeanResponse> {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(metadata)) headers[`x-ms-meta-${k}`] = v;
    return this.send('PUT', this.url(fsPath, 'comp=metadata', this.blob.url), headers, undefined, signal, this.blob);
  }

  /** Delete Blob (a file whose access control could not be applied after its commit). */
  deleteBlob(fsPath: string, signal: AbortSignal): Promise<LeanResponse> {
    return this.send('DELETE', this.url(fsPath, '', this.blob.url), {}, undefined, signal, this.blob);
  }

  async close(): Promise<void> {
    for (const agent of this.headAgents.values()) agent.destroy();
    this.headAgents.clear();
    await this.pool.close();
    if (this.blob.pool !== this.pool) await this.blob.pool.close();
  }
}

/** The commit's condition: If-Match of a known ETag, else If-None-Match: * unless overwrite. */
function writeCondition(overwrite: boolean, ifMatch: string | undefined): Record<string, string> {
  if (ifMatch !== undefined) return { 'If-Match': `"${normalizeEtag(ifMatch) ?? ''}"` };
  return overwrite ? {} : { 'If-None-Match': '*' };
}
