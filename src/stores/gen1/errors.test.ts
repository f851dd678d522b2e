import { describe, expect, it } from 'vitest';
import { mapGen1Error, mapNetworkError, parseRemoteException } from './errors.js';

const remote = (exception: string, message = 'details [abc-123][2017-05-26T16:02:26.9008367-07:00]'): string =>
  JSON.stringify({ RemoteException: { exception, message, javaClassName: `x.${exception}` } });

describe('gen1 error mapping', () => {
  it.each([
    [404, 'FileNotFoundException', 'not-found'],
    [403, 'AccessControlException', 'permission-denied'],
    [401, 'SecurityException', 'auth-failed'],
    [403, 'FileAlreadyExistsException', 'already-exists'],
    [400, 'BadOffsetException', 'invalid-argument'],
    [400, 'IllegalArgumentException', 'invalid-argument'],
    [400, 'UnsupportedOperationException', 'not-supported'],
    [429, 'ThrottledException', 'throttled'],
    [500, 'RuntimeException', 'transient'],
    [503, 'SomethingNew', 'transient'],
    [403, 'IOException', 'permission-denied'],
  ])('HTTP %i %s -> %s', (status, exception, code) => {
    const error = mapGen1Error(status, remote(exception), { op: 'OPEN', path: 'a/b' });
    expect(error.code).toBe(code);
    expect(error.serverCode).toBe(exception);
    expect(error.path).toBe('a/b');
    expect(error.message).toContain("'/a/b'");
    expect(error.message).not.toContain('abc-123');
  });

  it('maps by status when the body is not a RemoteException', () => {
    expect(mapGen1Error(401, '', { op: 'X', path: '' }).code).toBe('auth-failed');
    expect(mapGen1Error(404, '<html>', { op: 'X', path: '' }).code).toBe('not-found');
    expect(mapGen1Error(429, '', { op: 'X', path: '', retryAfterMs: 2000 })).toMatchObject({ code: 'throttled', retryable: true, retryAfterMs: 2000 });
    expect(mapGen1Error(502, '', { op: 'X', path: '' })).toMatchObject({ code: 'transient', retryable: true });
    expect(mapGen1Error(400, '', { op: 'X', path: '' })).toMatchObject({ code: 'invalid-argument', retryable: false });
  });

  it('reads not-empty from IOException messages', () => {
    expect(mapGen1Error(403, remote('IOException', 'Directory is not empty'), { op: 'DELETE', path: 'd' }).code).toBe('not-empty');
  });

  it('parses only real RemoteException bodies', () => {
    expect(parseRemoteException(remote('FileNotFoundException'))?.exception).toBe('FileNotFoundException');
    expect(parseRemoteException('{"x":1}')).toBeUndefined();
    expect(parseRemoteException('not json')).toBeUndefined();
  });

  it('treats resets and timeouts as transient', () => {
    const reset = Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' });
    expect(mapNetworkError(reset, { op: 'OPEN', path: 'p', endpoint: 'http://127.0.0.1:1' })).toMatchObject({ code: 'transient', retryable: true });
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(mapNetworkError(refused, { op: 'OPEN', path: 'p', endpoint: 'http://127.0.0.1:1' }).message).toContain('Nothing answers at http://127.0.0.1:1');
    const odd = Object.assign(new Error('certificate has expired'), { code: 'CERT_HAS_EXPIRED' });
    expect(mapNetworkError(odd, { op: 'OPEN', path: 'p', endpoint: 'https://x' }).retryable).toBe(false);
  });
});
