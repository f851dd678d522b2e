import { StorageError, type AppendOptions } from '../../core/index.js';
import type { Gen2Client } from './client.js';
import type { LeanGen2 } from './lean.js';
import { encodeProperties } from './convert.js';
import { entryFromBlobHeaders } from './lean-stat.js';

/**
 * Store.append on Gen2: one HEAD (size, kind, the stored Content-MD5 and content type), then one DFS
 * append with flush=true at the file's size, which commits the bytes in the same call. The file keeps
 * its owner, ACL and metadata (append and flush change neither). A whole-file MD5 recorded at create
 * (Put Blob stores one) no longer matches the new content, so it is cleared with Set Blob Properties,
 * re-sending the content headers; a file without one costs two calls. Properties named in
 * removeProperties that the file has are dropped with one Set Blob Metadata after the append.
 *
 * Position mismatches are caught before any byte is sent (expectedSize against the HEAD); a concurrent
 * writer between the HEAD and the append makes the service refuse the flush (InvalidFlushPosition),
 * mapped to precondition-failed. Callers serialise appenders of one path.
 */

/** Content headers of a HEAD answer that Set Blob Properties would otherwise clear. */
const KEPT_CONTENT_HEADERS: readonly [string, string][] = [
  ['content-type', 'x-ms-blob-content-type'],
  ['content-encoding', 'x-ms-blob-content-encoding'],
  ['content-language', 'x-ms-blob-content-language'],
  ['content-disposition', 'x-ms-blob-content-disposition'],
  ['cache-control', 'x-ms-blob-cache-control'],
];

const MAX_APPEND_BYTES = 100 * 1024 * 1024;

export async function appendGen2(
  client: Gen2Client, lean: LeanGen2, path: string, fsPath: string, data: Uint8Array, options: AppendOptions,
): Promise<number> {
  const head = await client.run('stat', path, options.signal, ({ signal }) => lean.blobProperties(fsPath, signal));
  const entry = entryFromBlobHeaders(path, head.headers, true);
  if (entry.kind !== 'file') throw new StorageError('invalid-argument', `Cannot append to '${path}': it is a directory.`, { path });
  if (options.expectedSize !== undefined && options.expectedSize !== entry.size) {
    throw new StorageError('precondition-failed', `Append to '${path}' refused: it has ${entry.size} bytes, not the expected ${options.expectedSize}. Nothing was changed.`, { path });
  }
  if (data.byteLength === 0) return entry.size;
  let position = entry.size;
  for (let off = 0; off < data.byteLength; off += MAX_APPEND_BYTES) {
    const part = data.subarray(off, Math.min(data.byteLength, off + MAX_APPEND_BYTES));
    const at = position;
    try {
      await client.run('append', path, options.signal, async ({ signal, attempt }) => {
        try {
          return await lean.appendAndFlush(fsPath, at, part, signal);
        } catch (err) {
          // A retried append whose first attempt landed: the file already ends at at + part.
          if (attempt > 0 && (err as { details?: { errorCode?: string } }).details?.errorCode === 'InvalidFlushPosition') {
            const now = await lean.blobProperties(fsPath, signal);
            if (Number(now.headers.get('content-length')) === at + part.byteLength) return now;
          }
          throw err;
        }
      });
    } catch (err) {
      if (err instanceof StorageError && err.serverCode === 'InvalidFlushPosition') {
        throw new StorageError('precondition-failed', `Append to '${path}' refused: the file changed size while appending (another writer). ${position - entry.size} of ${data.byteLength} bytes were appended.`, { path });
      }
      throw err;
    }
    position += part.byteLength;
  }
  if (entry.contentMd5 !== undefined) {
    const headers: Record<string, string> = {};
    for (const [from, to] of KEPT_CONTENT_HEADERS) {
      const v = head.headers.get(from);
      if (v !== undefined && v !== '') headers[to] = v;
    }
    await client.run('clearMd5', path, options.signal, ({ signal }) => lean.setBlobHeaders(fsPath, headers, signal));
  }
  const props = entry.properties ?? {};
  const drop = (options.removeProperties ?? []).filter((k) => Object.prototype.hasOwnProperty.call(props, k));
  if (drop.length > 0) {
    const kept = Object.fromEntries(Object.entries(props).filter(([k]) => !drop.includes(k)));
    await client.run('setProperties', path, options.signal, ({ signal }) => lean.setBlobMetadata(fsPath, encodeProperties(kept), signal));
  }
  return position;
}
