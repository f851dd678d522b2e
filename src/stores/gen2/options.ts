import type { TokenCredential } from '@azure/identity';
import { StorageError } from '../../core/index.js';

/**
 * Options of the Gen2 store. Secrets given here (accountKey, sas, connectionString) are never printed:
 * not in displayUri, errors or logs.
 */
export interface Gen2StoreOptions {
  /** Shared Key (base64) of the location's account. Falls back to AZURE_STORAGE_KEY. */
  accountKey?: string;
  /** SAS query string (with or without '?'). Falls back to the URI's SAS, then AZURE_STORAGE_SAS_TOKEN. */
  sas?: string;
  /** Storage connection string (AccountKey or SharedAccessSignature). Falls back to AZURE_STORAGE_CONNECTION_STRING. */
  connectionString?: string;
  /** Any @azure/identity credential; DefaultAzureCredential is used for real accounts when nothing else is given. */
  credential?: TokenCredential;
  /** Most requests in flight at once (excluding streaming bodies), and the lean path's connections. Default 256. */
  concurrency?: number;
  /** Chunk size hint for writers, bytes. Default 8 MiB. */
  chunkSize?: number;
  /** Create the filesystem on first write if it is missing. Default true. */
  createFilesystem?: boolean;
  /** Per-attempt time limit for one request until its response arrives (and idle time between body chunks), ms. Default 120 000. */
  timeoutMs?: number;
  /** Retries after the first attempt for throttling, 5xx, resets and timeouts. Default 5. */
  maxRetries?: number;
  /** Base delay of the exponential backoff (full jitter), ms. Default 500. */
  retryDelayMs?: number;
  /** Upper bound of one backoff delay (also caps Retry-After), ms. Default 30 000. */
  maxRetryDelayMs?: number;
  /**
   * Send the writer's create/append/flush/rename through the lean request path (src/stores/gen2/lean.ts)
   * instead of the SDK client, for Shared Key, SAS and anonymous access. Default true.
   */
  leanWrites?: boolean;
  /**
   * Which API writes files on the lean path: 'blob' (default; Put Blob, or Put Block + Put Block List,
   * no temporary name) or 'dfs' (create + append + flush + rename). Token credentials always use DFS.
   */
  writeApi?: 'blob' | 'dfs';
  /** Environment to read AZURE_STORAGE_* variables from. Default process.env (tests inject their own). */
  env?: Readonly<Record<string, string | undefined>>;
}

export interface ResolvedGen2Options {
  concurrency: number;
  chunkSize: number;
  createFilesystem: boolean;
  timeoutMs: number;
  maxRetries: number;
  retryDelayMs: number;
  maxRetryDelayMs: number;
  leanWrites: boolean;
  writeApi: 'blob' | 'dfs';
}

export const DEFAULT_CHUNK_SIZE = 8 * 1024 * 1024;

function positiveInt(value: number | undefined, fallback: number, name: string, allowZero = false): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < (allowZero ? 0 : 1)) {
    throw new StorageError('invalid-argument', `Gen2 store option ${name} must be a ${allowZero ? 'non-negative' : 'positive'} whole number, got ${String(value)}.`);
  }
  return value;
}

/** Fills in defaults and checks ranges. Throws invalid-argument naming the bad option. */
export function resolveGen2Options(options: Gen2StoreOptions): ResolvedGen2Options {
  return {
    concurrency: positiveInt(options.concurrency, 256, 'concurrency'),
    chunkSize: positiveInt(options.chunkSize, DEFAULT_CHUNK_SIZE, 'chunkSize'),
    createFilesystem: options.createFilesystem ?? true,
    timeoutMs: positiveInt(options.timeoutMs, 120_000, 'timeoutMs'),
    maxRetries: positiveInt(options.maxRetries, 5, 'maxRetries', true),
    retryDelayMs: positiveInt(options.retryDelayMs, 500, 'retryDelayMs', true),
    maxRetryDelayMs: positiveInt(options.maxRetryDelayMs, 30_000, 'maxRetryDelayMs', true),
    leanWrites: options.leanWrites ?? true,
    writeApi: writeApiOf(options.writeApi),
  };
}

function writeApiOf(value: string | undefined): 'blob' | 'dfs' {
  if (value === undefined || value === 'blob' || value === 'dfs') return value ?? 'blob';
  throw new StorageError('invalid-argument', `Gen2 store option writeApi must be 'blob' or 'dfs', got '${value}'.`);
}
