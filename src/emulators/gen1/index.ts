/**
 * ADLS Gen1 emulator: the WebHDFS + ADL REST API under `/webhdfs/v1/{path}` and `/WebHdfsExt/{path}`.
 * Server → auth → faults → operation table on `op` → handler → metadata (SQLite) + blobs (disk or memory).
 *
 * Identity: every request needs `Authorization: Bearer <JWT>` with audience https://datalake.azure.net/
 * (kit/jwt.ts rules: not expired, has `oid`). The caller is the `oid`; an optional `groups` claim
 * (array of object ids) gives the caller's group memberships for POSIX checks. Superusers (the options'
 * list plus GEN1_EMULATOR_ADMIN_OID) bypass permission checks. Prints nothing.
 */
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { applyConnectionFault, createFaultInjector, type FaultInjector, type FaultOptions } from '../kit/faults.js';
import { checkBearer, GEN1_AUDIENCE } from '../kit/jwt.js';
import { listen } from '../kit/server.js';
import type { Caller } from './acl.js';
import { createDiskBlobStore, createMemoryBlobStore } from './blobs.js';
import { badRequest, Gen1Error } from './errors.js';
import { MetadataStore } from './metadata.js';
import { KeyedLock, type Gen1State, type OpContext } from './namespace.js';
import { findOperation } from './operations.js';
import { boolParam, displayPath, parseTarget } from './request.js';
import { sendEmpty, sendError, setCommonHeaders } from './response.js';

export interface Gen1EmulatorOptions {
  /** Port to listen on; 0 = a free port. */
  port?: number;
  /** Address to bind; default 127.0.0.1. */
  host?: string;
  /** Data directory (metadata database + blobs/); required unless inMemory. */
  location?: string;
  /** Keep everything in memory (nothing survives close). */
  inMemory?: boolean;
  /** Account name shown in the ready line; default 'lakeshift'. The account in the Host header is ignored. */
  account?: string;
  /** PEM certificate and key for HTTPS. */
  certPath?: string;
  keyPath?: string;
  /** Object ids treated as superusers (in addition to GEN1_EMULATOR_ADMIN_OID). */
  superusers?: string[];
  faults?: FaultOptions;
  /** Maximum body per CREATE/APPEND/CONCURRENTAPPEND; default 4 MiB. */
  maxAppendBytes?: number;
}

export interface Gen1Emulator {
  /** Base URL, e.g. http://127.0.0.1:43111 (requests go to `${url}/webhdfs/v1/...`). */
  url: string;
  port: number;
  /** Faults injected so far, by kind (all zero without --faults). */
  faultsInjected(): Readonly<FaultInjector['injected']>;
  account: string;
  /** Requests answered so far, by `op` (e.g. OPEN, LISTSTATUS), for request-count tests. */
  requestCounts(): Record<string, number>;
  /** Starts the request counts from zero. */
  resetRequestCounts(): void;
  /** Stops listening and closes the database. Idempotent. */
  close(): Promise<void>;
}

/** Always a superuser; owner and group of '/'. */
export const GEN1_EMULATOR_ADMIN_OID = '0a000000-0000-4000-8000-000000000001';

const DEFAULT_MAX_APPEND = 4 * 1024 * 1024;

/** One constant list, so kit/jwt normalizes it once. */
const GEN1_AUDIENCES: readonly string[] = [GEN1_AUDIENCE];

function callerFromClaims(oid: string, claims: Record<string, unknown>, superusers: ReadonlySet<string>): Caller {
  const raw = claims['groups'];
  const groups = new Set<string>(Array.isArray(raw) ? raw.filter((g): g is string => typeof g === 'string') : []);
  return { oid, groups, isSuperuser: superusers.has(oid) };
}

/** The generic WebHDFS redirect: CREATE/APPEND/OPEN without the ADL skip flag get 307 to the same URL plus the flag. */
const REDIRECT_FLAGS: Record<string, string> = { CREATE: 'write', APPEND: 'append', OPEN: 'read' };

/**
 * Starts a Gen1 emulator. Resolves once it listens. Throws when neither `location` nor `inMemory` is given,
 * or when the port is taken.
 */
export async function startGen1Emulator(options: Gen1EmulatorOptions): Promise<Gen1Emulator> {
  const inMemory = options.inMemory === true;
  if (!inMemory && (options.location === undefined || options.location === '')) {
    throw new Error('The Gen1 emulator needs a data directory (location) or inMemory: true.');
  }
  const location = inMemory ? undefined : options.location;
  if (location !== undefined) await mkdir(location, { recursive: true });
  const meta = new MetadataStore(location, { owner: GEN1_EMULATOR_ADMIN_OID, group: GEN1_EMULATOR_ADMIN_OID, now: Date.now() });
  const blobs = location === undefined ? createMemoryBlobStore() : await createDiskBlobStore(location);
  const state: Gen1State = {
    meta,
    blobs,
    maxAppendBytes: options.maxAppendBytes ?? DEFAULT_MAX_APPEND,
    locks: new KeyedLock(),
    now: () => Date.now(),
  };
  const superusers = new Set<string>([...(options.superusers ?? []), GEN1_EMULATOR_ADMIN_OID]);
  const faults = createFaultInjector(options.faults ?? {});
  const account = options.account ?? 'lakeshift';
  // kit/jwt hands back the same claims object for the same token, so each token's caller is built once.
  const callers = new WeakMap<object, Caller>();
  const callerFor = (oid: string, claims: Record<string, unknown>): Caller => {
    let caller = callers.get(claims);
    if (caller === undefined) {
      caller = callerFromClaims(oid, claims, superusers);
      callers.set(claims, caller);
    }
    return caller;
  };

  const counts = new Map<string, number>();
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const requestId = randomUUID();
    setCommonHeaders(res, requestId);
    try {
      const target = parseTarget(req.url ?? '/');
      if (!target) {
        throw new Gen1Error('UnsupportedOperationException', `Unknown endpoint ${(req.url ?? '').split('?')[0] ?? ''}: use /webhdfs/v1/{path} or /WebHdfsExt/{path}.`, { status: 404 });
      }
      const opName = (target.query.get('op') ?? '').toUpperCase();
      counts.set(opName, (counts.get(opName) ?? 0) + 1);
      const decision = faults.decide(opName);
      if (decision.delayMs > 0) await new Promise((r) => setTimeout(r, decision.delayMs));
      if (applyConnectionFault(decision, req, res)) return;
      if (decision.action === 'status') {
        req.resume();
        const exception = decision.status === 429 ? 'ThrottledException' : 'RuntimeException';
        const what = decision.status === 500 ? 'Internal error (injected fault)' : 'The service is busy (injected fault); retry after the Retry-After delay';
        sendError(res, new Gen1Error(exception, `${opName || 'request'} failed: ${what}.`, { status: decision.status }), requestId, decision.retryAfterSeconds === null ? {} : {
          'Retry-After': String(decision.retryAfterSeconds),
        });
        return;
      }
      const auth = checkBearer(req.headers.authorization, GEN1_AUDIENCES);
      if (!auth.ok) throw new Gen1Error('SecurityException', `Authentication failed: ${auth.reason} Send 'Authorization: Bearer <token>' for https://datalake.azure.net/.`);
      if (opName === '') throw badRequest('The op parameter is missing; add ?op=GETFILESTATUS (or another Gen1 operation).');
      const op = findOperation(opName);
      if (!op) throw badRequest(`Invalid value for webhdfs parameter "op": No enum constant ${opName}. It is not a Gen1 operation.`);
      if (req.method !== op.method) throw badRequest(`Operation ${opName} needs HTTP ${op.method}, not ${req.method ?? ''}.`);
      const flag = REDIRECT_FLAGS[opName];
      if (flag !== undefined && !boolParam(target.query, flag, false)) {
        req.resume();
        const proto = (req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
        const url = req.url ?? '/';
        sendEmpty(res, 307, { Location: `${proto}://${req.headers.host ?? 'localhost'}${url}${url.includes('?') ? '&' : '?'}${flag}=true` });
        return;
      }
      const ctx: OpContext = {
        state, req, res, target, path: displayPath(target.segments), op: opName,
        caller: callerFor(auth.oid, auth.claims), requestId, apiVersion: target.query.get('api-version') ?? '',
      };
      await op.handler(ctx);
    } catch (error) {
      req.resume();
      if (error instanceof Gen1Error) sendError(res, error, requestId);
      else sendError(res, new Gen1Error('RuntimeException', `Internal emulator error: ${error instanceof Error ? error.message : String(error)}`), requestId);
    }
  };

  let running;
  try {
    running = await listen((req, res) => void handle(req, res), {
      port: options.port ?? 0,
      ...(options.host === undefined ? {} : { host: options.host }),
      ...(options.certPath === undefined ? {} : { certPath: options.certPath }),
      ...(options.keyPath === undefined ? {} : { keyPath: options.keyPath }),
    });
  } catch (error) {
    meta.close();
    throw error;
  }
  let closed: Promise<void> | undefined;
  const server = running;
  return {
    url: server.url,
    port: server.port,
    faultsInjected: () => ({ ...faults.injected }),
    account,
    requestCounts: () => Object.fromEntries(counts),
    resetRequestCounts: () => counts.clear(),
    close: () => {
      closed ??= (async () => {
        await server.close();
        await blobs.close();
        meta.close();
      })();
      return closed;
    },
  };
}

export { MetadataStore } from './metadata.js';
