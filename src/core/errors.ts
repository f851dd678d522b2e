/**
 * The one error type every store, engine step and CLI command speaks.
 * Wire errors are mapped to a StorageError in each connector's `errors.ts`.
 */
export const STORAGE_ERROR_CODES = [
  'not-found',
  'already-exists',
  'not-empty',
  'permission-denied',
  'auth-failed',
  'throttled',
  'transient',
  'precondition-failed',
  'integrity-mismatch',
  'not-supported',
  'invalid-argument',
  'cancelled',
] as const;

export type StorageErrorCode = (typeof STORAGE_ERROR_CODES)[number];

/** Codes that are worth retrying by default. */
const RETRYABLE: ReadonlySet<StorageErrorCode> = new Set(['throttled', 'transient']);

export interface StorageErrorOptions {
  /** Store-relative path the error concerns, when there is one. */
  path?: string;
  /** HTTP status or OS errno name that caused it, for diagnostics. */
  status?: number | string;
  /** Server error code (e.g. `PathNotFound`, `FileNotFoundException`). */
  serverCode?: string;
  /** Overrides the default retry intent of the code. */
  retryable?: boolean;
  /** Server-requested delay before retrying, in milliseconds. */
  retryAfterMs?: number;
  cause?: unknown;
}

export class StorageError extends Error {
  readonly code: StorageErrorCode;
  readonly retryable: boolean;
  readonly path: string | undefined;
  readonly status: number | string | undefined;
  readonly serverCode: string | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(code: StorageErrorCode, message: string, options: StorageErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'StorageError';
    this.code = code;
    this.retryable = options.retryable ?? RETRYABLE.has(code);
    this.path = options.path;
    this.status = options.status;
    this.serverCode = options.serverCode;
    this.retryAfterMs = options.retryAfterMs;
  }
}

export function isStorageError(value: unknown, code?: StorageErrorCode): value is StorageError {
  return value instanceof StorageError && (code === undefined || value.code === code);
}

/** Turns an AbortSignal's reason into a `cancelled` StorageError (idempotent for StorageErrors). */
export function cancelledError(signal: AbortSignal | undefined, path?: string): StorageError {
  const reason: unknown = signal?.reason;
  if (reason instanceof StorageError) return reason;
  return new StorageError('cancelled', 'The operation was cancelled', {
    ...(path === undefined ? {} : { path }),
    cause: reason,
  });
}

/** Throws a `cancelled` StorageError when the signal is aborted. */
export function throwIfCancelled(signal: AbortSignal | undefined, path?: string): void {
  if (signal?.aborted) throw cancelledError(signal, path);
}
