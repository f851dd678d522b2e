import { createServer, connect, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGen2Emulator, type Gen2Emulator } from '../../emulators/gen2/index.js';
import type { Store } from '../../core/store.js';
import { openGen2 } from '../../../test/migrate-helpers.js';

/**
 * The lean request path keeps its connections: stats (HEAD), reads (Get Blob) and listings go over a
 * handful of keep-alive connections, counted by a TCP relay in front of the emulator. (undici closes
 * the connection after every HEAD, so stats used to open one connection each.)
 */
describe('Gen2 lean requests reuse their connections', () => {
  let gen2: Gen2Emulator;
  let relay: Server;
  let store: Store;
  let connections = 0;
  const sockets = new Set<{ destroy(): void }>();

  beforeAll(async () => {
    gen2 = await startGen2Emulator({ inMemory: true });
    const target = new URL(gen2.url);
    relay = createServer((socket) => {
      connections++;
      const upstream = connect(Number(target.port), target.hostname);
      sockets.add(socket).add(upstream);
      socket.pipe(upstream).pipe(socket);
      socket.on('error', () => upstream.destroy());
      upstream.on('error', () => socket.destroy());
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    const address = relay.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    store = openGen2(`http://127.0.0.1:${port}`, 'keepalive');
  });
  afterAll(async () => {
    await store?.close();
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => relay?.close(resolve));
    await gen2?.close();
  });

  it('serves 30 stats, 30 reads and 10 listings over at most 3 connections', async () => {
    await store.mkdir('d');
    const w = await store.createWriter('d/f.bin', { overwrite: true });
    await w.write(0, Buffer.from('hello'));
    await w.commit({ size: 5 });
    const before = connections;
    for (let i = 0; i < 30; i++) expect((await store.stat('d/f.bin', { withProperties: true })).size).toBe(5);
    for (let i = 0; i < 30; i++) {
      const parts: Buffer[] = [];
      for await (const c of await store.openRead('d/f.bin', { offset: 1, length: 3 })) parts.push(Buffer.from(c));
      expect(Buffer.concat(parts).toString()).toBe('ell');
    }
    for (let i = 0; i < 10; i++) {
      const names: string[] = [];
      for await (const page of store.list('d', { pageSize: 10 })) names.push(...page.map((e) => e.path));
      expect(names).toEqual(['d/f.bin']);
    }
    expect(connections - before).toBeLessThanOrEqual(3);
  });
});
