import { StorageError, cancelledError, isStorageError } from '../core/errors.js';

export interface RetryPolicy {
  /** Total attempts including the first (default 5). */
  maxAttempts: number;
  /** First backoff ceiling in ms (default 200). */
  baseDelayMs: number;
  /** Largest backoff ceiling in ms (default 30,000). */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 200, maxDelayMs: 30_000 };

/** True for errors worth another attempt: retryable StorageErrors and raw network failures. */
export function isRetryable(error: unknown): boolean {
  if (isStorageError(error)) return error.retryable;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && ['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED'].includes(code);
}

/**
 * Delay before retry number `attempt` (1-based): exponential backoff with full jitter
 * (uniform in [0, min(max, base * 2^(attempt-1))]), but never less than a server's Retry-After.
 */
export function backoffDelay(attempt: number, policy: RetryPolicy, error: unknown, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  const jitter = Math.floor(random() * ceiling);
  const after = isStorageError(error) ? error.retryAfterMs : undefined;
  return after !== undefined ? Math.max(after, jitter) : jitter;
}

import { sleep } from '../core/sleep.js';

export { sleep };

/**
 * Runs `fn` until it succeeds, a non-retryable error occurs or the attempts run out (then the last
 * error is thrown). `onRetry` sees each retried error and the delay chosen.
 */
export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  options: { policy?: RetryPolicy; signal?: AbortSignal | undefined; onRetry?: (error: unknown, attempt: number, delayMs: number) => void } = {},
): Promise<T> {
  const policy = options.policy ?? DEFAULT_RETRY;
  for (let attempt = 1; ; attempt++) {
    if (options.signal?.aborted) throw cancelledError(options.signal);
    try {
      return await fn(attempt);
    } catch (error) {
      if (isStorageError(error, 'cancelled') || options.signal?.aborted) throw error;
      if (attempt >= policy.maxAttempts || !isRetryable(error)) throw error;
      const delay = backoffDelay(attempt, policy, error);
      options.onRetry?.(error, attempt, delay);
      await sleep(delay, options.signal);
    }
  }
}

/** Describes an error for an item's last_error column and the summary (no secrets, no stack). */
export function describeError(error: unknown): string {
  if (error instanceof StorageError) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
