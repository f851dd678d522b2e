/**
 * Gen1 RemoteException errors: the exception names, HTTP statuses and javaClassName values the ADLS
 * Gen1 service uses (swagger `AdlsRemoteException` discriminators; protocols.md A.11).
 */
export type Gen1ExceptionName =
  | 'IllegalArgumentException'
  | 'UnsupportedOperationException'
  | 'SecurityException'
  | 'IOException'
  | 'FileNotFoundException'
  | 'FileAlreadyExistsException'
  | 'BadOffsetException'
  | 'RuntimeException'
  | 'AccessControlException'
  | 'ThrottledException';

interface ExceptionInfo {
  status: number;
  javaClassName: string;
}

const EXCEPTIONS: Record<Gen1ExceptionName, ExceptionInfo> = {
  IllegalArgumentException: { status: 400, javaClassName: 'java.lang.IllegalArgumentException' },
  UnsupportedOperationException: { status: 400, javaClassName: 'java.lang.UnsupportedOperationException' },
  SecurityException: { status: 401, javaClassName: 'java.lang.SecurityException' },
  IOException: { status: 403, javaClassName: 'java.io.IOException' },
  FileNotFoundException: { status: 404, javaClassName: 'java.io.FileNotFoundException' },
  FileAlreadyExistsException: { status: 403, javaClassName: 'org.apache.hadoop.fs.FileAlreadyExistsException' },
  BadOffsetException: { status: 400, javaClassName: 'org.apache.hadoop.fs.adl.BadOffsetException' },
  RuntimeException: { status: 500, javaClassName: 'java.lang.RuntimeException' },
  AccessControlException: { status: 403, javaClassName: 'org.apache.hadoop.security.AccessControlException' },
  ThrottledException: { status: 429, javaClassName: 'org.apache.hadoop.fs.adl.ThrottledException' },
};

/** NTSTATUS-like codes Gen1 reports in the `Status` header and in messages. */
export const GEN1_STATUS_CODES = {
  ok: '0x0',
  notFound: '0x8309000A',
  badOffset: '0x83090015',
  aclDenied: '0x83090AA2',
  leaseConflict: '0x83090A16',
} as const;

/** An error the emulator answers with a RemoteException body. `status` overrides the default status. */
export class Gen1Error extends Error {
  readonly exception: Gen1ExceptionName;
  readonly status: number;
  readonly javaClassName: string;
  readonly statusCode: string | undefined;
  constructor(exception: Gen1ExceptionName, message: string, options: { status?: number; statusCode?: string } = {}) {
    super(message);
    this.name = 'Gen1Error';
    const info = EXCEPTIONS[exception];
    this.exception = exception;
    this.status = options.status ?? info.status;
    this.javaClassName = info.javaClassName;
    this.statusCode = options.statusCode;
  }
}

/** 400 IllegalArgumentException. */
export function badRequest(message: string): Gen1Error {
  return new Gen1Error('IllegalArgumentException', message);
}

/** 404 FileNotFoundException for `path`. */
export function notFound(path: string): Gen1Error {
  return new Gen1Error('FileNotFoundException', `File/Folder does not exist: ${path}`, { statusCode: GEN1_STATUS_CODES.notFound });
}

/** 403 AccessControlException in Gen1's wording for `op`. */
export function accessDenied(op: string, detail: string): Gen1Error {
  return new Gen1Error(
    'AccessControlException',
    `${op} failed with error 0x83090aa2 (Forbidden. ACL verification failed. Either the resource does not exist or the user is not authorized to perform the requested operation.). ${detail}`,
    { statusCode: GEN1_STATUS_CODES.aclDenied },
  );
}
