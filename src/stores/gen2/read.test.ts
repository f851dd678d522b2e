import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGen2Emulator, DEV_ACCOUNT, type Gen2Emulator } from '../../emulators/gen2/index.js';
import { isStorageError, parseLocation, type Gen2Location, type Store } from '../../core/index.js';
import { createGen2Store } from './index.js';

/**
 * A proxy in front of the emulator that breaks the body of chosen file GETs after `cutAfter` bytes,
 * the way a dropped connection does, and records the Range and If-Match of every GET.
 */
interface BreakingProxy {
  url: string;
  gets: { range: string | undefined; ifMatch: string | undefined }[];
  /** Break the next GET of a path ending in this name; `beforeBreak` runs before the socket dies. */
  armBreak(name: string, cutAfter: number, beforeBreak?: () => Promise<void>): void;
  cuts: number;
  close(): Promise<void>;
}

async function startBreakingProxy(target: string): Promise<BreakingProxy> {
  const upstream = new URL(target);
  let armed: { name: string; cutAfter: number; beforeBreak: (() => Promise<void>) | undefined } | undefined;
  const proxy: BreakingProxy = {
    url: '', gets: [], cuts: 0,
    armBreak: (name, cutAfter, beforeBreak) => { armed = { name, cutAfter, beforeBreak }; },
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0] ?? '';
    const isFileGet = req.method === 'GET' && !(req.url ?? '').includes('resource=') && !(req.url ?? '').includes('comp=');
    if (isFileGet) proxy.gets.push({ range: req.headers['x-ms-range'] as string | undefined, ifMatch: req.headers['if-match'] });
    const breakThis = isFileGet && armed !== undefined && decodeURIComponent(path).endsWith(armed.name);
    const plan = breakThis ? armed : undefined;
    if (breakThis) armed = undefined;
    const out = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      if (plan === undefined) {
        up.pipe(res);
        return;
      }
      let sent = 0;
      up.on('data', (chunk: Buffer) => {
        if (sent >= plan.cutAfter) return;
        const piece = chunk.subarray(0, plan.cutAfter - sent);
        sent += piece.length;
        res.write(piece);
        if (sent >= plan.cutAfter) {
          up.destroy();
          void (plan.beforeBreak ?? (async () => undefined))().then(() => {
            proxy.cuts++;
            res.socket?.destroy();
          });
        }
      });
    });
    req.pipe(out);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}

function bytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 131 + seed) & 0xff;
  return out;
}

async function readAll(store: Store, path: string, range?: { offset: number; length?: number }): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const p of await store.openRead(path, range)) parts.push(p);
  return Buffer.concat(parts);
}

async function put(store: Store, path: string, data: Uint8Array): Promise<void> {
  const w = await store.createWriter(path, { overwrite: true });
  await w.write(0, data);
  await w.commit({ size: data.length });
}

describe('Gen2 reads resume after a broken body', () => {
  let emulator: Gen2Emulator;
  let proxy: BreakingProxy;
  let direct: Store;
  let viaProxy: Store;
  beforeAll(async () => {
    emulator = await startGen2Emulator({ port: 0, inMemory: true });
    proxy = await startBreakingProxy(emulator.url);
    const fs = `r-${randomUUID().slice(0, 12)}`;
    direct = createGen2Store(parseLocation(`${emulator.url}/${DEV_ACCOUNT}/${fs}`) as Gen2Location);
    viaProxy = createGen2Store(parseLocation(`${proxy.url}/${DEV_ACCOUNT}/${fs}`) as Gen2Location, { retryDelayMs: 1 });
  });
  afterAll(async () => {
    await proxy.close();
    await emulator.close();
  });

  it('continues from the last byte received, pinned to the first answer\'s ETag', async () => {
    const data = bytes(500_000, 3);
    await put(direct, 'big.bin', data);
    proxy.gets.length = 0;
    proxy.armBreak('big.bin', 123_457);
    expect((await readAll(viaProxy, 'big.bin')).equals(Buffer.from(data))).toBe(true);
    expect(proxy.cuts).toBe(1);
    expect(proxy.gets).toHaveLength(2);
    expect(proxy.gets[1]?.range).toBe(`bytes=123457-${500_000 - 1}`);
    expect(proxy.gets[1]?.ifMatch).toBeDefined();
  });

  it('resumes a ranged read within its range', async () => {
    const data = bytes(300_000, 5);
    await put(direct, 'ranged.bin', data);
    proxy.gets.length = 0;
    proxy.armBreak('ranged.bin', 10_000);
    const got = await readAll(viaProxy, 'ranged.bin', { offset: 1000, length: 200_000 });
    expect(got.equals(Buffer.from(data.subarray(1000, 201_000)))).toBe(true);
    expect(proxy.gets[1]?.range).toBe(`bytes=11000-${201_000 - 1}`);
  });

  it('fails with precondition-failed when the file changed before the resume', async () => {
    await put(direct, 'moving.bin', bytes(200_000, 7));
    proxy.armBreak('moving.bin', 50_000, () => put(direct, 'moving.bin', bytes(200_000, 8)));
    const err = await readAll(viaProxy, 'moving.bin').catch((e: unknown) => e);
    expect(isStorageError(err, 'precondition-failed')).toBe(true);
  });
});
