import { z } from 'zod';
import { StorageError, type StorageErrorCode } from '../../core/errors.js';

/** The Gen1 error body: `{"RemoteException":{"exception","message","javaClassName"}}`. */
const remoteExceptionSchema = z.object({
  RemoteException: z.object({
    exception: z.string(),
    message: z.string().optional(),
    javaClassName: z.string().optional(),
  }),
});

export interface Gen1RemoteError {
  exception: string;
  message: string;
}

/** Parses a Gen1 error body; undefined when it is not a RemoteException. */
export function parseRemoteException(text: string): Gen1RemoteError | undefined {
  try {
    const parsed = remoteExceptionSchema.safeParse(JSON.parse(text));
    if (!parsed.success) return undefined;
    return { exception: parsed.data.RemoteException.exception, message: parsed.data.RemoteException.message ?? '' };
  } catch {
    return undefined;
  }
}

const BY_EXCEPTION: Record<string, StorageErrorCode> = {
  FileNotFoundException: 'not-found',
  AccessControlException: 'permission-denied',
  SecurityException: 'auth-failed',
  AuthenticationException: 'auth-failed',
  FileAlreadyExistsException: 'already-exists',
  BadOffsetException: 'invalid-argument',
  IllegalArgumentException: 'invalid-argument',
  InvalidPathException: 'invalid-argument',
  UnsupportedOperationException: 'not-supported',
  ThrottledException: 'throttled',
  RuntimeException: 'transient',
  PathIsNotEmptyDirectoryException: 'not-empty',
};

function codeFromStatus(status: number): StorageErrorCode {
  if (status === 401) return 'auth-failed';
  if (status === 403) return 'permission-denied';
  if (status === 404) return 'not-found';
  if (status === 409) return 'already-exists';
  if (status === 412) return 'precondition-failed';
  if (status === 408 || status >= 500) return 'transient';
  if (status === 429) return 'throttled';
  return 'invalid-argument';
}

/** Removes the ` [request-id][time]` tail Gen1 appends to messages. */
function cleanMessage(message: string): string {
  return message.replace(/(\s*\[[^\]]*\])+\s*$/, '').trim();
}

const ADVICE: Partial<Record<StorageErrorCode, string>> = {
  'auth-failed': 'Check the token (--gen1-token) or the Azure credentials (AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET, or az login): they must be valid for https://datalake.azure.net/.',
  'permission-denied': 'The identity needs execute on every parent folder and read/write on the path (or the Owner role on the account).',
  throttled: 'The account is throttling requests; lower the concurrency or retry later.',
  transient: 'The service failed temporarily; retry later.',
};

/**
 * Maps a Gen1 HTTP failure to a StorageError. The exception name decides first (it is what the
 * service documents), the HTTP status second. `retryAfterMs` comes from a Retry-After header.
 */
export function mapGen1Error(
  status: number,
  bodyText: string,
  context: { op: string; path: string; retryAfterMs?: number },
): StorageError {
  const remote = parseRemoteException(bodyText);
  let code: StorageErrorCode = remote !== undefined ? (BY_EXCEPTION[remote.exception] ?? codeFromStatus(status)) : codeFromStatus(status);
  if (status === 401) code = 'auth-failed';
  if (status === 429) code = 'throttled';
  if (status >= 500 && code !== 'not-supported') code = 'transient';
  const detail = remote !== undefined ? cleanMessage(remote.message) : '';
  if (remote?.exception === 'IOException' || remote?.exception === 'IllegalArgumentException') {
    if (/not empty/i.test(detail)) code = 'not-empty';
    else if (/already exists/i.test(detail)) code = 'already-exists';
  }
  const shownPath = `/${context.path}`;
  const what = remote !== undefined ? `${remote.exception}${detail === '' ? '' : `: ${detail}`}` : `HTTP ${status}`;
  const advice = ADVICE[code];
  const message = `Gen1 ${context.op} on '${shownPath}' failed (${what}).${advice === undefined ? '' : ` ${advice}`}`;
  return new StorageError(code, message, {
    path: context.path,
    status,
    ...(remote === undefined ? {} : { serverCode: remote.exception }),
    ...(context.retryAfterMs === undefined ? {} : { retryAfterMs: context.retryAfterMs }),
  });
}

const TRANSIENT_NETWORK_CODES = new Set([
  'ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH',
  'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CLOSED',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH', 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH',
]);

function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let i = 0; i < 4 && typeof current === 'object' && current !== null; i++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Maps a network-level failure (no HTTP answer) to a StorageError: `transient` for resets and timeouts. */
export function mapNetworkError(error: unknown, context: { op: string; path: string; endpoint: string }): StorageError {
  if (error instanceof StorageError) return error;
  const code = errorCode(error) ?? 'unknown';
  const reason = error instanceof Error ? error.message : String(error);
  const transient = TRANSIENT_NETWORK_CODES.has(code) || /socket|reset|terminated|timeout|other side closed/i.test(reason);
  const hint = code === 'ECONNREFUSED' ? ` Nothing answers at ${context.endpoint}: check the URI and that the service (or emulator) is running.` : '';
  return new StorageError('transient', `Gen1 ${context.op} on '/${context.path}' could not reach ${context.endpoint} (${code}: ${reason}).${hint}`, {
    path: context.path,
    status: code,
    retryable: transient,
    cause: error,
  });
}
