import { Readable } from 'node:stream';
import type { FileReadResponse } from '@azure/storage-file-datalake';
import { StorageError, cancelledError, isStorageError, type ReadRange } from '../../core/index.js';
import type { Gen2Client } from './client.js';
import { DIRECTORY_MARKER } from './convert.js';
import { mapGen2Error } from './errors.js';
import { onAbortOf } from '../abort-link.js';
import type { LeanGen2 } from './lean.js';

/**
 * Ranged reads through the Blob endpoint (Get Blob with x-ms-range), streamed. A body that breaks
 * off is resumed from the last byte received with If-Match on the first answer's ETag, so a file that
 * changes mid-read fails with precondition-failed instead of mixing versions. Answers are checked
 * (x-ms-request-id, Content-Range start, Content-Length) before any byte is handed out.
 */

interface OpenedBody {
  body: Readable;
  etag: string;
  /** Exclusive end offset this answer covers. */
  end: number;
}

/** What openedFrom needs of a read answer: from the SDK's FileReadResponse or the lean Get Blob. */
interface ReadAnswer {
  header(name: string): string | undefined;
  body: unknown;
  isDirectoryMarker: boolean;
  contentLength: number | undefined;
  etag: string | undefined;
  contentRange: string | undefined;
}

function sdkAnswer(res: FileReadResponse): ReadAnswer {
  return {
    header: (name) => res._response.headers.get(name) ?? undefined,
    body: res.readableStreamBody,
    isDirectoryMarker: res.metadata?.[DIRECTORY_MARKER] === 'true',
    contentLength: res.contentLength,
    etag: res.etag,
    contentRange: res.contentRange,
  };
}

function leanAnswer(res: Awaited<ReturnType<LeanGen2['getBlob']>>): ReadAnswer {
  const h = res.headers;
  const length = h.get('content-length');
  return {
    header: (name) => h.get(name),
    body: res.body,
    isDirectoryMarker: h.get(`x-ms-meta-${DIRECTORY_MARKER}`) === 'true',
    contentLength: length === undefined ? undefined : Number(length),
    etag: h.get('etag'),
    contentRange: h.get('content-range'),
  };
}

function checkRange(range: ReadRange | undefined, path: string): void {
  if (range === undefined) return;
  const bad = !Number.isSafeInteger(range.offset) || range.offset < 0 || (range.length !== undefined && (!Number.isSafeInteger(range.length) || range.length < 0));
  if (bad) throw new StorageError('invalid-argument', `The read range {offset: ${String(range.offset)}, length: ${String(range.length)}} of '${path}' is invalid; give non-negative whole numbers.`, { path });
}

function ignoreEarlyError(): void {
  // Kept on the stream; see openedFrom.
}

/** Validates one read answer and turns it into a body plus the end offset it covers. */
function openedFrom(res: ReadAnswer, offset: number, path: string): OpenedBody {
  const fail = (why: string): never => {
    throw new StorageError('transient', `Gen2 read '${path}' got an unusable answer (${why}); retrying.`, { path });
  };
  if (res.header('x-ms-request-id') === undefined) fail('no x-ms-request-id');
  const body = res.body;
  if (!(body instanceof Readable)) return fail('no body stream');
  // The connection may drop before anyone iterates the body: the SDK's stream then emits 'error'
  // with no listener, which would end the process. The error stays on the stream (body.errored),
  // and iterating it later throws it, so the resume logic still sees the break.
  body.on('error', ignoreEarlyError);
  const resourceType = res.header('x-ms-resource-type');
  if (resourceType === 'directory' || res.isDirectoryMarker) {
    body.destroy();
    throw new StorageError('invalid-argument', `'${path}' is a directory; only files can be read.`, { path });
  }
  const length = res.contentLength;
  if (length === undefined || res.etag === undefined) {
    body.destroy();
    return fail('no Content-Length or ETag');
  }
  const contentRange = res.contentRange === undefined ? undefined : /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(res.contentRange);
  const start = contentRange ? Number(contentRange[1]) : 0;
  if (start !== offset || (contentRange && Number(contentRange[2]) - start + 1 !== length)) {
    body.destroy();
    return fail(`range ${res.contentRange ?? 'missing'} for offset ${offset}`);
  }
  return { body, etag: res.etag, end: offset + length };
}

/**
 * Opens a read of `fsPath` (store path `path` for messages). Resolves once the first answer arrived;
 * the iterable then streams and resumes on breaks. Throws not-found, invalid-argument, cancelled.
 */
export async function openGen2Read(client: Gen2Client, path: string, fsPath: string, range: ReadRange | undefined, signal: AbortSignal | undefined): Promise<AsyncIterable<Uint8Array>> {
  checkRange(range, path);
  const offset = range?.offset ?? 0;
  const file = client.fileClient(fsPath);
  const lean = client.lean;
  const request = (from: number, count: number | undefined, ifMatch: string | undefined): Promise<OpenedBody | 'beyond-end'> =>
    client.run('read', path, signal, async ({ signal: s }) => {
      try {
        // The lean Get Blob where the credential allows it (no SDK client, deserialiser or tracing per read).
        if (lean !== undefined) return openedFrom(leanAnswer(await lean.getBlob(fsPath, from, count, ifMatch, s)), from, path);
        const res = await file.read(from, count, { abortSignal: s, maxRetryRequests: 0, ...(ifMatch === undefined ? {} : { conditions: { ifMatch } }) });
        return openedFrom(sdkAnswer(res), from, path);
      } catch (err) {
        const mapped = mapGen2Error(err, 'read', path);
        if (mapped.serverCode === 'InvalidRange' || mapped.status === 416) return 'beyond-end' as const;
        throw mapped;
      }
    }, { unlimited: true });

  // Get Blob answers 416 for a range starting at or after the end, and a zero-length range cannot be
  // asked for: both are settled from the file's size (reading at the end is empty, past it invalid).
  const first = range?.length === 0 ? 'beyond-end' : await request(offset, range?.length, undefined);
  if (first === 'beyond-end') {
    const props = await client.run('read', path, signal, ({ signal: s }) => file.getProperties({ abortSignal: s }));
    if (props.metadata?.[DIRECTORY_MARKER] === 'true') throw new StorageError('invalid-argument', `'${path}' is a directory; only files can be read.`, { path });
    const size = props.contentLength ?? 0;
    if (offset > size) throw new StorageError('invalid-argument', `The read offset ${offset} is beyond the end of the ${size}-byte file '${path}'.`, { path });
    return emptyIterable();
  }
  return streamWithResume(client, path, first, offset, request, signal);
}

async function* emptyIterable(): AsyncGenerator<Uint8Array> {
  // Nothing to read.
}

async function* streamWithResume(
  client: Gen2Client,
  path: string,
  first: OpenedBody,
  offset: number,
  request: (from: number, count: number | undefined, ifMatch: string | undefined) => Promise<OpenedBody | 'beyond-end'>,
  signal: AbortSignal | undefined,
): AsyncGenerator<Uint8Array> {
  let current = first;
  let position = offset;
  const end = first.end;
  let resumes = 0;
  while (true) {
    const body = current.body;
    const unlink = onAbortOf(signal, () => body.destroy(cancelledError(signal, path)));
    let idle: NodeJS.Timeout | undefined;
    const arm = (): void => {
      clearTimeout(idle);
      idle = setTimeout(() => body.destroy(new Error(`no data for ${client.settings.timeoutMs} ms`)), client.settings.timeoutMs);
    };
    try {
      arm();
      for await (const chunk of body) {
        arm();
        const bytes = chunk as Uint8Array;
        const room = end - position;
        if (room <= 0) break;
        const piece = bytes.length > room ? bytes.subarray(0, room) : bytes;
        position += piece.length;
        yield piece;
      }
      if (position >= end) return;
      throw new Error(`body ended after ${position - offset} of ${end - offset} bytes`);
    } catch (err) {
      if (signal?.aborted) throw cancelledError(signal, path);
      if (isStorageError(err) && !err.retryable) throw err;
      resumes++;
      if (resumes > client.settings.maxRetries) throw mapGen2Error(err, 'read', path);
      await new Promise((resolve) => setTimeout(resolve, client.backoffMs(resumes - 1, undefined)));
      const next = await request(position, end - position, current.etag);
      if (next === 'beyond-end') throw new StorageError('precondition-failed', `'${path}' shrank while it was being read; read it again.`, { path });
      current = next;
    } finally {
      clearTimeout(idle);
      unlink();
      if (!body.destroyed) body.destroy();
    }
  }
}
