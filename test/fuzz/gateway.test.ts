import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/core/store.js';
import { startGatewayServer, type GatewayServer } from '../../src/gateway/server.js';
import { openStore } from '../../src/stores/open-store.js';
import { walkAll } from '../migrate-helpers.js';
import { plausible, request, RUNS, sendRaw } from './requests.js';
import { gen1Token } from '../gateway/helpers.js';

// Random requests against `gateway serve` (over memory stores): every answer is Gen1's — a status
// the service gives, errors as a RemoteException JSON object with no stack trace — and nothing is
// ever written outside the mapped area.


let gw: GatewayServer;
let mapped: Store;
let outside: Store;

beforeAll(async () => {
  mapped = openStore('memory://fuzz-gw-mapped/');
  outside = openStore('memory://fuzz-gw-outside/');
  await mapped.mkdir('area/dir');
  await outside.mkdir('keep');
  const w = await mapped.createWriter('area/dir/file.txt');
  await w.write(0, Buffer.from('hello'));
  await w.commit({ size: 5 });
  gw = await startGatewayServer({ rules: [{ sourcePrefix: 'lake', store: mapped, destPath: 'area' }] });
});
afterAll(async () => {
  await gw?.close();
});

describe('fuzz: gateway request parsing', () => {
  it('answers any request in Gen1 shape, never with a stack trace, and writes only inside the mapped area', async () => {
    const auth = `Bearer ${gen1Token('fuzz-user')}`;
    await fc.assert(
      fc.asyncProperty(request, fc.boolean(), fc.constantFrom('/webhdfs/v1/lake', '/webhdfs/v1', '/WebHdfsExt/lake', ''), async (r, withToken, prefix) => {
        const path = `${prefix}${r.path}${r.query === '' ? '' : `?${r.query}`}`;
        const res = await sendRaw(gw.url, r.method, path, withToken ? { ...r.headers, Authorization: auth } : r.headers, r.body);
        if (res === undefined) return;
        const what = `${r.method} ${path} -> ${res.status} ${res.body.slice(0, 300)}`;
        expect(plausible(res.status) || res.status === 500, what).toBe(true);
        expect(res.body, what).not.toMatch(/\n\s+at .+:\d+:\d+/);
        if (res.status >= 400 && r.method !== 'HEAD') {
          const parsed = JSON.parse(res.body) as { RemoteException?: { exception?: string; message?: string } };
          expect(typeof parsed.RemoteException?.exception, what).toBe('string');
        }
        // A 500 from the gateway is only ever Gen1's own RuntimeException, never an unhandled error.
        if (res.status === 500) expect(res.body, what).toContain('RuntimeException');
      }),
      { numRuns: RUNS },
    );
    const alive = await sendRaw(gw.url, 'GET', '/webhdfs/v1/lake/dir/file.txt?op=OPEN&read=true', { Authorization: auth }, Buffer.alloc(0));
    expect(alive?.body).toBe('hello');
    expect((await walkAll(outside)).map((e) => e.path)).toEqual(['keep']);
    expect((await walkAll(mapped)).every((e) => e.path === 'area' || e.path.startsWith('area/'))).toBe(true);
  }, 120_000);
});
