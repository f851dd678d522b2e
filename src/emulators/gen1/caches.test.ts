/**
 * The emulator's per-request shortcuts must never show a client stale state: the metadata row cache,
 * the parsed-ACL cache, small OPEN reads from one buffer, and bearer tokens decoded once.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkBearer, GEN1_AUDIENCE, mintToken, STORAGE_AUDIENCE } from '../kit/jwt.js';
import { SMALL_READ_MAX } from './blobs.js';
import { GEN1_EMULATOR_ADMIN_OID, startGen1Emulator, type Gen1Emulator } from './index.js';
import { MetadataStore, ROOT_ID, type NewEntry } from './metadata.js';
import { rawClient, remoteException, tokenFor, type RawCall, type RawResponse } from './test-support.js';

const ALICE = '11111111-1111-4111-8111-111111111111';

function entry(parent: number, name: string, type: 'FILE' | 'DIRECTORY' = 'FILE'): NewEntry {
  return {
    parent, name, type, length: 0, blob: null, owner: 'o', grp: 'g', perm: 0o750, acl: '',
    mtime: 1, atime: 1, ctime: 1, expiry: 0, lease: null, appendMode: 0,
  };
}

describe('MetadataStore read cache', () => {
  it('answers every lookup with the row as last changed', () => {
    const meta = new MetadataStore(undefined, { owner: 'o', group: 'g', now: 1 });
    try {
      const dir = meta.insert(entry(ROOT_ID, 'd', 'DIRECTORY'));
      const file = meta.insert(entry(dir.id, 'f'));
      // Read once so both lookups are cached, then change every column family.
      expect(meta.child(dir.id, 'f')?.length).toBe(0);
      expect(meta.get(file.id)?.length).toBe(0);
      meta.setBlob(file.id, '0b0b0b0b-0000-4000-8000-000000000000', 0, 2);
      expect(meta.child(dir.id, 'f')).toMatchObject({ blob: '0b0b0b0b-0000-4000-8000-000000000000', mtime: 2 });
      meta.setLength(file.id, 10, 3, 1);
      expect(meta.get(file.id)).toMatchObject({ length: 10, mtime: 3, appendMode: 1 });
      meta.setLease(file.id, 'lease-1');
      expect(meta.child(dir.id, 'f')?.lease).toBe('lease-1');
      meta.setAccess(file.id, 0o1640, 'user::rw-,user:x:r--,group::r--,mask::r--,other::---');
      expect(meta.get(file.id)).toMatchObject({ perm: 0o1640, acl: 'user::rw-,user:x:r--,group::r--,mask::r--,other::---' });
      meta.setOwner(file.id, 'o2', 'g2');
      expect(meta.child(dir.id, 'f')).toMatchObject({ owner: 'o2', grp: 'g2' });
      meta.setTimes(file.id, 7, 8);
      expect(meta.get(file.id)).toMatchObject({ mtime: 7, atime: 8 });
      meta.setExpiry(file.id, 99);
      expect(meta.child(dir.id, 'f')?.expiry).toBe(99);
      meta.touchDir(dir.id, 42);
      expect(meta.child(ROOT_ID, 'd')?.mtime).toBe(42);
    } finally {
      meta.close();
    }
  });

  it('re-keys a moved row, forgets a removed subtree, and hands out frozen rows', () => {
    const meta = new MetadataStore(undefined, { owner: 'o', group: 'g', now: 1 });
    try {
      const a = meta.insert(entry(ROOT_ID, 'a', 'DIRECTORY'));
      const b = meta.insert(entry(ROOT_ID, 'b', 'DIRECTORY'));
      const f = meta.insert(entry(a.id, 'f'));
      const g = meta.insert(entry(a.id, 'g'));
      expect(meta.child(a.id, 'f')?.id).toBe(f.id);
      meta.move(f.id, b.id, 'moved', 5);
      expect(meta.child(a.id, 'f')).toBeUndefined();
      expect(meta.child(b.id, 'moved')).toMatchObject({ id: f.id, parent: b.id, name: 'moved', ctime: 5 });
      expect(meta.get(f.id)?.name).toBe('moved');
      expect(meta.child(a.id, 'g')?.id).toBe(g.id);
      meta.removeTree(a.id);
      expect(meta.get(a.id)).toBeUndefined();
      expect(meta.get(g.id)).toBeUndefined();
      expect(meta.child(ROOT_ID, 'a')).toBeUndefined();
      expect(meta.child(a.id, 'g')).toBeUndefined();
      const again = meta.insert(entry(ROOT_ID, 'a'));
      expect(meta.child(ROOT_ID, 'a')).toMatchObject({ id: again.id, type: 'FILE' });
      const row = meta.get(again.id);
      expect(Object.isFrozen(row)).toBe(true);
      expect(() => {
        (row as { length: number }).length = 5;
      }).toThrow(TypeError);
    } finally {
      meta.close();
    }
  });

  it('forgets what a rolled-back transaction read or changed', () => {
    const meta = new MetadataStore(undefined, { owner: 'o', group: 'g', now: 1 });
    try {
      const d = meta.insert(entry(ROOT_ID, 'd', 'DIRECTORY'));
      expect(meta.get(d.id)?.mtime).toBe(1);
      expect(() =>
        meta.transaction(() => {
          const phantom = meta.insert(entry(d.id, 'phantom'));
          expect(meta.child(d.id, 'phantom')?.id).toBe(phantom.id);
          meta.touchDir(d.id, 9);
          expect(meta.get(d.id)?.mtime).toBe(9);
          throw new Error('roll back');
        }),
      ).toThrow('roll back');
      expect(meta.child(d.id, 'phantom')).toBeUndefined();
      expect(meta.get(d.id)?.mtime).toBe(1);
    } finally {
      meta.close();
    }
  });
});

describe('a disk-backed emulator stays coherent across changes', () => {
  let dir: string;
  let emu: Gen1Emulator;
  let admin: (c: RawCall) => Promise<RawResponse>;
  let alice: (c: RawCall) => Promise<RawResponse>;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lakeshift-gen1-caches-'));
    emu = await startGen1Emulator({ location: dir });
    admin = rawClient(emu.url, tokenFor(GEN1_EMULATOR_ADMIN_OID));
    alice = rawClient(emu.url, tokenFor(ALICE));
    await admin({ method: 'PUT', path: '/', query: 'op=SETPERMISSION&permission=755' });
  });
  afterAll(async () => {
    await emu.close();
    await rm(dir, { recursive: true, force: true });
  });
  const put = (c: (x: RawCall) => Promise<RawResponse>, path: string, query: string, body?: Uint8Array | string): Promise<RawResponse> =>
    c({ method: 'PUT', path, query, ...(body === undefined ? {} : { body }) });
  const bytesOf = async (path: string, range: string): Promise<Buffer> => {
    const r = await fetch(`${emu.url}/webhdfs/v1${path}?op=OPEN&read=true${range}`, { headers: { Authorization: `Bearer ${tokenFor(GEN1_EMULATOR_ADMIN_OID)}` } });
    expect(r.status).toBe(200);
    const body = Buffer.from(await r.arrayBuffer());
    expect(r.headers.get('content-length')).toBe(String(body.length));
    return body;
  };

  it('OPEN returns exact bytes for small and large ranges, after appends, overwrites and deletes', async () => {
    const big = Buffer.alloc(SMALL_READ_MAX + 4096);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31 + 7) & 0xff;
    expect((await put(admin, '/data/big.bin', 'op=CREATE&write=true', big)).status).toBe(201);
    // Buffer.equals: a deep toEqual over a megabyte takes a minute.
    const same = async (range: string, want: Buffer): Promise<void> => {
      const got = await bytesOf('/data/big.bin', range);
      expect(got.length).toBe(want.length);
      expect(got.equals(want)).toBe(true);
    };
    await same('', big);
    await same('&offset=5&length=100', big.subarray(5, 105));
    await same(`&offset=0&length=${SMALL_READ_MAX}`, big.subarray(0, SMALL_READ_MAX));
    await same(`&offset=0&length=${SMALL_READ_MAX + 1}`, big.subarray(0, SMALL_READ_MAX + 1));
    await same(`&offset=${big.length - 10}&length=1000`, big.subarray(big.length - 10));

    await put(admin, '/data/small', 'op=CREATE&write=true', 'first');
    expect((await bytesOf('/data/small', '')).toString()).toBe('first');
    await admin({ method: 'POST', path: '/data/small', query: 'op=APPEND&append=true&offset=5', body: '+second' });
    expect((await bytesOf('/data/small', '&offset=3&length=100')).toString()).toBe('st+second');
    await put(admin, '/data/small', 'op=CREATE&write=true&overwrite=true', 'replaced');
    expect((await bytesOf('/data/small', '')).toString()).toBe('replaced');
    const status = (await admin({ method: 'GET', path: '/data/small', query: 'op=GETFILESTATUS' })).json as { FileStatus: { length: number } };
    expect(status.FileStatus.length).toBe(8);
    await admin({ method: 'DELETE', path: '/data/small', query: 'op=DELETE' });
    expect((await admin({ method: 'GET', path: '/data/small', query: 'op=OPEN&read=true' })).status).toBe(404);
    expect((await admin({ method: 'GET', path: '/data/small', query: 'op=GETFILESTATUS' })).status).toBe(404);
  });

  it('a permission or ACL change on an ancestor applies to the very next request', async () => {
    await put(admin, '/p/q/f', 'op=CREATE&write=true', 'visible');
    await put(admin, '/p', 'op=SETPERMISSION&permission=755');
    await put(admin, '/p/q', 'op=SETPERMISSION&permission=755');
    await put(admin, '/p/q/f', 'op=SETPERMISSION&permission=644');
    expect((await alice({ method: 'GET', path: '/p/q/f', query: 'op=OPEN&read=true' })).text).toBe('visible');
    await put(admin, '/p', 'op=SETPERMISSION&permission=750');
    const denied = await alice({ method: 'GET', path: '/p/q/f', query: 'op=GETFILESTATUS' });
    expect(denied.status).toBe(403);
    expect(remoteException(denied)?.exception).toBe('AccessControlException');
    await put(admin, '/p', `op=MODIFYACLENTRIES&aclspec=user:${ALICE}:--x`);
    expect((await alice({ method: 'GET', path: '/p/q/f', query: 'op=OPEN&read=true' })).text).toBe('visible');
    const acl = (await alice({ method: 'GET', path: '/p', query: 'op=GETACLSTATUS' })).json as { AclStatus: { entries: string[] } };
    expect(acl.AclStatus.entries).toEqual(['user::rwx', `user:${ALICE}:--x`, 'group::r-x', 'mask::r-x', 'other::---']);
    await put(admin, '/p', 'op=REMOVEACL');
    expect((await alice({ method: 'GET', path: '/p/q/f', query: 'op=OPEN&read=true' })).status).toBe(403);
    const after = (await admin({ method: 'GET', path: '/p', query: 'op=GETACLSTATUS' })).json as { AclStatus: { entries: string[] } };
    expect(after.AclStatus.entries).toEqual(['user::rwx', 'group::r-x', 'other::---']);
  });

  it('a renamed directory is found only under its new name; a new item may take the old one', async () => {
    await put(admin, '/r/old/f', 'op=CREATE&write=true', 'moved bytes');
    expect((await admin({ method: 'GET', path: '/r/old/f', query: 'op=GETFILESTATUS' })).status).toBe(200);
    expect((await put(admin, '/r/old', 'op=RENAME&destination=/r/new')).json).toEqual({ boolean: true });
    expect((await admin({ method: 'GET', path: '/r/old/f', query: 'op=GETFILESTATUS' })).status).toBe(404);
    expect((await admin({ method: 'GET', path: '/r/new/f', query: 'op=OPEN&read=true' })).text).toBe('moved bytes');
    await put(admin, '/r/old', 'op=CREATE&write=true', 'a file now');
    const s = (await admin({ method: 'GET', path: '/r/old', query: 'op=GETFILESTATUS' })).json as { FileStatus: { type: string; length: number } };
    expect(s.FileStatus).toMatchObject({ type: 'FILE', length: 10 });
  });
});

describe('bearer tokens are decoded once and still checked on every request', () => {
  it('a token accepted before is refused once expired, before its nbf, or for another audience', () => {
    const header = `Bearer ${mintToken({ oid: ALICE, audience: GEN1_AUDIENCE, ttlSeconds: 600 })}`;
    const audiences = [GEN1_AUDIENCE];
    const now = Date.now();
    expect(checkBearer(header, audiences, now)).toMatchObject({ ok: true, oid: ALICE });
    expect(checkBearer(header, audiences, now)).toMatchObject({ ok: true, oid: ALICE });
    expect(checkBearer(header, audiences, now + 2 * 3600_000)).toEqual({ ok: false, reason: 'The token is expired.' });
    expect(checkBearer(header, audiences, now - 2 * 3600_000)).toEqual({ ok: false, reason: 'The token is not yet valid.' });
    expect(checkBearer(header, [STORAGE_AUDIENCE], now)).toMatchObject({ ok: false });
    expect(checkBearer(header, ['HTTPS://DATALAKE.AZURE.NET'], now)).toMatchObject({ ok: true });
    // Another payload is another token, checked from scratch.
    const other = header.replace(/\.[^.]+\./, `.${Buffer.from(JSON.stringify({ aud: GEN1_AUDIENCE, exp: Math.floor(now / 1000) + 600 })).toString('base64url')}.`);
    expect(checkBearer(other, audiences, now)).toEqual({ ok: false, reason: 'The token has no oid claim.' });
    expect(checkBearer('Bearer not-a-jwt', audiences, now)).toEqual({ ok: false, reason: 'The bearer token is not a JWT.' });
    // A non-string audience is refused like any other wrong audience.
    const numericAud = header.replace(/\.[^.]+\./, `.${Buffer.from(JSON.stringify({ aud: [5], exp: Math.floor(now / 1000) + 600, oid: ALICE })).toString('base64url')}.`);
    expect(checkBearer(numericAud, audiences, now)).toEqual({ ok: false, reason: `The token audience is not ${GEN1_AUDIENCE}.` });
  });

  it('the emulator refuses a token with 401 the moment it expires', { timeout: 20_000 }, async () => {
    const emu = await startGen1Emulator({ inMemory: true });
    try {
      // Valid for the 300 s of allowed clock skew minus 297 s: about three more seconds.
      const token = mintToken({ oid: GEN1_EMULATOR_ADMIN_OID, audience: GEN1_AUDIENCE, ttlSeconds: -297 });
      const exp = Math.floor(Date.now() / 1000) - 297;
      const c = rawClient(emu.url, token);
      expect((await c({ method: 'GET', path: '/', query: 'op=GETFILESTATUS' })).status).toBe(200);
      await new Promise((r) => setTimeout(r, Math.max(0, (exp + 301) * 1000 - Date.now() + 50)));
      const late = await c({ method: 'GET', path: '/', query: 'op=GETFILESTATUS' });
      expect(late.status).toBe(401);
      expect(remoteException(late)?.exception).toBe('SecurityException');
    } finally {
      await emu.close();
    }
  });
});
