import type { TokenCredential } from '@azure/identity';
import { StorageError } from '../../core/errors.js';

/** Options of the Gen1 store. Every field is optional; defaults are in `resolveGen1Options`. */
export interface Gen1StoreOptions {
  /** A bearer token to use as is (`--gen1-token`). Secret: never printed. */
  token?: string;
  /** Any @azure/identity credential; asked for the scope `https://datalake.azure.net//.default`. */
  credential?: TokenCredential;
  /** Per-request timeout for headers and between body bytes, ms (default 60000). */
  timeoutMs?: number;
  /** Retries after the first attempt for throttling, 5xx and dropped connections (default 6). */
  maxRetries?: number;
  /** Connections kept open to the endpoint (default 128: one per file the engine has in flight by default). */
  concurrency?: number;
  /** Entries per LISTSTATUS call (default 4000, the clients' value). */
  listPageSize?: number;
  /** Bytes per APPEND and per parallel read segment (default 4 MiB, Gen1's body limit). */
  chunkSize?: number;
  /** First backoff step in ms (default 250); full jitter up to `retryMaxDelayMs`. */
  retryBaseMs?: number;
  /** Longest single wait between retries, ms (default 30000), also the cap on Retry-After. */
  retryMaxDelayMs?: number;
}

export interface ResolvedGen1Options {
  token: string | undefined;
  credential: TokenCredential | undefined;
  timeoutMs: number;
  maxRetries: number;
  concurrency: number;
  listPageSize: number;
  chunkSize: number;
  retryBaseMs: number;
  retryMaxDelayMs: number;
}

/** Gen1 refuses CREATE/APPEND bodies above 4 MB. */
export const GEN1_MAX_APPEND_BYTES = 4 * 1024 * 1024;

function positiveInt(name: string, value: number | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new StorageError('invalid-argument', `Gen1 store option ${name} must be a whole number from ${min} to ${max}, got ${String(value)}.`);
  }
  return value;
}

/** Applies defaults and checks ranges. Throws invalid-argument naming the option. */
export function resolveGen1Options(options: Gen1StoreOptions): ResolvedGen1Options {
  if (options.token !== undefined && options.token.trim() === '') {
    throw new StorageError('invalid-argument', 'The Gen1 token is empty. Pass a bearer token with --gen1-token or leave it out to use Azure credentials.');
  }
  return {
    token: options.token?.trim().replace(/^Bearer\s+/i, ''),
    credential: options.credential,
    timeoutMs: positiveInt('timeoutMs', options.timeoutMs, 60_000, 100, 3_600_000),
    maxRetries: positiveInt('maxRetries', options.maxRetries, 6, 0, 100),
    concurrency: positiveInt('concurrency', options.concurrency, 128, 1, 1024),
    listPageSize: positiveInt('listPageSize', options.listPageSize, 4000, 1, 4000),
    chunkSize: positiveInt('chunkSize', options.chunkSize, GEN1_MAX_APPEND_BYTES, 1, GEN1_MAX_APPEND_BYTES),
    retryBaseMs: positiveInt('retryBaseMs', options.retryBaseMs, 250, 0, 60_000),
    retryMaxDelayMs: positiveInt('retryMaxDelayMs', options.retryMaxDelayMs, 30_000, 0, 600_000),
  };
}
