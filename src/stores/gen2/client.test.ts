import { describe, expect, it } from 'vitest';
import { RestError } from '@azure/storage-file-datalake';
import { isStorageError, parseLocation, type Gen2Location } from '../../core/index.js';
import { CLIENT_CACHE_SIZE, Gen2Client } from './client.js';
import { resolveGen2Options, type Gen2StoreOptions } from './options.js';

const location = parseLocation('http://127.0.0.1:1/devstoreaccount1/data') as Gen2Location;
const clientWith = (o: Gen2StoreOptions): Gen2Client => new Gen2Client(location, o, resolveGen2Options(o));

function throttled(retryAfter: string): RestError {
  const err = new RestError('Server busy', { statusCode: 429 });
  (err as { response?: unknown }).response = { status: 429, headers: { get: (n: string) => (n === 'retry-after' ? retryAfter : undefined) } };
  return err;
}

function answer(requestId: string | undefined): { _response: { headers: { get(n: string): string | undefined } } } {
  return { _response: { headers: { get: (n) => (n === 'x-ms-request-id' ? requestId : undefined) } } };
}

describe('Gen2Client.run', () => {
  it('waits as long as Retry-After says before retrying a 429', async () => {
    const client = clientWith({ retryDelayMs: 0 });
    let calls = 0;
    const started = Date.now();
    const out = await client.run('op', 'p', undefined, async () => {
      calls++;
      if (calls === 1) throw throttled('1');
      return answer('r1');
    });
    expect(out._response.headers.get('x-ms-request-id')).toBe('r1');
    expect(calls).toBe(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('gives up after maxRetries with the last mapped error, and never retries non-retryable codes', async () => {
    const client = clientWith({ retryDelayMs: 1, maxRetries: 2 });
    let calls = 0;
    const err = await client.run('op', 'p', undefined, async () => {
      calls++;
      throw new RestError('boom', { statusCode: 500 });
    }).catch((e: unknown) => e);
    expect(isStorageError(err, 'transient')).toBe(true);
    expect(calls).toBe(3);
    calls = 0;
    const notFound = await client.run('op', 'p', undefined, async () => {
      calls++;
      throw new RestError('gone', { statusCode: 404 });
    }).catch((e: unknown) => e);
    expect(isStorageError(notFound, 'not-found')).toBe(true);
    expect(calls).toBe(1);
  });

  it('retries a 2xx answer that lacks x-ms-request-id (a broken connection) and network errors', async () => {
    const client = clientWith({ retryDelayMs: 1 });
    const seen: string[] = [];
    const out = await client.run('op', 'p', undefined, async ({ attempt }) => {
      seen.push(String(attempt));
      if (attempt === 0) return answer(undefined);
      if (attempt === 1) throw Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
      return answer('ok');
    });
    expect(out._response.headers.get('x-ms-request-id')).toBe('ok');
    expect(seen).toEqual(['0', '1', '2']);
  });

  it('aborts an attempt at its timeout and retries it', async () => {
    const client = clientWith({ retryDelayMs: 1, timeoutMs: 50 });
    let calls = 0;
    const out = await client.run('op', 'p', undefined, ({ signal }) => {
      calls++;
      if (calls === 1) return new Promise<ReturnType<typeof answer>>((_resolve, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))));
      return Promise.resolve(answer('late'));
    });
    expect(out._response.headers.get('x-ms-request-id')).toBe('late');
    expect(calls).toBe(2);
  });

  it('turns the caller\'s abort into cancelled, also while backing off', async () => {
    const client = clientWith({ retryDelayMs: 10_000, maxRetryDelayMs: 10_000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    const started = Date.now();
    const err = await client.run('op', 'p', controller.signal, async () => {
      throw new RestError('busy', { statusCode: 503 });
    }).catch((e: unknown) => e);
    expect(isStorageError(err, 'cancelled')).toBe(true);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('caps backoff by maxRetryDelayMs, Retry-After included', () => {
    const client = clientWith({ retryDelayMs: 100, maxRetryDelayMs: 1000 });
    expect(client.backoffMs(0, 60_000)).toBe(1000);
    for (let a = 0; a < 10; a++) expect(client.backoffMs(a, undefined)).toBeLessThanOrEqual(1000);
  });

  it('limits requests in flight to the concurrency option', async () => {
    const client = clientWith({ concurrency: 2 });
    let active = 0;
    let peak = 0;
    await Promise.all(Array.from({ length: 8 }, () => client.run('op', 'p', undefined, async () => {
      active++;
      peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, 10));
      active--;
      return answer('x');
    })));
    expect(peak).toBe(2);
  });
});

describe('Gen2Client path clients', () => {
  it('reuses the client of a path and keeps at most CLIENT_CACHE_SIZE of them', () => {
    const client = clientWith({});
    const first = client.fileClient('a/b.txt');
    expect(client.fileClient('a/b.txt')).toBe(first);
    expect(client.dirClient('a')).toBe(client.dirClient('a'));
    expect(first.url).toBe('http://127.0.0.1:1/devstoreaccount1/data/a/b.txt');
    for (let i = 0; i < CLIENT_CACHE_SIZE; i++) client.fileClient(`x/${i}`);
    expect(client.fileClient('a/b.txt')).not.toBe(first);
    expect(client.fileClient('a/b.txt').url).toBe(first.url);
  });
});
