import type { IncomingMessage, ServerResponse } from 'node:http';
import { TLSSocket } from 'node:tls';
import { applyConnectionFault, createFaultInjector, type FaultInjector, type FaultOptions } from '../kit/faults.js';
import { listen } from '../kit/server.js';
import { accountFromAuthorization, authenticate, challengeFor, SUPERUSER_OID } from './auth/index.js';
import type { AuthResult, Principal, SasResourceType } from './auth/types.js';
import { batchVersionOf } from './batch.js';
import { createDiskByteStore, createMemoryByteStore } from './bytes.js';
import type { Call } from './call.js';
import { anonymousAllowed, publicAccessNotPermitted, publicAccessOf, storedPolicy } from './container-acl.js';
import { HnsStore } from './hns-store.js';
import { MetaDb } from './meta.js';
import type { Namespace } from './namespace.js';
import { corsResponseHeaders, preflight } from './service-properties.js';
import { guessApi, route, type Level, type Operation } from './router.js';
import { bearerOnly } from './service-ops.js';
import { header, newRequestId, parseQuery, resolveVersion, sendEmpty, sendError, WireError, type Exchange } from './wire.js';

/**
 * Local emulator of an ADLS Gen2 (hierarchical namespace) account: DFS and Blob endpoints on one
 * port, path-style URLs `http://127.0.0.1:PORT/ACCOUNT/FILESYSTEM/PATH`.
 */

const NO_FAULTS: FaultInjector['injected'] = { status: 0, reset: 0, truncate: 0, cutRequest: 0, slowBody: 0, failOperation: 0 };

export const DEV_ACCOUNT = 'devstoreaccount1';
export const DEV_ACCOUNT_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface Gen2EmulatorOptions {
  /** Port to listen on; 0 or undefined picks a free one. */
  port?: number;
  /** Address to bind; default 127.0.0.1. */
  host?: string;
  /** Folder for metadata (SQLite) and bytes; survives restarts. Without it the emulator keeps everything in memory. */
  location?: string;
  /** Keep metadata and bytes in memory even when `location` is given. */
  inMemory?: boolean;
  /**
   * Accounts and their base64 keys (a secondary key too, as real accounts have two); default the well-known
   * dev account. `replication` RA-GRS or RA-GZRS opens the read-only `NAME-secondary` endpoint (service stats).
   */
  accounts?: { name: string; key: string; secondaryKey?: string; replication?: Replication }[];
  /** PEM certificate and key paths: serve HTTPS (needed for bearer tokens from the SDKs). */
  certPath?: string;
  keyPath?: string;
  /**
   * The accounts' AllowBlobPublicAccess setting; default true. False (what `lakeshift provision` sets on real
   * accounts) refuses container public access levels and anonymous requests with 409 PublicAccessNotPermitted.
   */
  allowBlobPublicAccess?: boolean;
  /** Accept requests without credentials (they act as `$superuser`). */
  anonymous?: boolean;
  /** Object IDs that are superusers when they call with a bearer token. */
  superusers?: string[];
  faults?: FaultOptions;
  /** Largest request body (append, block, Put Blob); default 4000 MiB. */
  maxAppendBytes?: number;
  /** Entries removed per paginated recursive delete request; default 5000. */
  deletePageSize?: number;
  /** Milliseconds an Archive blob takes to rehydrate, by priority; default Azure's upper bounds (Standard 15 h, High 1 h). */
  rehydrateMs?: { standard?: number; high?: number };
  /** Length of one day of the delete retention policy in milliseconds (shorter in tests); default 86,400,000. */
  retentionDayMs?: number;
}

export type Replication = 'LRS' | 'ZRS' | 'GRS' | 'GZRS' | 'RA-GRS' | 'RA-GZRS';

export interface Gen2Emulator {
  /** Base URL, e.g. `http://127.0.0.1:PORT`; account URLs are `${url}/${account}`. */
  url: string;
  port: number;
  /** Faults injected so far, by kind (all zero without --faults). */
  faultsInjected(): Readonly<FaultInjector['injected']>;
  accounts: string[];
  /** Requests answered so far, by operation name (e.g. PutBlob, SetAccessControl), for request-count tests. */
  requestCounts(): Record<string, number>;
  /** Starts the request counts from zero. */
  resetRequestCounts(): void;
  close(): Promise<void>;
}

function decodeSegments(rawPath: string): string[] {
  let segs = rawPath.split('/').slice(1);
  // Without '%' decoding changes nothing (most requests): skip it.
  if (rawPath.includes('%')) {
    try {
      segs = segs.map((s) => decodeURIComponent(s));
    } catch {
      throw new WireError(400, 'InvalidUri', 'The requested URI does not represent any resource on the server: it is not correctly percent-encoded.');
    }
    // A decoded %2F splits a segment as a `/` would.
    segs = segs.join('/').split('/');
  }
  if (segs.some((s) => s === '.' || s === '..')) throw new WireError(400, 'InvalidUri', 'The requested URI does not represent any resource on the server: . and .. segments are not allowed.');
  return segs;
}

interface Target { account: string; fs: string | undefined; path: string; level: Level; secondary: boolean }

const SECONDARY_SUFFIX = '-secondary';

function resolveTarget(req: IncomingMessage, rawPath: string, accounts: ReadonlyMap<string, unknown>, secondaryReads: ReadonlySet<string>): Target {
  const segs = decodeSegments(rawPath);
  let account: string | undefined;
  let secondary = false;
  const first = segs[0];
  if (first !== undefined && accounts.has(first)) account = segs.shift();
  else if (first !== undefined && first.endsWith(SECONDARY_SUFFIX) && secondaryReads.has(first.slice(0, -SECONDARY_SUFFIX.length))) {
    account = first.slice(0, -SECONDARY_SUFFIX.length);
    secondary = true;
    segs.shift();
  } else {
    const signer = accountFromAuthorization(req.headers);
    if (signer !== undefined && accounts.has(signer)) account = signer;
    else if (accounts.size === 1) account = [...accounts.keys()][0];
  }
  if (account === undefined) throw new WireError(400, 'InvalidUri', 'The requested URI does not name an account: use http://HOST:PORT/ACCOUNT/FILESYSTEM/PATH.');
  if (segs.length === 0 || (segs.length === 1 && segs[0] === '')) return { account, fs: undefined, path: '', level: 'service', secondary };
  const fs = segs.shift() ?? '';
  if (segs.length === 0) return { account, fs, path: '', level: 'filesystem', secondary };
  if (segs[segs.length - 1] === '') segs.pop();
  if (segs.some((s) => s === '')) throw new WireError(400, 'InvalidUri', 'The requested URI does not represent any resource on the server: empty path segments are not allowed.');
  return { account, fs, path: segs.join('/'), level: 'path', secondary };
}

const LEVEL_RESOURCE: Record<Level, SasResourceType> = { service: 's', filesystem: 'c', path: 'o' };

/** Refusals about who the caller is (not about what it may do): these win over an unsupported operation. */
function isAuthenticationFailure(auth: Extract<AuthResult, { ok: false }>): boolean {
  return auth.status === 401 || auth.code === 'AuthenticationFailed' || auth.code === 'InvalidAuthenticationInfo';
}

function authError(auth: Extract<AuthResult, { ok: false }>): WireError {
  const challenge = challengeFor(auth);
  return new WireError(auth.status, auth.code, auth.message, challenge === undefined ? {} : { 'WWW-Authenticate': challenge });
}

/** Starts the emulator; resolves once it listens. */
export async function startGen2Emulator(options: Gen2EmulatorOptions): Promise<Gen2Emulator> {
  const accountList = options.accounts ?? [{ name: DEV_ACCOUNT, key: DEV_ACCOUNT_KEY }];
  const accounts = new Map(accountList.map((a) => [a.name, [a.key, ...(a.secondaryKey === undefined ? [] : [a.secondaryKey])].map((k) => Buffer.from(k, 'base64'))]));
  const memory = options.inMemory === true || options.location === undefined;
  const db = new MetaDb(memory ? undefined : options.location);
  const bytes = memory || options.location === undefined ? createMemoryByteStore() : createDiskByteStore(options.location);
  const superusers = new Set(options.superusers ?? []);
  const secondaryReads = new Set(accountList.filter((a) => a.replication === 'RA-GRS' || a.replication === 'RA-GZRS').map((a) => a.name));
  const hns = new HnsStore(db, {
    rehydrateMs: { standard: options.rehydrateMs?.standard ?? 15 * 3600_000, high: options.rehydrateMs?.high ?? 3600_000 },
    retentionDayMs: options.retentionDayMs ?? 86_400_000,
  });
  const skuNames = new Map(accountList.map((a) => [a.name, `Standard_${(a.replication ?? 'LRS').replace('-', '')}`]));
  const publicAccessAllowed = options.allowBlobPublicAccess !== false;
  const ns: Namespace = { db, bytes, superusers, accountKeys: accounts, secondaryReads, hns, skuNames, publicAccessAllowed };
  const faults: FaultInjector | undefined = options.faults ? createFaultInjector(options.faults) : undefined;
  const limits = { maxAppendBytes: options.maxAppendBytes ?? 4000 * 1024 * 1024, deletePageSize: options.deletePageSize ?? 5000, listPageSize: 5000 };
  const anonymous = options.anonymous === true;
  let baseUrl = '';
  const counts = new Map<string, number>();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const rawPath = q < 0 ? rawUrl : rawUrl.slice(0, q);
    const query = parseQuery(q < 0 ? '' : rawUrl.slice(q + 1));
    const ex: Exchange = { req, res, api: guessApi(req, query), requestId: newRequestId(), version: '2021-12-02', query };
    try {
      const version = resolveVersion(header(req, 'x-ms-version') ?? batchVersionOf(req));
      if (version instanceof WireError) throw version;
      ex.version = version;
      const target = resolveTarget(req, rawPath, accounts, secondaryReads);
      if (req.headers.origin !== undefined) {
        if (req.method === 'OPTIONS') {
          sendEmpty(ex, 200, preflight(hns, target.account, req));
          return;
        }
        ex.extraHeaders = corsResponseHeaders(hns, target.account, req);
      }
      let routed: Operation | WireError;
      try {
        routed = route(req, query, target.level);
      } catch (e) {
        if (!(e instanceof WireError)) throw e;
        routed = e;
      }
      const authRequest = { method: req.method ?? 'GET', rawUrl, headers: req.headers, secure: req.socket instanceof TLSSocket };
      const authScope = {
        account: target.account, accounts, anonymous, superusers,
        ...(target.fs === undefined ? {} : { filesystem: target.fs, storedPolicy: (id: string) => storedPolicy(hns, target.account, target.fs ?? '', id) }),
        ...(target.level === 'path' ? { path: target.path } : {}),
      };
      if (routed instanceof WireError) {
        // Authenticate first: a caller without valid credentials sees the authentication refusal, never 400/501.
        const auth = authenticate(authRequest, { ...authScope, permission: 'r', resourceType: LEVEL_RESOURCE[target.level] });
        if (!auth.ok && isAuthenticationFailure(auth)) throw authError(auth);
        throw routed;
      }
      const operation = routed;
      counts.set(operation.name, (counts.get(operation.name) ?? 0) + 1);
      ex.api = operation.api;
      if (faults) {
        const d = faults.decide(operation.name);
        if (d.delayMs > 0) await new Promise((r) => setTimeout(r, d.delayMs));
        if (applyConnectionFault(d, req, res)) return;
        if (d.action === 'status') {
          const code = d.status === 429 ? 'TooManyRequests' : d.status === 500 ? 'InternalError' : 'ServerBusy';
          throw new WireError(d.status, code, `Injected fault for ${operation.name}: the server is busy, retry later.`, d.retryAfterSeconds === null ? {} : { 'Retry-After': String(d.retryAfterSeconds) });
        }
      }
      const auth = authenticate(authRequest, { ...authScope, permission: operation.permission, resourceType: operation.resourceType, ...(operation.name === 'SubmitBatch' ? { signatureOnly: true } : {}) });
      // User delegation keys go to bearer callers only: a valid Shared Key or SAS gets Azure's 403, whatever the SAS grants.
      if (operation.name === 'GetUserDelegationKey' && (auth.ok ? auth.principal.kind !== 'bearer' : !isAuthenticationFailure(auth))) throw bearerOnly();
      // No credentials at all: a public container still serves its anonymous reads (container-acl.ts).
      const noCredentials = !auth.ok && auth.code === 'NoAuthenticationInformation';
      if (noCredentials && !publicAccessAllowed) throw publicAccessNotPermitted();
      const publicRead = noCredentials && target.fs !== undefined && anonymousAllowed(publicAccessOf(hns, target.account, target.fs), operation.name);
      if (!auth.ok && !publicRead) throw authError(auth);
      if (target.secondary && req.method !== 'GET' && req.method !== 'HEAD') throw new WireError(403, 'InsufficientAccountPermissions', 'Write operations are not allowed on the secondary endpoint; send writes to the primary account.');
      const principal: Principal = auth.ok ? auth.principal : { kind: 'anonymous', oid: SUPERUSER_OID, superuser: true, groups: [] };
      if (header(req, 'x-ms-encryption-key') !== undefined || header(req, 'x-ms-encryption-scope') !== undefined || header(req, 'x-ms-encryption-context') !== undefined) {
        throw new WireError(501, 'NotImplemented', 'Customer-provided keys, encryption scopes and encryption contexts are not supported by the lakeshift Gen2 emulator; send the request without x-ms-encryption-* headers.');
      }
      // Spelled out rather than `{ ...ex, … }`: V8 copies that spread on a slow path (most of this function's own time).
      const call: Call = {
        req, res, api: ex.api, requestId: ex.requestId, version: ex.version, query, extraHeaders: ex.extraHeaders,
        ns, account: target.account, fs: target.fs, path: target.path, principal, baseUrl, limits, now: Date.now(), secondary: target.secondary,
      };
      // Most handlers finish synchronously; only wait (a microtask turn) for those that return a promise.
      const pending = operation.run(call);
      if (pending !== undefined) await pending;
    } catch (e) {
      if (e instanceof WireError) sendError(ex, e);
      else {
        const message = e instanceof Error ? e.message : String(e);
        sendError(ex, new WireError(500, 'InternalError', `The server encountered an internal error: ${message}`));
      }
    }
  };

  ns.dispatch = handle;
  const running = await listen((req, res) => void handle(req, res), {
    port: options.port ?? 0,
    ...(options.host === undefined ? {} : { host: options.host }),
    ...(options.certPath === undefined ? {} : { certPath: options.certPath }),
    ...(options.keyPath === undefined ? {} : { keyPath: options.keyPath }),
  });
  baseUrl = running.url;
  return {
    url: running.url,
    port: running.port,
    faultsInjected: () => ({ ...(faults?.injected ?? NO_FAULTS) }),
    accounts: [...accounts.keys()],
    requestCounts: () => Object.fromEntries(counts),
    resetRequestCounts: () => counts.clear(),
    async close() {
      await running.close();
      db.close();
    },
  };
}
