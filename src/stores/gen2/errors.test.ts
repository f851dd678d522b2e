import { describe, expect, it } from 'vitest';
import { RestError } from '@azure/storage-file-datalake';
import { StorageError, type StorageErrorCode } from '../../core/index.js';
import { mapGen2Error, parseRetryAfter } from './errors.js';

interface Wire { status?: number; code?: string; retryAfter?: string; message?: string; networkCode?: string }

/** Builds a RestError the way the SDK does: status, details.errorCode and response headers. */
function restError(w: Wire): RestError {
  const headers = new Map<string, string>();
  if (w.code !== undefined) headers.set('x-ms-error-code', w.code);
  if (w.retryAfter !== undefined) headers.set('retry-after', w.retryAfter);
  const err = new RestError(w.message ?? 'The thing failed.\nRequestId:abc\nTime:2026', {
    ...(w.status === undefined ? {} : { statusCode: w.status }),
    ...(w.networkCode === undefined ? {} : { code: w.networkCode }),
  });
  if (w.status !== undefined) {
    (err as { response?: unknown }).response = { status: w.status, headers: { get: (n: string) => headers.get(n.toLowerCase()) } };
  }
  if (w.code !== undefined) err.details = { errorCode: w.code };
  return err;
}

const table: [Wire, StorageErrorCode][] = [
  [{ status: 404, code: 'PathNotFound' }, 'not-found'],
  [{ status: 404, code: 'BlobNotFound' }, 'not-found'],
  [{ status: 404, code: 'FilesystemNotFound' }, 'not-found'],
  [{ status: 404 }, 'not-found'],
  [{ status: 409, code: 'PathAlreadyExists' }, 'already-exists'],
  [{ status: 409, code: 'DirectoryNotEmpty' }, 'not-empty'],
  [{ status: 403, code: 'AuthorizationPermissionMismatch' }, 'permission-denied'],
  [{ status: 403, code: 'AuthenticationFailed' }, 'auth-failed'],
  [{ status: 401, code: 'InvalidAuthenticationInfo' }, 'auth-failed'],
  [{ status: 401 }, 'auth-failed'],
  [{ status: 412, code: 'ConditionNotMet' }, 'precondition-failed'],
  [{ status: 429 }, 'throttled'],
  [{ status: 503, code: 'ServerBusy' }, 'throttled'],
  [{ status: 500, code: 'InternalError' }, 'transient'],
  [{ status: 502 }, 'transient'],
  [{ networkCode: 'ECONNRESET' }, 'transient'],
  [{ status: 400, code: 'Md5Mismatch' }, 'integrity-mismatch'],
  [{ status: 400, code: 'InvalidFlushPosition' }, 'integrity-mismatch'],
  [{ status: 409, code: 'PathIsTooDeep' }, 'invalid-argument'],
  [{ status: 400, code: 'InvalidResourceName' }, 'invalid-argument'],
  [{ status: 416, code: 'InvalidRange' }, 'invalid-argument'],
];

describe('mapGen2Error', () => {
  it.each(table)('maps %j to %s', (wire, code) => {
    const mapped = mapGen2Error(restError(wire), 'stat', 'a/b');
    expect(mapped).toBeInstanceOf(StorageError);
    expect(mapped.code).toBe(code);
    expect(mapped.path).toBe('a/b');
    if (wire.code !== undefined) expect(mapped.serverCode).toBe(wire.code);
    expect(mapped.retryable).toBe(code === 'throttled' || code === 'transient');
  });

  it('keeps Retry-After, says what failed where, and drops the service RequestId lines', () => {
    const mapped = mapGen2Error(restError({ status: 503, code: 'ServerBusy', retryAfter: '3' }), 'append', 'x/y');
    expect(mapped.retryAfterMs).toBe(3000);
    expect(mapped.message).toContain("Gen2 append 'x/y' failed: The thing failed. (HTTP 503 ServerBusy)");
    expect(mapped.message).not.toContain('RequestId');
  });

  it('redacts SAS signatures that appear in messages', () => {
    const mapped = mapGen2Error(restError({ status: 403, code: 'AuthenticationFailed', message: 'bad https://a.blob.core.windows.net/f?sv=1&sig=SECRETSIG' }), 'stat', '');
    expect(mapped.message).not.toContain('SECRETSIG');
    expect(mapped.code).toBe('auth-failed');
  });

  it('returns StorageErrors unchanged', () => {
    const e = new StorageError('cancelled', 'x');
    expect(mapGen2Error(e, 'stat', 'p')).toBe(e);
  });

  it('parses Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('0')).toBe(0);
    expect(parseRetryAfter('12')).toBe(12_000);
    expect(parseRetryAfter(new Date(10_000 + 5000).toUTCString(), 10_000)).toBe(5000);
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});

describe('mapGen2Error with unparsed XML bodies', () => {
  it('keeps the <Message> text and maps 501 to not-supported', () => {
    const err = new RestError('\uFEFF<?xml version="1.0" encoding="utf-8"?><Error><Code>NotImplemented</Code><Message>PUT with comp=expiry is not supported.\nRequestId:1</Message></Error>', { statusCode: 501 });
    const mapped = mapGen2Error(err, 'setExpiry', 'f');
    expect(mapped.code).toBe('not-supported');
    expect(mapped.message).toBe("Gen2 setExpiry 'f' failed: PUT with comp=expiry is not supported. (HTTP 501).");
  });
});
