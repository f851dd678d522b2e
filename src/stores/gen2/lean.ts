import { createHttpHeaders, createPipelineRequest, type HttpHeaders, type PipelinePolicy, type PipelineRequest, type PipelineResponse } from '@azure/core-rest-pipeline';
import { storageSharedKeyCredentialPolicy } from '@azure/storage-common';
import { Pool } from 'undici';
import { formatAclSpec, StorageError, type AccessControlChange, type AclEntry } from '../../core/index.js';
import type { CredentialChoice } from './credentials.js';
import { encodeProperties, octalMode } from './convert.js';

/**
 * The writer's four requests per file (create, append, flush, rename) without the SDK's client layer.
 *
 * Why: through DataLakeFileClient each request costs about half a millisecond of CPU (a new client
 * per path, operation-spec serialisation, tracing spans), which on small files is more than the rest
 * of the copy together. Here each request is one undici call on a keep-alive pool, signed by the
 * SDK's own Shared Key policy (@azure/storage-common), so the string-to-sign is the SDK's, not ours.
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

export class LeanGen2 {
  private readonly pool: Pool;
  /** URL of the filesystem, without a trailing slash (path-style emulator URLs keep the account segment). */
  private readonly fsUrl: URL;
  private readonly sas: string | undefined;
  private readonly sign: PipelinePolicy | undefined;

  private constructor(dfsEndpoint: string, filesystem: string, credential: CredentialChoice, connections: number) {
    this.fsUrl = new URL(`${dfsEndpoint.replace(/\/+$/, '')}/${encodeURIComponent(filesystem)}`);
    this.pool = new Pool(this.fsUrl.origin, { connections, keepAliveTimeout: 30_000 });
    this.sas = credential.kind === 'sas' ? credential.sas.replace(/^\?/, '') : undefined;
    this.sign = credential.kind === 'shared-key' ? storageSharedKeyCredentialPolicy({ accountName: credential.account, accountKey: Buffer.from(credential.key, 'base64') }) : undefined;
  }

  /** The lean path for a store, or undefined when its credential needs the SDK (tokens). */
  static for(dfsEndpoint: string, filesystem: string, credential: CredentialChoice, connections: number): LeanGen2 | undefined {
    if (credential.kind !== 'shared-key' && credential.kind !== 'sas' && credential.kind !== 'anonymous') return undefined;
    return new LeanGen2(dfsEndpoint, filesystem, credential, connections);
  }

  private url(fsPath: string, query: string): string {
    const q = [query, this.sas].filter((p) => p !== undefined && p !== '').join('&');
    return `${this.fsUrl.href}/${encodePath(fsPath)}${q === '' ? '' : `?${q}`}`;
  }

  /** `x-ms-rename-source` for a path of this filesystem (with the SAS when that is the credential). */
  private renameSource(fsPath: string): string {
    return `${this.fsUrl.pathname}/${encodePath(fsPath)}${this.sas === undefined ? '' : `?${this.sas}`}`;
  }

  private async send(method: string, url: string, headers: Record<string, string>, body: Uint8Array | undefined, signal: AbortSignal): Promise<LeanResponse> {
    const request = createPipelineRequest({ url, method: method as PipelineRequest['method'], abortSignal: signal, headers: createHttpHeaders({ 'x-ms-version': LEAN_SERVICE_VERSION, 'Content-Length': String(body?.byteLength ?? 0), ...headers }) });
    const dispatch = async (req: PipelineRequest): Promise<PipelineResponse> => {
      // Every URL here is built by url() on this origin: the request path is the rest of it.
      const res = await this.pool.request({ method: method as 'PUT', path: req.url.slice(this.fsUrl.origin.length), headers: req.headers.toJSON(), body: body === undefined ? null : body, signal });
      const text = await res.body.text();
      const flat: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) flat[k] = Array.isArray(v) ? v.join(', ') : v;
      return { request: req, status: res.statusCode, headers: createHttpHeaders(flat), bodyAsText: text };
    };
    const response = this.sign === undefined ? await dispatch(request) : await this.sign.sendRequest(request, dispatch);
    if (response.status >= 400) {
      let code = response.headers.get('x-ms-error-code');
      let message = `Gen2 answered ${response.status}`;
      try {
        const parsed = JSON.parse(response.bodyAsText ?? '') as { error?: { code?: string; message?: string } };
        code ??= parsed.error?.code;
        if (parsed.error?.message !== undefined) message = parsed.error.message;
      } catch {
        // not JSON (HEAD-like answers have no body)
      }
      throw new LeanRestError(message, response.status, code === undefined ? {} : { errorCode: code }, { headers: response.headers });
    }
    return { status: response.status, headers: response.headers, _response: { headers: response.headers } };
  }

  /** Creates (or replaces) a file with its access control and properties. */
  createFile(fsPath: string, options: CreateOptions, signal: AbortSignal): Promise<LeanResponse> {
    return this.send('PUT', this.url(fsPath, 'resource=file'), createHeaders(options), undefined, signal);
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

  async close(): Promise<void> {
    await this.pool.close();
  }
}
