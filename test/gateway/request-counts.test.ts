/**
 * Gen2 requests per Gen1 operation through `gateway serve` (counted by the Gen2 emulator, never
 * timed): the round trips that bench/gateway's speed depends on. A change that adds a call to one of
 * these operations fails here first.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGen2Emulator, type Gen2Emulator } from '../../src/emulators/gen2/index.js';
import { startGatewayServer, type GatewayServer } from '../../src/gateway/server.js';
import type { Store } from '../../src/core/store.js';
import { openGen2, sdkFilesystem, sdkRead } from '../migrate-helpers.js';
import { gen1Token } from './helpers.js';

describe('gateway serve: Gen2 requests per Gen1 operation', () => {
  let gen2: Gen2Emulator;
  let store: Store;
  let gw: GatewayServer;

  beforeAll(async () => {
    gen2 = await startGen2Emulator({ inMemory: true });
    store = openGen2(gen2.url, 'counts');
    gw = await startGatewayServer({ rules: [{ sourcePrefix: '', store, destPath: '' }] });
  });
  afterAll(async () => {
    await gw?.close();
    await store?.close();
    await gen2?.close();
  });

  /** Runs one Gen1 request; returns its status and the Gen2 requests it caused, by operation. */
  async function counted(method: string, path: string, query: string, body?: string): Promise<{ status: number; counts: Record<string, number>; text: string }> {
    gen2.resetRequestCounts();
    const res = await fetch(`${gw.url}/webhdfs/v1${path}?${query}`, { method, headers: { Authorization: `Bearer ${gen1Token()}` }, ...(body === undefined ? {} : { body }) });
    const text = await res.text();
    return { status: res.status, counts: gen2.requestCounts(), text };
  }

  it('pins the round trips of the common operations', async () => {
    await counted('PUT', '/c', 'op=MKDIRS'); // creates the filesystem once
    expect(await counted('PUT', '/c', 'op=MKDIRS')).toMatchObject({ status: 200, counts: { GetBlobProperties: 1 } });
    // CREATE of a small file: one Put Blob, one Set Access Control (the caller becomes the owner).
    expect(await counted('PUT', '/c/f.txt', 'op=CREATE&write=true&overwrite=true', 'hello')).toMatchObject({ status: 201, counts: { PutBlob: 1, SetAccessControl: 1 } });
    expect((await counted('PUT', '/c/f.txt', 'op=CREATE&write=true&overwrite=true', 'hello')).counts).toEqual({ PutBlob: 1, SetAccessControl: 1 });
    // GETFILESTATUS: one HEAD, which carries the kept Gen1 times too.
    const st = await counted('GET', '/c/f.txt', 'op=GETFILESTATUS');
    expect(st.counts).toEqual({ GetBlobProperties: 1 });
    expect(JSON.parse(st.text).FileStatus).toMatchObject({ length: 5, type: 'FILE' });
    expect((await counted('GET', '/c', 'op=GETFILESTATUS')).counts).toEqual({ GetBlobProperties: 1 });
    // OPEN: one ranged GET.
    expect(await counted('GET', '/c/f.txt', 'op=OPEN&read=true')).toMatchObject({ status: 200, text: 'hello', counts: { GetBlob: 1 } });
    // LISTSTATUS: one List Paths page, also with listAfter.
    expect((await counted('GET', '/c', 'op=LISTSTATUS&listSize=100')).counts).toEqual({ ListPaths: 1 });
    expect((await counted('GET', '/c', 'op=LISTSTATUS&listSize=1&listAfter=a')).counts).toEqual({ ListPaths: 1 });
    // APPEND in place: HEAD + append-with-flush (+ clearing the Put Blob's stale MD5 once).
    expect(await counted('POST', '/c/f.txt', 'op=APPEND&append=true&offset=5', ' world')).toMatchObject({ status: 200, counts: { GetBlobProperties: 1, AppendData: 1, SetBlobProperties: 1 } });
    expect((await counted('POST', '/c/f.txt', 'op=APPEND&append=true&offset=11', '!')).counts).toEqual({ GetBlobProperties: 1, AppendData: 1 });
    expect((await counted('POST', '/c/f.txt', 'op=APPEND&append=true&offset=3', 'x')).status).toBe(400);
    const fs = sdkFilesystem(gen2.url, 'counts');
    expect((await sdkRead(fs, 'c/f.txt')).toString()).toBe('hello world!');
    const props = await fs.getFileClient('c/f.txt').getProperties();
    expect(props.contentMD5).toBeUndefined();
    expect(props.owner).not.toBe('$superuser');
  });
});
