import {
  AnonymousCredential,
  DataLakeFileSystemClient,
  StorageSharedKeyCredential,
  newPipeline,
  type DataLakeDirectoryClient,
  type DataLakeFileClient,
} from '@azure/storage-file-datalake';
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/identity';
import { StorageError, cancelledError, throwIfCancelled, type Gen2Location } from '../../core/index.js';
import { selectCredential, type CredentialChoice } from './credentials.js';
import { mapGen2Error } from './errors.js';
import type { Gen2StoreOptions, ResolvedGen2Options } from './options.js';
import { sleep } from '../../core/sleep.js';
import { LeanGen2 } from './lean.js';
import { onAbortOf } from '../abort-link.js';

/**
 * The SDK clients of one store plus the request runner every operation goes through.
 *
 * Retries live here, not in the SDK: the SDK's storage retry policy (storage-common
 * StorageRetryPolicyV2) ignores Retry-After, never retries 429, and rethrows errors that are not
 * RestErrors (a connection reset while a body is read), so the SDK pipeline is built with
 * maxTries 1 and `run` retries with exponential backoff and full jitter, honouring Retry-After,
 * per attempt with a client-side timeout. A 2xx answer without x-ms-request-id (every Azure
 * Storage answer has one) is treated as a broken connection and retried.
 */

export interface AttemptContext {
  /** Aborts on the caller's signal or on this attempt's timeout. */
  signal: AbortSignal;
  /** 0 for the first attempt. */
  attempt: number;
}

export interface RunOptions {
  /** Overrides the per-attempt timeout (e.g. longer for large appends). */
  timeoutMs?: number;
  /** Overrides the retry count (e.g. 1 for a fail-fast connectivity check). */
  maxRetries?: number;
  /** Skip the concurrency limit (streaming reads hold no slot while the caller consumes). */
  unlimited?: boolean;
}

class Semaphore {
  private active = 0;
  private readonly waiters: (() => void)[] = [];
  constructor(private readonly limit: number) {}
  async acquire(): Promise<void> {
    if (this.active < this.limit) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve) => this.waiters.push(resolve));
  }
  release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.active--;
  }
}

/** Entries kept per client cache (least recently used ones are dropped). */
export const CLIENT_CACHE_SIZE = 1000;

/** Looks a client up in an LRU map (Map keeps insertion order: a hit moves to the end). */
function cachedClient<T>(cache: Map<string, T>, key: string, build: () => T): T {
  const hit = cache.get(key);
  if (hit !== undefined) {
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const made = build();
  cache.set(key, made);
  if (cache.size > CLIENT_CACHE_SIZE) {
    const oldest = cache.keys().next();
    if (oldest.done !== true) cache.delete(oldest.value);
  }
  return made;
}

/** Reads x-ms-request-id from an SDK response, or undefined when the value has no raw response. */
function requestIdOf(value: unknown): string | undefined | null {
  if (typeof value !== 'object' || value === null || !('_response' in value)) return null;
  const raw = (value as { _response?: { headers?: { get?: (n: string) => string | undefined } } })._response;
  const get = raw?.headers?.get;
  if (typeof get !== 'function') return null;
  return get.call(raw?.headers, 'x-ms-request-id');
}

/**
 * DefaultAzureCredential, loaded on the first token request: @azure/identity (with MSAL) is a large
 * import that key, SAS and emulator runs never need.
 */
function lazyDefaultCredential(): TokenCredential {
  let made: Promise<TokenCredential> | undefined;
  return {
    async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
      made ??= import('@azure/identity').then((m) => new m.DefaultAzureCredential());
      return (await made).getToken(scopes, options);
    },
  };
}

export class Gen2Client {
  readonly fs: DataLakeFileSystemClient;
  readonly credential: CredentialChoice;
  /** The writer's lean request path (undefined for token credentials: they keep the SDK). */
  readonly lean: LeanGen2 | undefined;
  private readonly slots: Semaphore;

  constructor(
    readonly location: Gen2Location,
    options: Gen2StoreOptions,
    readonly settings: ResolvedGen2Options,
  ) {
    this.credential = selectCredential(location, options, options.env ?? process.env);
    this.slots = new Semaphore(settings.concurrency);
    const pipelineOptions = { retryOptions: { maxTries: 1 }, userAgentOptions: { userAgentPrefix: 'lakeshift' } };
    let url = `${location.dfsEndpoint}/${encodeURIComponent(location.filesystem)}`;
    let pipeline;
    switch (this.credential.kind) {
      case 'shared-key':
        pipeline = newPipeline(new StorageSharedKeyCredential(this.credential.account, this.credential.key), pipelineOptions);
        break;
      case 'sas':
        url = `${url}?${this.credential.sas}`;
        pipeline = newPipeline(new AnonymousCredential(), pipelineOptions);
        break;
      case 'token':
        pipeline = newPipeline(this.credential.credential, pipelineOptions);
        break;
      case 'default-azure':
        pipeline = newPipeline(lazyDefaultCredential(), pipelineOptions);
        break;
      case 'anonymous':
        pipeline = newPipeline(new AnonymousCredential(), pipelineOptions);
        break;
    }
    this.fs = new DataLakeFileSystemClient(url, pipeline);
    this.lean = settings.leanWrites ? LeanGen2.for(location, location.filesystem, this.credential, settings.concurrency) : undefined;
  }

  /**
   * Client for a path relative to the filesystem ('' = the filesystem root directory). Clients are
   * stateless per path, so the last CLIENT_CACHE_SIZE of each kind are kept (building one parses and
   * re-encodes the URL: a measurable share of the CPU per small file).
   */
  fileClient(fsPath: string): DataLakeFileClient {
    return cachedClient(this.fileClients, fsPath, () => this.fs.getFileClient(fsPath));
  }

  dirClient(fsPath: string): DataLakeDirectoryClient {
    return cachedClient(this.dirClients, fsPath, () => this.fs.getDirectoryClient(fsPath));
  }

  private readonly fileClients = new Map<string, DataLakeFileClient>();
  private readonly dirClients = new Map<string, DataLakeDirectoryClient>();

  /**
   * Runs one service call with retries. `fn` gets a signal that aborts on the caller's signal or the
   * attempt timeout, and the attempt number (so non-idempotent calls can recognise a retry).
   * Throws the mapped StorageError of the last attempt, or `cancelled`.
   */
  async run<T>(operation: string, path: string | undefined, signal: AbortSignal | undefined, fn: (ctx: AttemptContext) => Promise<T>, options: RunOptions = {}): Promise<T> {
    const maxRetries = options.maxRetries ?? this.settings.maxRetries;
    const timeoutMs = options.timeoutMs ?? this.settings.timeoutMs;
    for (let attempt = 0; ; attempt++) {
      throwIfCancelled(signal, path);
      let failure: StorageError;
      if (!options.unlimited) await this.slots.acquire();
      const controller = new AbortController();
      let timedOut = false;
      const unlink = onAbortOf(signal, () => controller.abort(signal?.reason));
      const timer = setTimeout(() => {
        timedOut = true;
        controller.abort(new Error('attempt timed out'));
      }, timeoutMs);
      try {
        throwIfCancelled(signal, path);
        const result = await fn({ signal: controller.signal, attempt });
        if (requestIdOf(result) === undefined) {
          throw new StorageError('transient', `Gen2 ${operation}${path === undefined ? '' : ` '${path}'`} got an answer without x-ms-request-id (broken connection or proxy).`, { ...(path === undefined ? {} : { path }) });
        }
        return result;
      } catch (err) {
        if (signal?.aborted) throw cancelledError(signal, path);
        failure = timedOut
          ? new StorageError('transient', `Gen2 ${operation}${path === undefined ? '' : ` '${path}'`} timed out after ${timeoutMs} ms.`, { ...(path === undefined ? {} : { path }) })
          : mapGen2Error(err, operation, path);
      } finally {
        if (!options.unlimited) this.slots.release();
        clearTimeout(timer);
        unlink();
      }
      if (!failure.retryable || attempt >= maxRetries) throw failure;
      await sleep(this.backoffMs(attempt, failure.retryAfterMs), signal);
    }
  }

  /** Full-jitter exponential backoff; a server's Retry-After wins (capped by maxRetryDelayMs). */
  backoffMs(attempt: number, retryAfterMs: number | undefined): number {
    const { retryDelayMs, maxRetryDelayMs } = this.settings;
    if (retryAfterMs !== undefined) return Math.min(retryAfterMs, maxRetryDelayMs);
    return Math.random() * Math.min(maxRetryDelayMs, retryDelayMs * 2 ** attempt);
  }
}
