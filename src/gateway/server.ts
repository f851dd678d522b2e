import { Readable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { isStorageError } from '../core/errors.js';
import type { Store } from '../core/store.js';
import { authenticate, type Caller } from './auth.js';
import { KeyedLock, type GatewayState, type Gen1Reply, type OpContext } from './context.js';
import { badRequest, Gen1Failure, toGen1Failure, unsupported } from './gen1-errors.js';
import { gen1Headers, sendFailure, startFront, type FrontHandler, type FrontOptions, type RunningFront } from './http-front.js';
import { PathMapper, type GatewayRule } from './mapping.js';
import { findOperation, REFUSED } from './operations.js';
import { boolParam, displayPath, parseGen1Url } from './request.js';

/**
 * `gateway serve`: the Gen1 REST API (WebHDFS + ADLS extensions) answered from stores, normally one
 * Gen2 filesystem per --map rule. Request -> authenticate -> operation table on `op` -> handler over the
 * store contract -> Gen1 JSON or bytes. Prints nothing; logs (pino) never carry tokens or keys.
 */

export interface GatewayServeOptions extends FrontOptions {
  rules: GatewayRule[];
  /** Object IDs allowed to SETOWNER (and bypass CHECKACCESS evaluation); empty = every caller. */
  superusers?: string[];
  /** Largest CREATE/APPEND body; default 4 MiB as on Gen1. */
  maxAppendBytes?: number;
  logger?: Logger;
  /**
   * Opens the store a storage-audience caller acts on with its own token (the rule's store with that
   * bearer credential). Without it such tokens are refused with 401.
   */
  passThrough?: (store: Store, token: string) => Store;
}

export interface GatewayServer extends RunningFront {
  /** Stops listening; closes pass-through stores (the rules' stores belong to the caller). */
  close(): Promise<void>;
}

const PASS_THROUGH_CACHE = 64;

export async function startGatewayServer(options: GatewayServeOptions): Promise<GatewayServer> {
  const logger = options.logger ?? pino({ level: 'silent' });
  const passThroughStores = new Map<string, Store>();
  const storeFor = (caller: Caller, store: Store): Store => {
    if (caller.audience !== 'storage' || caller.token === undefined) return store;
    const make = options.passThrough;
    if (make === undefined) throw new Gen1Failure('SecurityException', 'Authentication failed: this gateway does not pass storage tokens through; use a token for https://datalake.azure.net/.');
    // Keyed by store and token; the key never leaves this map (no logging of tokens).
    const key = `${store.displayUri}\n${caller.token}`;
    let s = passThroughStores.get(key);
    if (s === undefined) {
      if (passThroughStores.size >= PASS_THROUGH_CACHE) {
        for (const old of passThroughStores.values()) void old.close();
        passThroughStores.clear();
      }
      s = make(store, caller.token);
      passThroughStores.set(key, s);
    }
    return s;
  };
  const state: GatewayState = {
    mapper: new PathMapper(options.rules),
    storeFor,
    locks: new KeyedLock(),
    maxAppendBytes: options.maxAppendBytes ?? 4 * 1024 * 1024,
    superusers: new Set(options.superusers ?? []),
    logger,
    now: () => Date.now(),
  };
  const handle = createGen1Handler(state);
  const front = await startFront(options, handle);
  return {
    ...front,
    close: async () => {
      await front.close();
      for (const s of passThroughStores.values()) await s.close().catch(() => undefined);
      passThroughStores.clear();
    },
  };
}

function writeReply(reply: Parameters<FrontHandler>[1], result: Gen1Reply, requestId: string): void {
  reply.code(result.status).headers({ ...gen1Headers(requestId), ...(result.headers ?? {}) });
  if (result.json !== undefined) reply.header('Content-Type', 'application/json; charset=utf-8').send(result.json);
  else if (result.stream !== undefined) reply.send(result.stream instanceof Readable ? result.stream : Readable.from(result.stream));
  else reply.header('Content-Length', '0').send();
}

/** The request handler of `gateway serve` (exported for the mirror's and the tests' reuse). */
export function createGen1Handler(state: GatewayState): FrontHandler {
  return async (req, reply, requestId) => {
    const raw = req.raw;
    let op = '';
    let gen1Path = '';
    try {
      const url = raw.url ?? '/';
      const target = parseGen1Url(url);
      if (target === undefined) throw new Gen1Failure('UnsupportedOperationException', `Unknown endpoint ${url.split('?')[0] ?? ''}: use /webhdfs/v1/{path} or /WebHdfsExt/{path}.`, 404);
      gen1Path = displayPath(target.segments);
      op = (target.query.get('op') ?? '').toUpperCase();
      const caller = authenticate(raw.headers.authorization);
      if (op === '') throw badRequest('The op parameter is missing; add ?op=GETFILESTATUS (or another Gen1 operation).');
      const refused = REFUSED[op];
      if (refused !== undefined) throw unsupported(`${op} is not supported by the gateway: ${refused}`);
      const operation = findOperation(op);
      if (operation === undefined) throw badRequest(`Invalid value for webhdfs parameter "op": No enum constant ${op}. It is not a Gen1 operation.`);
      if (raw.method !== operation.method) throw badRequest(`Operation ${op} needs HTTP ${operation.method}, not ${raw.method ?? ''}.`);
      if (operation.redirectFlag !== undefined && !boolParam(target.query, operation.redirectFlag, false)) {
        raw.resume();
        const proto = (raw.socket as { encrypted?: boolean }).encrypted === true ? 'https' : 'http';
        const location = `${proto}://${raw.headers.host ?? '127.0.0.1'}${url}${url.includes('?') ? '&' : '?'}${operation.redirectFlag}=true`;
        reply.code(307).headers({ ...gen1Headers(requestId), Location: location, 'Content-Length': '0' }).send();
        return;
      }
      const proto = (raw.socket as { encrypted?: boolean }).encrypted === true ? 'https' : 'http';
      const ctx: OpContext = {
        state, op, target, gen1Path, resolved: state.mapper.resolve(target.segments), caller, body: raw,
        requestUrl: `${proto}://${raw.headers.host ?? '127.0.0.1'}${url}`,
      };
      const result = await operation.handler(ctx);
      raw.resume();
      writeReply(reply, result, requestId);
    } catch (error) {
      raw.resume();
      const failure = toGen1Failure(error, op === '' ? 'request' : op, gen1Path, requestId);
      if (!(error instanceof Gen1Failure) && !isStorageError(error)) {
        state.logger.error({ requestId, op, path: gen1Path, error: error instanceof Error ? error.message : String(error) }, 'gateway.internal_error');
      } else if (failure.status >= 500) {
        state.logger.warn({ requestId, op, path: gen1Path, error: failure.message }, 'gateway.store_unavailable');
      }
      sendFailure(reply, failure, requestId);
    }
  };
}
