import { randomUUID } from 'node:crypto';
import { isStorageError, type StorageErrorCode } from '../core/errors.js';

/**
 * Gen1's own error shape (`{"RemoteException":{"exception","message","javaClassName"}}`, in that key
 * order, message ending in ` [<request id>][<time>]`), written for the gateway without any emulator
 * code. Every failure the gateway answers goes through here: no 500, no stack trace.
 */

export type Gen1Exception =
  | 'FileNotFoundException' | 'AccessControlException' | 'BadOffsetException' | 'FileAlreadyExistsException'
  | 'IllegalArgumentException' | 'UnsupportedOperationException' | 'SecurityException' | 'IOException'
  | 'ThrottledException' | 'PathIsNotEmptyDirectoryException';

const JAVA_CLASS: Record<Gen1Exception, string> = {
  FileNotFoundException: 'java.io.FileNotFoundException',
  AccessControlException: 'org.apache.hadoop.security.AccessControlException',
  BadOffsetException: 'org.apache.hadoop.fs.adl.BadOffsetException',
  FileAlreadyExistsException: 'org.apache.hadoop.fs.FileAlreadyExistsException',
  IllegalArgumentException: 'java.lang.IllegalArgumentException',
  UnsupportedOperationException: 'java.lang.UnsupportedOperationException',
  SecurityException: 'java.lang.SecurityException',
  IOException: 'java.io.IOException',
  ThrottledException: 'org.apache.hadoop.fs.adl.ThrottledException',
  PathIsNotEmptyDirectoryException: 'org.apache.hadoop.fs.PathIsNotEmptyDirectoryException',
};

const DEFAULT_STATUS: Record<Gen1Exception, number> = {
  FileNotFoundException: 404, AccessControlException: 403, BadOffsetException: 400, FileAlreadyExistsException: 403,
  IllegalArgumentException: 400, UnsupportedOperationException: 400, SecurityException: 401, IOException: 503,
  ThrottledException: 429, PathIsNotEmptyDirectoryException: 403,
};

/** A failure to answer in Gen1's shape. */
export class Gen1Failure extends Error {
  readonly status: number;
  constructor(readonly exception: Gen1Exception, message: string, status?: number) {
    super(message);
    this.name = 'Gen1Failure';
    this.status = status ?? DEFAULT_STATUS[exception];
  }
}

export const badRequest = (message: string): Gen1Failure => new Gen1Failure('IllegalArgumentException', message);
export const unsupported = (message: string): Gen1Failure => new Gen1Failure('UnsupportedOperationException', message);

const BY_CODE: Record<StorageErrorCode, Gen1Exception> = {
  'not-found': 'FileNotFoundException',
  'already-exists': 'FileAlreadyExistsException',
  'not-empty': 'PathIsNotEmptyDirectoryException',
  'permission-denied': 'AccessControlException',
  'auth-failed': 'AccessControlException',
  throttled: 'ThrottledException',
  transient: 'IOException',
  'precondition-failed': 'IOException',
  'integrity-mismatch': 'IOException',
  'not-supported': 'UnsupportedOperationException',
  'invalid-argument': 'IllegalArgumentException',
  cancelled: 'IOException',
};

/**
 * Turns anything thrown while serving `op` on `gen1Path` into a Gen1Failure. StorageErrors keep their
 * meaning (not-found -> 404 FileNotFoundException, ...); anything else is a gateway bug, answered as a
 * retryable 503 IOException that names the request id (the details go to the log, never to the client).
 */
export function toGen1Failure(error: unknown, op: string, gen1Path: string, requestId: string): Gen1Failure {
  if (error instanceof Gen1Failure) return error;
  if (isStorageError(error)) {
    const exception = BY_CODE[error.code];
    if (exception === 'FileNotFoundException') return new Gen1Failure(exception, `${op} failed: File/Folder does not exist: ${gen1Path}`);
    if (exception === 'AccessControlException') {
      return new Gen1Failure(exception, `${op} failed with error 0x83090aa2 (Forbidden. ACL verification failed. Either the resource does not exist or the user is not authorized to perform the requested operation.).`);
    }
    return new Gen1Failure(exception, `${op} failed on ${gen1Path}: ${error.message}`);
  }
  return new Gen1Failure('IOException', `${op} failed on ${gen1Path}: internal gateway error (request ${requestId}); retry, and report the request id if it persists.`);
}

/** The JSON body of a failure; the message carries the request id and time as the service's do. */
export function remoteExceptionBody(failure: Gen1Failure, requestId: string, now: Date = new Date()): string {
  return JSON.stringify({
    RemoteException: {
      exception: failure.exception,
      message: `${failure.message} [${requestId}][${now.toISOString()}]`,
      javaClassName: JAVA_CLASS[failure.exception],
    },
  });
}

export function newRequestId(): string {
  return randomUUID();
}
