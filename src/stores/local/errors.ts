import { StorageError, type StorageErrorCode } from '../../core/errors.js';

/** Directory under the store root that holds lakeshift's sidecar; hidden from listings, refused as a path. */
export const SIDECAR_DIR = '.lakeshift';
/** Prefix of in-progress writer files; hidden from listings. */
export const PART_PREFIX = '.lakeshift-part-';

const OS_CODES: Record<string, [StorageErrorCode, string]> = {
  ENOENT: ['not-found', 'does not exist'],
  ENOTDIR: ['not-found', 'does not exist (a parent is a file)'],
  EEXIST: ['already-exists', 'already exists'],
  ENOTEMPTY: ['not-empty', 'is a non-empty directory; remove it with recursive'],
  EACCES: ['permission-denied', 'is not accessible to this user; check the file permissions'],
  EPERM: ['permission-denied', 'may not be changed by this user; check ownership and permissions'],
  EROFS: ['permission-denied', 'is on a read-only file system'],
  EISDIR: ['invalid-argument', 'is a directory'],
  EINVAL: ['invalid-argument', 'was given an invalid argument'],
  ENAMETOOLONG: ['invalid-argument', 'has a name longer than the file system allows (255 bytes per name)'],
  ELOOP: ['invalid-argument', 'has too many symbolic links'],
  EXDEV: ['not-supported', 'would cross file systems'],
  ENOSPC: ['transient', 'cannot be written: the disk is full; free space and retry'],
  EDQUOT: ['transient', 'cannot be written: the disk quota is exceeded'],
  EMFILE: ['transient', 'cannot be opened: too many open files'],
  ENFILE: ['transient', 'cannot be opened: too many open files'],
  EBUSY: ['transient', 'is busy'],
  EAGAIN: ['transient', 'is temporarily unavailable'],
  EIO: ['transient', 'had an I/O error'],
};

function errnoOf(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') return error.code;
  return undefined;
}

/** Maps a Node file-system error to a StorageError for a store-relative path (StorageErrors pass through). */
export function mapOsError(error: unknown, path: string): StorageError {
  if (error instanceof StorageError) return error;
  const errno = errnoOf(error);
  const known = errno === undefined ? undefined : OS_CODES[errno];
  if (known !== undefined) {
    const [code, why] = known;
    return new StorageError(code, `Local path '${path}' ${why} (${String(errno)}).`, { path, cause: error, ...(errno === undefined ? {} : { status: errno }) });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new StorageError('transient', `Local file system error on '${path}': ${message}`, {
    path, retryable: false, cause: error, ...(errno === undefined ? {} : { status: errno }),
  });
}

export function invalidArgument(path: string, why: string): StorageError {
  return new StorageError('invalid-argument', `Invalid request for local path '${path}': ${why}.`, { path });
}

/** Checks a store-relative path for Linux: no empty, '.' or '..' segments, no NUL, at most 255 bytes a name, not the sidecar. */
export function checkLocalPath(path: string): void {
  if (path === '') return;
  const segments = path.split('/');
  for (const seg of segments) {
    if (seg === '' || seg === '.' || seg === '..') {
      throw invalidArgument(path, "segments may not be empty, '.' or '..' (paths are relative and '/'-separated, without leading or trailing '/')");
    }
    if (seg.includes('\0')) throw invalidArgument(path, 'names may not contain NUL characters');
    if (Buffer.byteLength(seg, 'utf8') > 255) throw invalidArgument(path, `the name '${seg.slice(0, 40)}…' is longer than 255 bytes`);
  }
  if (segments[0] === SIDECAR_DIR) throw invalidArgument(path, `'${SIDECAR_DIR}' at the store root is reserved for lakeshift's metadata sidecar`);
}
