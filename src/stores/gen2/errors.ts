import { StorageError, redactUri, type StorageErrorCode } from '../../core/index.js';

/**
 * Turns whatever the Azure SDK (or the network under it) threw into a StorageError.
 * The one place where Gen2 wire errors become lakeshift codes; see the table in `codeFor`.
 * The SDK error itself is never attached (it carries the signed request); only a redacted summary is.
 */

/** What we read off an SDK error, independent of its class. */
export interface WireFailure {
  status: number | undefined;
  serverCode: string | undefined;
  message: string;
  retryAfterMs: number | undefined;
  /** Network-level error code such as ECONNRESET, when there was no HTTP answer. */
  networkCode: string | undefined;
}

interface HeadersLike {
  get(name: string): string | undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function stringField(obj: Record<string, unknown>, key: string): string | undefined {
  const v = obj[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function headersOf(err: Record<string, unknown>): HeadersLike | undefined {
  const response = err['response'];
  if (!isRecord(response)) return undefined;
  const headers = response['headers'];
  if (isRecord(headers) && typeof headers['get'] === 'function') {
    const get = headers['get'] as (name: string) => unknown;
    return { get: (name) => { const v: unknown = get.call(headers, name); return typeof v === 'string' ? v : undefined; } };
  }
  return undefined;
}

/** Parses Retry-After (delta seconds or an HTTP date) into milliseconds from now. */
export function parseRetryAfter(value: string | undefined, nowMs: number = Date.now()): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/** Extracts status, service error code, message and Retry-After from an SDK or network error. */
export function readWireFailure(err: unknown): WireFailure {
  if (!isRecord(err)) return { status: undefined, serverCode: undefined, message: String(err), retryAfterMs: undefined, networkCode: undefined };
  const headers = headersOf(err);
  const details = err['details'];
  const status = typeof err['statusCode'] === 'number' ? err['statusCode'] : undefined;
  const serverCode = (isRecord(details) ? stringField(details, 'errorCode') ?? stringField(details, 'code') : undefined)
    ?? headers?.get('x-ms-error-code')
    ?? (status !== undefined ? stringField(err, 'code') : undefined);
  let rawMessage = stringField(err, 'message') ?? 'unknown error';
  // An error body the SDK could not parse arrives as raw XML: keep its <Message>.
  const xmlMessage = /<Message>([\s\S]*?)<\/Message>/.exec(rawMessage)?.[1];
  if (xmlMessage !== undefined) rawMessage = xmlMessage;
  // The service appends RequestId/Time lines: keep the first line, which is the human part.
  const message = redactUri(rawMessage.split('\n')[0] ?? rawMessage);
  const networkCode = status === undefined ? stringField(err, 'code') : undefined;
  return { status, serverCode, message, retryAfterMs: parseRetryAfter(headers?.get('retry-after')), networkCode };
}

const NOT_FOUND = new Set(['PathNotFound', 'BlobNotFound', 'FilesystemNotFound', 'ContainerNotFound', 'SourcePathNotFound', 'RenameDestinationParentPathNotFound', 'ResourceNotFound']);
const ALREADY_EXISTS = new Set(['PathAlreadyExists', 'BlobAlreadyExists', 'ContainerAlreadyExists', 'FilesystemAlreadyExists', 'PathConflict', 'InvalidSourceOrDestinationResourceType']);
const AUTH_FAILED = new Set(['AuthenticationFailed', 'InvalidAuthenticationInfo', 'NoAuthenticationInformation']);
const INTEGRITY = new Set(['Md5Mismatch', 'InvalidFlushPosition', 'Crc64Mismatch']);
const INVALID = new Set(['PathIsTooDeep', 'InvalidResourceName', 'InvalidUri', 'InvalidRange', 'InvalidRenameSourcePath', 'InvalidInput', 'InvalidHeaderValue', 'InvalidQueryParameterValue', 'RequestBodyTooLarge', 'InvalidPropertyName', 'InvalidSourceUri', 'InvalidMetadata', 'UnsupportedHeader']);
const TRANSIENT_409 = new Set(['FilesystemBeingDeleted', 'ContainerBeingDeleted', 'DestinationPathIsBeingDeleted', 'SourcePathIsBeingDeleted']);

/** The mapping table: service error code first, HTTP status second, network failures last. */
export function codeFor(failure: WireFailure): StorageErrorCode {
  const { status, serverCode: code } = failure;
  if (code !== undefined) {
    if (NOT_FOUND.has(code)) return 'not-found';
    if (code === 'DirectoryNotEmpty') return 'not-empty';
    if (ALREADY_EXISTS.has(code)) return 'already-exists';
    if (AUTH_FAILED.has(code) || status === 401) return 'auth-failed';
    if (code.startsWith('Authorization') || code === 'InsufficientAccountPermissions') return 'permission-denied';
    if (INTEGRITY.has(code)) return 'integrity-mismatch';
    if (INVALID.has(code)) return 'invalid-argument';
    if (TRANSIENT_409.has(code)) return 'transient';
    if (code === 'ConditionNotMet' || code === 'SourceConditionNotMet' || code.startsWith('Lease')) return 'precondition-failed';
    if (code === 'ServerBusy') return 'throttled';
    if (code === 'OperationTimedOut' || code === 'InternalError') return 'transient';
    if (code === 'FeatureNotSupported' || code === 'UnsupportedRestVersion' || code === 'NotImplemented') return 'not-supported';
  }
  if (status === undefined) return 'transient';
  if (status === 401) return 'auth-failed';
  if (status === 403) return 'permission-denied';
  if (status === 404) return 'not-found';
  if (status === 409) return 'already-exists';
  if (status === 412 || status === 304) return 'precondition-failed';
  if (status === 429) return 'throttled';
  if (status === 501) return 'not-supported';
  if (status === 408 || status >= 500) return 'transient';
  if (status === 416 || status === 413 || status === 400 || status === 414) return 'invalid-argument';
  return 'transient';
}

const HINTS: Partial<Record<StorageErrorCode, string>> = {
  'auth-failed': 'Check the credentials: an account key (AZURE_STORAGE_KEY), a SAS (AZURE_STORAGE_SAS_TOKEN or ?sv=… on the URI), a connection string (AZURE_STORAGE_CONNECTION_STRING) or an Azure login.',
  'permission-denied': 'The identity lacks rights here: grant a data role (Storage Blob Data Owner for ACL changes) or ACL permissions on the path and its parents.',
  throttled: 'The account is throttling requests; lower the concurrency or retry later.',
  transient: 'This is usually temporary; the operation can be retried.',
};

/**
 * Maps an SDK/network error to a StorageError with the given operation and store path in the message.
 * Idempotent for StorageErrors.
 */
export function mapGen2Error(err: unknown, operation: string, path: string | undefined): StorageError {
  if (err instanceof StorageError) return err;
  const failure = readWireFailure(err);
  const code = codeFor(failure);
  const where = path === undefined ? '' : ` '${path}'`;
  const wire = failure.status !== undefined
    ? `HTTP ${failure.status}${failure.serverCode === undefined ? '' : ` ${failure.serverCode}`}`
    : `network error${failure.networkCode === undefined ? '' : ` ${failure.networkCode}`}`;
  const hint = HINTS[code];
  const message = `Gen2 ${operation}${where} failed: ${failure.message} (${wire}).${hint === undefined ? '' : ` ${hint}`}`;
  return new StorageError(code, message, {
    ...(path === undefined ? {} : { path }),
    ...(failure.status === undefined ? (failure.networkCode === undefined ? {} : { status: failure.networkCode }) : { status: failure.status }),
    ...(failure.serverCode === undefined ? {} : { serverCode: failure.serverCode }),
    ...(failure.retryAfterMs === undefined ? {} : { retryAfterMs: failure.retryAfterMs }),
    cause: new Error(`${wire}: ${failure.message}`),
  });
}
