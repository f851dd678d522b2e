import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Store } from '../src/core/store.js';
import { startGen2Emulator, type Gen2Emulator } from '../src/emulators/gen2/index.js';
import { startGatewayServer, type GatewayServer } from '../src/gateway/server.js';
import { openGen2, sdkFilesystem, sdkPaths, sdkRead } from './migrate-helpers.js';
import { sendRaw } from './fuzz/requests.js';
import { gen1Token } from './gateway/helpers.js';

/**
 * `gateway serve` over a Gen2 emulator in a fault storm: a Gen1 client's workload (directories,
 * creates, overwrites, renames, deletes, reads) gets Gen1 answers only — success, or a Gen1 error a
 * client retries — and the tree it leaves is exact, checked through the official Gen2 SDK on a quiet
 * restart. (APPEND is left out: like Gen1 itself, a retried append after a lost answer appends twice.)
 */


const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

describe('fault storms: the gateway', () => {
  it('serves a Gen1 workload over a stormy Gen2 and leaves the exact tree', async () => {
    const root = mkdtempSync(join(tmpdir(), 'lakeshift-storm-gw-'));
    cleanups.push(() => rmSync(root, { recursive: true, force: true }));
    let gen2: Gen2Emulator = await startGen2Emulator({ location: join(root, 'gen2'), faults: { everyNth: 4, kind: 'storm', slowMs: 5 } });
    const store: Store = openGen2(gen2.url, 'gwstorm');
    await store.mkdir('').catch(() => undefined);
    const gw: GatewayServer = await startGatewayServer({ rules: [{ sourcePrefix: '', store, destPath: '' }] });
    const auth = { Authorization: `Bearer ${gen1Token('storm-user')}` };
    const answers: string[] = [];
    /** One Gen1 call as a client with retries makes it: until a 2xx, or an error that says it is done already. */
    const call = async (method: string, path: string, body = '', done: (status: number, text: string) => boolean = () => false): Promise<string> => {
      for (let attempt = 1; attempt <= 8; attempt++) {
        const res = await sendRaw(gw.url, method, `/webhdfs/v1/${path}`, auth, Buffer.from(body)).catch(() => undefined);
        if (res === undefined) continue;
        answers.push(`${res.status}`);
        expect(res.body, `${method} ${path}`).not.toMatch(/\n\s+at .+:\d+:\d+/);
        if (res.status < 300) return res.body;
        expect(JSON.parse(res.body).RemoteException?.exception, `${method} ${path} -> ${res.status} ${res.body}`).toBeTypeOf('string');
        if (done(res.status, res.body)) return res.body;
      }
      throw new Error(`${method} ${path}: no success after 8 attempts`);
    };
    const notFound = (status: number): boolean => status === 404;
    for (let d = 0; d < 3; d++) await call('PUT', `data/d${d}?op=MKDIRS`);
    for (let i = 0; i < 12; i++) await call('PUT', `data/d${i % 3}/f${i}.txt?op=CREATE&overwrite=true&write=true`, `file ${i} `.repeat(200 + i));
    await call('PUT', 'data/d0/f0.txt?op=CREATE&overwrite=true&write=true', 'overwritten');
    // A retried rename whose first answer was lost finds its source gone: done already.
    await call('PUT', 'data/d1/f1.txt?op=RENAME&destination=/data/d1/f1-renamed.txt', '', (s, t) => s === 404 || t.includes('"boolean":false'));
    await call('DELETE', 'data/d2/f2.txt?op=DELETE', '', notFound);
    await call('DELETE', 'data/d2/f5.txt?op=DELETE', '', notFound);
    expect(await call('GET', 'data/d0/f3.txt?op=OPEN&read=true')).toBe('file 3 '.repeat(203));
    const faults = Object.values(gen2.faultsInjected()).reduce((a, b) => a + b, 0);
    expect(faults).toBeGreaterThan(10);

    await gw.close();
    await store.close();
    await gen2.close();
    gen2 = await startGen2Emulator({ location: join(root, 'gen2') });
    cleanups.push(() => gen2.close());
    const fs = sdkFilesystem(gen2.url, 'gwstorm');
    const files = [...(await sdkPaths(fs)).entries()].filter(([, v]) => !v.isDirectory).map(([p]) => p).sort();
    const expected = [...Array(12).keys()].filter((i) => i !== 2 && i !== 5).map((i) => (i === 1 ? 'data/d1/f1-renamed.txt' : `data/d${i % 3}/f${i}.txt`)).sort();
    expect(files).toEqual(expected);
    expect((await sdkRead(fs, 'data/d0/f0.txt')).toString()).toBe('overwritten');
    expect((await sdkRead(fs, 'data/d1/f1-renamed.txt')).toString()).toBe('file 1 '.repeat(201));
    for (const i of [4, 7, 11]) expect((await sdkRead(fs, `data/d${i % 3}/f${i}.txt`)).toString()).toBe(`file ${i} `.repeat(200 + i));
    console.log(`[storm] gateway: ${faults} faults injected at Gen2; client saw ${answers.filter((a) => Number(a) >= 400).length} errors in ${answers.length} answers`);
  }, 180_000);
});
