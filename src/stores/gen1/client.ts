import { randomUUID } from 'node:crypto';
import { Pool, type Dispatcher } from 'undici';
import { cancelledError, StorageError, throwIfCancelled } from '../../core/errors.js';
import type { Gen1Location } from '../../core/uri.js';
import type { TokenProvider } from './auth.js';
import { mapGen1Error, mapNetworkError } from './errors.js';
import type { ResolvedGen1Options } from './options.js';
import { sleep } from '../../core/sleep.js';
import { onAbortOf } from '../abort-link.js';

export type Gen1Method = 'GET' | 'PUT' | 'POST' | 'DELETE';
export type QueryValue = string | number | boolean | undefined;

export interface Gen1Request {
  op: string;
  method: Gen1Method;
  /** Store-relative path (already joined with the location's path). */
  path: string;
  query?: Record<string, QueryValue>;
  body?: Uint8Array;
  /** Use the `/WebHdfsExt` prefix (SETEXPIRY, CONCURRENTAPPEND). */
  ext?: boolean;
  signal?: AbortSignal | undefined;
}

export interface Gen1Response {
  json: unknown;
  /** 0 on the first try; callers of non-idempotent operations use it to interpret odd answers. */
  attempt: number;
}

export interface Gen1Stream {
  body: AsyncIterable<Uint8Array> & { destroy(error?: Error): unknown };
  contentLength: number | undefined;
}

/** LISTSTATUS continuationToken needs api-version 2018-09-01 or later. */
const API_VERSION = '2018-09-01';

/** Encodes a store path as URL path segments (every segment percent-encoded, '/' kept as separator). */
export function encodeGen1Path(path: string): string {
  return path === '' ? '' : path.split('/').map(encodeURIComponent).join('/');
}

function parseRetryAfter(value: string | string[] | undefined): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || text.trim() === '') return undefined;
  const seconds = Number(text);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/**
 * The Gen1 REST client: one keep-alive undici Pool per endpoint, bearer tokens, per-request
 * timeouts, and retries (exponential backoff with full jitter, Retry-After honoured) on 429, 5xx,
 * resets and timeouts. Every failure surfaces as a StorageError.
 */
export class Gen1Client {
  private readonly pool: Pool;
  private closed = false;

  constructor(
    readonly location: Gen1Location,
    private readonly options: ResolvedGen1Options,
    private readonly getToken: TokenProvider,
  ) {
    this.pool = new Pool(location.endpoint, {
      connections: options.concurrency,
      keepAliveTimeout: 30_000,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    });
  }

  /** Delay before retry number `attempt` (0-based): full jitter, or the server's Retry-After. */
  backoffMs(attempt: number, retryAfterMs: number | undefined): number {
    const cap = this.options.retryMaxDelayMs;
    const ceiling = Math.min(cap, this.options.retryBaseMs * 2 ** attempt);
    const jitter = Math.random() * ceiling;
    return retryAfterMs === undefined ? jitter : Math.min(cap, Math.max(retryAfterMs, jitter));
  }

  private url(req: Gen1Request): string {
    const prefix = req.ext === true ? '/WebHdfsExt/' : '/webhdfs/v1/';
    const params = [`op=${req.op}`, `api-version=${API_VERSION}`];
    for (const [key, value] of Object.entries(req.query ?? {})) {
      if (value !== undefined) params.push(`${key}=${encodeURIComponent(String(value))}`);
    }
    return `${prefix}${encodeGen1Path(req.path)}?${params.join('&')}`;
  }

  private async send(req: Gen1Request): Promise<Dispatcher.ResponseData> {
    if (this.closed) throw new StorageError('cancelled', 'The Gen1 store is closed.', { path: req.path });
    const token = await this.getToken(req.signal);
    const headers: Record<string, string> = {
      authorization: `Bearer ${token}`,
      'x-ms-client-request-id': randomUUID(),
      'user-agent': 'lakeshift/0.1',
    };
    if (req.body !== undefined) headers['content-type'] = 'application/octet-stream';
    const body = req.body ?? (req.method === 'PUT' || req.method === 'POST' ? new Uint8Array(0) : undefined);
    return this.pool.request({
      origin: this.location.endpoint,
      path: this.url(req),
      method: req.method,
      headers,
      ...(body === undefined ? {} : { body }),
      ...(req.signal === undefined ? {} : { signal: req.signal }),
    });
  }

  /**
   * Runs `attemptOnce` with the retry policy. Each attempt gets a signal that fires on the caller's
   * cancellation or when `timeoutMs` passes before the attempt calls `done()` (so a streaming body
   * is not cut off once the answer started). Retryable StorageErrors are retried up to maxRetries.
   */
  private async withRetries<T>(req: Gen1Request, attemptOnce: (attempt: number, signal: AbortSignal, done: () => void, keepLinked: () => () => void) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      throwIfCancelled(req.signal, req.path);
      const timer = new AbortController();
      const timeout = setTimeout(() => timer.abort(), this.options.timeoutMs);
      // The caller's signal (one for a whole migration, or for every run of --every) aborts this
      // attempt through one shared listener: AbortSignal.any() would leave a WeakRef per request in
      // that long-lived signal's dependants on Node 20 (the bench/soak heap grew ~400 of them a run).
      const unlink = onAbortOf(req.signal, () => timer.abort(req.signal?.reason));
      // A streaming answer keeps the link until its body closes (keepLinked hands the unlink over).
      let linked = true;
      const keepLinked = (): (() => void) => {
        linked = false;
        return unlink;
      };
      const done = (): void => clearTimeout(timeout);
      const signal = timer.signal;
      let failure: StorageError;
      try {
        return await attemptOnce(attempt, signal, done, keepLinked);
      } catch (error) {
        if (req.signal?.aborted) throw cancelledError(req.signal, req.path);
        failure = timer.signal.aborted
          ? new StorageError('transient', `Gen1 ${req.op} on '/${req.path}' got no answer from ${this.location.endpoint} within ${this.options.timeoutMs} ms.`, { path: req.path, status: 'timeout', cause: error })
          : mapNetworkError(error, { op: req.op, path: req.path, endpoint: this.location.endpoint });
      } finally {
        done();
        if (linked) unlink();
      }
      if (!failure.retryable || attempt >= this.options.maxRetries) throw failure;
      await sleep(this.backoffMs(attempt, failure.retryAfterMs), req.signal);
    }
  }

  private async failureOf(req: Gen1Request, res: Dispatcher.ResponseData): Promise<StorageError> {
    const text = await res.body.text().catch(() => '');
    const retryAfterMs = parseRetryAfter(res.headers['retry-after']);
    return mapGen1Error(res.statusCode, text, { op: req.op, path: req.path, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });
  }

  /** Sends one operation and returns its JSON body (undefined for empty bodies). Throws StorageError. */
  async call(req: Gen1Request): Promise<Gen1Response> {
    return this.withRetries(req, async (attempt, signal) => {
      const res = await this.send({ ...req, signal });
      if (res.statusCode >= 400) throw await this.failureOf(req, res);
      if (res.statusCode >= 300) {
        await res.body.dump();
        throw new StorageError('not-supported', `Gen1 ${req.op} answered with a redirect (${res.statusCode}); the endpoint is not an ADLS Gen1 service.`, { path: req.path, status: res.statusCode });
      }
      const text = await res.body.text();
      if (text.trim() === '') return { json: undefined, attempt };
      try {
        return { json: JSON.parse(text) as unknown, attempt };
      } catch (error) {
        throw new StorageError('transient', `Gen1 ${req.op} on '/${req.path}' returned a body that is not JSON.`, { path: req.path, status: res.statusCode, cause: error });
      }
    });
  }

  /** Opens a streaming read (OPEN). Retries until the headers arrive; the caller handles body failures. */
  async open(req: Gen1Request): Promise<Gen1Stream> {
    return this.withRetries(req, async (_attempt, signal, done, keepLinked) => {
      const res = await this.send({ ...req, signal });
      if (res.statusCode >= 400) throw await this.failureOf(req, res);
      done();
      res.body.once('close', keepLinked());
      const header = res.headers['content-length'];
      const length = typeof header === 'string' ? Number(header) : undefined;
      return { body: res.body, contentLength: length !== undefined && Number.isFinite(length) ? length : undefined };
    });
  }

  /** Closes the connection pool. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.close();
  }
}
