import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GEN1_EMULATOR_ADMIN_OID, startGen1Emulator } from './index.js';
import { MetadataStore, ROOT_ID } from './metadata.js';
import { rawClient, remoteException, tokenFor } from './test-support.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lakeshift-gen1-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function walk(root: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(root, { withFileTypes: true })) {
    const p = join(root, e.name);
    if (e.isDirectory()) out.push(p, ...(await walk(p)));
    else out.push(p);
  }
  return out;
}

describe('persistence', () => {
  it('keeps files, bytes, directories and ACLs across a restart; stores bytes under generated ids only', async () => {
    const location = join(dir, 'restart');
    const token = tokenFor(GEN1_EMULATOR_ADMIN_OID);
    const first = await startGen1Emulator({ location });
    const c1 = rawClient(first.url, token);
    await c1({ method: 'PUT', path: '/keep/evil-name..txt', query: 'op=CREATE&write=true', body: 'persisted bytes' });
    await c1({ method: 'POST', path: '/keep/evil-name..txt', query: 'op=APPEND&append=true&offset=15', body: '+more' });
    const bigA = Buffer.alloc(4 * 1024 * 1024, 'a');
    const bigB = Buffer.alloc(2 * 1024 * 1024 + 7, 'b');
    await c1({ method: 'PUT', path: '/keep/big.bin', query: 'op=CREATE&write=true' });
    expect((await c1({ method: 'POST', path: '/keep/big.bin', query: 'op=APPEND&append=true&offset=0', body: bigA })).status).toBe(200);
    expect((await c1({ method: 'POST', path: '/keep/big.bin', query: `op=APPEND&append=true&offset=${4 * 1024 * 1024}`, body: bigB })).status).toBe(200);
    await c1({ method: 'PUT', path: '/keep/sub', query: 'op=MKDIRS' });
    await c1({ method: 'PUT', path: '/keep/sub', query: 'op=SETACL&aclspec=user::rwx,group::r-x,other::---,user:someone:r-x' });
    await first.close();

    const second = await startGen1Emulator({ location });
    const c2 = rawClient(second.url, token);
    expect((await c2({ method: 'GET', path: '/keep/evil-name..txt', query: 'op=OPEN&read=true' })).text).toBe('persisted bytes+more');
    const bigBack = await fetch(`${second.url}/webhdfs/v1/keep/big.bin?op=OPEN&read=true&offset=4194300&length=10`, { headers: { Authorization: `Bearer ${token}` } });
    expect(Buffer.from(await bigBack.arrayBuffer()).toString()).toBe('aaaabbbbbb');
    const acl = (await c2({ method: 'GET', path: '/keep/sub', query: 'op=MSGETACLSTATUS' })).json as { AclStatus: { entries: string[] } };
    expect(acl.AclStatus.entries).toContain('user:someone:r-x');
    const names = ((await c2({ method: 'GET', path: '/keep', query: 'op=LISTSTATUS' })).json as { FileStatuses: { FileStatus: { pathSuffix: string }[] } })
      .FileStatuses.FileStatus.map((s) => s.pathSuffix);
    expect(names).toEqual(['big.bin', 'evil-name..txt', 'sub']);
    await second.close();

    const files = await walk(location);
    expect(files.some((f) => f.includes('evil-name') || f.includes('keep'))).toBe(false);
    const blobFiles = files.filter((f) => f.startsWith(join(location, 'blobs')) && /[0-9a-f-]{36}$/.test(f));
    expect(blobFiles).toHaveLength(2);
  });

  it('lists a 100,000-entry directory completely and in order through REST paging', async () => {
    const location = join(dir, 'big');
    const now = Date.now();
    await mkdir(location, { recursive: true });
    const seed = new MetadataStore(location, { owner: GEN1_EMULATOR_ADMIN_OID, group: GEN1_EMULATOR_ADMIN_OID, now });
    const N = 100_000;
    const row = (parent: number, name: string, type: 'FILE' | 'DIRECTORY', length: number) => ({
      parent, name, type, length, blob: null, owner: GEN1_EMULATOR_ADMIN_OID, grp: GEN1_EMULATOR_ADMIN_OID,
      perm: 0o770, acl: '', mtime: now, atime: now, ctime: now, expiry: 0, lease: null, appendMode: 0,
    });
    seed.transaction(() => {
      const mid = seed.insert(row(ROOT_ID, 'mid', 'DIRECTORY', 0));
      for (let i = 0; i < 4500; i++) seed.insert(row(mid.id, `m${i}`, 'FILE', i));
      const big = seed.insert({
        parent: ROOT_ID, name: 'big', type: 'DIRECTORY', length: 0, blob: null, owner: GEN1_EMULATOR_ADMIN_OID, grp: GEN1_EMULATOR_ADMIN_OID,
        perm: 0o770, acl: '', mtime: now, atime: now, ctime: now, expiry: 0, lease: null, appendMode: 0,
      });
      // Insert in a scrambled order so the listing order comes from the index, not insertion.
      for (let i = 0; i < N; i++) {
        const k = (i * 7919) % N;
        seed.insert({
          parent: big.id, name: `f${String(k).padStart(6, '0')}`, type: 'FILE', length: k, blob: null, owner: GEN1_EMULATOR_ADMIN_OID,
          grp: GEN1_EMULATOR_ADMIN_OID, perm: 0o770, acl: '', mtime: now, atime: now, ctime: now, expiry: 0, lease: null, appendMode: 0,
        });
      }
    });
    seed.close();

    const emu = await startGen1Emulator({ location });
    try {
      const c = rawClient(emu.url, tokenFor(GEN1_EMULATOR_ADMIN_OID));
      const seen: string[] = [];
      let after = '';
      let pages = 0;
      while (true) {
        const r = await c({ method: 'GET', path: '/big', query: `op=LISTSTATUS&api-version=2018-09-01&listSize=4000&listAfter=${encodeURIComponent(after)}` });
        expect(r.status).toBe(200);
        const fss = (r.json as { FileStatuses: { continuationToken: string; FileStatus: { pathSuffix: string }[] } }).FileStatuses;
        for (const s of fss.FileStatus) seen.push(s.pathSuffix);
        pages++;
        if (fss.continuationToken === '') break;
        after = fss.continuationToken;
      }
      expect(seen).toHaveLength(N);
      expect(pages).toBe(26);
      for (let i = 0; i < N; i++) if (seen[i] !== `f${String(i).padStart(6, '0')}`) throw new Error(`entry ${i} is ${seen[i]}`);
      // Without listSize the whole directory streams in one response (several internal slices).
      const all = await c({ method: 'GET', path: '/mid', query: 'op=LISTSTATUS' });
      const mid = (all.json as { FileStatuses: { FileStatus: { pathSuffix: string }[] } }).FileStatuses.FileStatus.map((s) => s.pathSuffix);
      expect(mid).toHaveLength(4500);
      expect(mid).toEqual(mid.slice().sort());
    } finally {
      await emu.close();
    }
  });
});

describe('fault injection', () => {
  it('answers every Nth request with 503 + Retry-After + RemoteException', async () => {
    const emu = await startGen1Emulator({ inMemory: true, faults: { everyNth: 2, kind: 'status', status: 503, retryAfterSeconds: 3 } });
    try {
      const c = rawClient(emu.url, tokenFor(GEN1_EMULATOR_ADMIN_OID));
      const r1 = await c({ method: 'GET', path: '/', query: 'op=GETFILESTATUS' });
      const r2 = await c({ method: 'GET', path: '/', query: 'op=GETFILESTATUS' });
      expect(r1.status).toBe(200);
      expect(r2.status).toBe(503);
      expect(r2.headers.get('retry-after')).toBe('3');
      expect(remoteException(r2)?.exception).toBeTruthy();
    } finally {
      await emu.close();
    }
  });

  it('429 carries ThrottledException; fail-op answers 500 for that op only; reset drops the connection', async () => {
    const throttled = await startGen1Emulator({ inMemory: true, faults: { everyNth: 1, status: 429 } });
    const failing = await startGen1Emulator({ inMemory: true, faults: { failOperation: 'APPEND' } });
    const resetting = await startGen1Emulator({ inMemory: true, faults: { everyNth: 1, kind: 'reset' } });
    try {
      const token = tokenFor(GEN1_EMULATOR_ADMIN_OID);
      const t = await rawClient(throttled.url, token)({ method: 'GET', path: '/', query: 'op=GETFILESTATUS' });
      expect(t.status).toBe(429);
      expect(remoteException(t)?.exception).toBe('ThrottledException');
      const f = rawClient(failing.url, token);
      expect((await f({ method: 'PUT', path: '/x', query: 'op=CREATE&write=true', body: 'a' })).status).toBe(201);
      const a = await f({ method: 'POST', path: '/x', query: 'op=APPEND&append=true', body: 'b' });
      expect(a.status).toBe(500);
      expect(remoteException(a)?.exception).toBe('RuntimeException');
      await expect(rawClient(resetting.url, token)({ method: 'GET', path: '/', query: 'op=GETFILESTATUS' })).rejects.toThrow();
    } finally {
      await Promise.all([throttled.close(), failing.close(), resetting.close()]);
    }
  });
});
