import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken, STORAGE_AUDIENCE, GEN1_AUDIENCE } from '../kit/jwt.js';
import { GEN1_EMULATOR_ADMIN_OID, startGen1Emulator, type Gen1Emulator } from './index.js';
import { rawClient, remoteException, tokenFor, type RawCall, type RawResponse } from './test-support.js';

const ALICE = '11111111-1111-4111-8111-111111111111';
const BOB = '22222222-2222-4222-8222-222222222222';
const TEAM = '33333333-3333-4333-8333-333333333333';
const ROOTISH = '44444444-4444-4444-8444-444444444444';

let emu: Gen1Emulator;
let admin: (c: RawCall) => Promise<RawResponse>;
let alice: (c: RawCall) => Promise<RawResponse>;
let bob: (c: RawCall) => Promise<RawResponse>;
let bobInTeam: (c: RawCall) => Promise<RawResponse>;

beforeAll(async () => {
  emu = await startGen1Emulator({ inMemory: true, superusers: [ROOTISH] });
  admin = rawClient(emu.url, tokenFor(GEN1_EMULATOR_ADMIN_OID));
  alice = rawClient(emu.url, tokenFor(ALICE));
  bob = rawClient(emu.url, tokenFor(BOB));
  bobInTeam = rawClient(emu.url, tokenFor(BOB, [TEAM]));
  // Root is 770 (admin-only) by default: open traversal so other callers can reach their folders.
  await admin({ method: 'PUT', path: '/', query: 'op=SETPERMISSION&permission=0755' });
  // A world-traversable home for alice.
  await admin({ method: 'PUT', path: '/home', query: 'op=MKDIRS&permission=0755' });
  await admin({ method: 'PUT', path: '/home/alice', query: 'op=MKDIRS&permission=0755' });
  await admin({ method: 'PUT', path: '/home/alice', query: `op=SETOWNER&owner=${ALICE}` });
});
afterAll(async () => {
  await emu.close();
});

const acl = async (c: (x: RawCall) => Promise<RawResponse>, path: string, op = 'MSGETACLSTATUS'): Promise<Record<string, unknown>> =>
  ((await c({ method: 'GET', path, query: `op=${op}` })).json as { AclStatus: Record<string, unknown> }).AclStatus;
const put = (c: (x: RawCall) => Promise<RawResponse>, path: string, query: string, body?: string): Promise<RawResponse> =>
  c({ method: 'PUT', path, query, ...(body === undefined ? {} : { body }) });

describe('authentication', () => {
  const cases: [string, string | null][] = [
    ['missing', null],
    ['not a bearer token', 'abc'],
    ['expired', mintToken({ oid: ALICE, audience: GEN1_AUDIENCE, ttlSeconds: -3600 })],
    ['wrong audience', mintToken({ oid: ALICE, audience: STORAGE_AUDIENCE })],
  ];
  for (const [what, token] of cases) {
    it(`${what} token → 401 SecurityException`, async () => {
      const r = await admin({ method: 'GET', path: '/', query: 'op=GETFILESTATUS', token });
      expect(r.status).toBe(401);
      expect(remoteException(r)).toMatchObject({ exception: 'SecurityException', javaClassName: 'java.lang.SecurityException' });
      expect(r.text).not.toContain(token ?? '\u0000');
    });
  }
});

describe('ACL operations', () => {
  it('MSGETACLSTATUS and GETACLSTATUS return the full list, owner, group, permission, stickyBit in order', async () => {
    await put(admin, '/acl/f', 'op=CREATE&write=true', 'x');
    for (const op of ['MSGETACLSTATUS', 'GETACLSTATUS']) {
      const s = await acl(admin, '/acl/f', op);
      expect(Object.keys(s)).toEqual(['entries', 'owner', 'group', 'permission', 'stickyBit']);
      expect(s).toMatchObject({ entries: ['user::rwx', 'group::rwx', 'other::---'], permission: '770', stickyBit: false });
    }
  });

  it('SETACL adds the mask, sets aclBit; MODIFY/REMOVE entries keep the mask; REMOVEACL restores base', async () => {
    expect((await put(admin, '/acl/f', `op=SETACL&aclSpec=user::rwx,group::r-x,other::---,user:${ALICE}:rw-`)).status).toBe(200);
    expect((await acl(admin, '/acl/f')).entries).toEqual(['user::rwx', `user:${ALICE}:rw-`, 'group::r-x', 'mask::rwx', 'other::---']);
    const fs = ((await admin({ method: 'GET', path: '/acl/f', query: 'op=GETFILESTATUS' })).json as { FileStatus: { aclBit: boolean; permission: string } }).FileStatus;
    expect(fs).toMatchObject({ aclBit: true, permission: '770' });
    await put(admin, '/acl/f', `op=MODIFYACLENTRIES&aclspec=group:${TEAM}:r--,user:${ALICE}:r--`);
    expect((await acl(admin, '/acl/f')).entries).toEqual(['user::rwx', `user:${ALICE}:r--`, 'group::r-x', `group:${TEAM}:r--`, 'mask::r-x', 'other::---']);
    await put(admin, '/acl/f', `op=REMOVEACLENTRIES&aclspec=user:${ALICE},group:${TEAM}`);
    expect((await acl(admin, '/acl/f')).entries).toEqual(['user::rwx', 'group::r-x', 'mask::r-x', 'other::---']);
    await put(admin, '/acl/f', 'op=REMOVEACL');
    const s = await acl(admin, '/acl/f');
    expect(s).toMatchObject({ entries: ['user::rwx', 'group::r-x', 'other::---'], permission: '750' });
  });

  it('default ACLs: SETACL on a directory, inheritance with umask 007, REMOVEDEFAULTACL', async () => {
    await put(admin, '/acl/d', 'op=MKDIRS');
    await put(admin, '/acl/d', `op=SETACL&aclspec=default:user::rwx,default:group::r-x,default:other::r-x,default:user:${ALICE}:rwx`);
    const d = await acl(admin, '/acl/d');
    expect(d.entries).toEqual(['user::rwx', 'group::rwx', 'other::---', 'default:user::rwx', `default:user:${ALICE}:rwx`, 'default:group::r-x', 'default:mask::rwx', 'default:other::r-x']);
    await put(admin, '/acl/d/child', 'op=CREATE&write=true', 'c');
    const c = await acl(admin, '/acl/d/child');
    // Inherited from the default ACL; the 007 umask strips all `other` bits.
    expect(c.entries).toEqual(['user::rwx', `user:${ALICE}:rwx`, 'group::r-x', 'mask::rwx', 'other::---']);
    await put(admin, '/acl/d/sub', 'op=MKDIRS');
    expect((await acl(admin, '/acl/d/sub')).entries).toContain(`default:user:${ALICE}:rwx`);
    await put(admin, '/acl/d', 'op=REMOVEDEFAULTACL');
    expect((await acl(admin, '/acl/d')).entries).toEqual(['user::rwx', 'group::rwx', 'other::---']);
    const onFile = await put(admin, '/acl/d/child', 'op=SETACL&aclspec=default:user::rwx,default:group::---,default:other::---');
    expect(onFile.status).toBe(400);
  });

  it('malformed aclspec → 400 IllegalArgumentException naming the entry', async () => {
    const bad: [string, string][] = [
      ['user::rwz', 'user::rwz'],
      ['user::rwx,bogus::rwx', 'bogus::rwx'],
      ['user::rwx,other:someone:r--', 'other:someone:r--'],
      ['user::rwx,group::r-x,other::---,user:x:r--,user:x:rw-', 'user:x:rw-'],
      ['user::rw', 'user::rw'],
    ];
    for (const [spec, named] of bad) {
      const r = await put(admin, '/acl/f', `op=SETACL&aclspec=${encodeURIComponent(spec)}`);
      expect(r.status, spec).toBe(400);
      expect(remoteException(r)?.exception).toBe('IllegalArgumentException');
      expect(remoteException(r)?.message).toContain(named);
    }
    const missingBase = await put(admin, '/acl/f', `op=SETACL&aclspec=${encodeURIComponent(`user::rwx,user:${ALICE}:r--`)}`);
    expect(missingBase.status).toBe(400);
    expect(remoteException(missingBase)?.message).toContain('group::');
    const tooMany = ['user::rwx', 'group::r-x', 'other::---', ...Array.from({ length: 30 }, (_, i) => `user:u${i}:r--`)].join(',');
    const r = await put(admin, '/acl/f', `op=SETACL&aclspec=${encodeURIComponent(tooMany)}`);
    expect(r.status).toBe(400);
    expect(remoteException(r)?.message).toContain('32');
    expect((await put(admin, '/acl/f', 'op=SETACL')).status).toBe(400);
    expect((await put(admin, '/acl/f', 'op=REMOVEACLENTRIES&aclspec=user::')).status).toBe(400);
  });
});

describe('permissions for non-superusers', () => {
  it('an ordinary caller is denied with 403 AccessControlException (traverse, read, write)', async () => {
    await put(admin, '/secret/inner', 'op=MKDIRS');
    await put(admin, '/secret/inner/f', 'op=CREATE&write=true', 'top secret');
    const traverse = await bob({ method: 'GET', path: '/secret/inner/f', query: 'op=GETFILESTATUS' });
    expect(traverse.status).toBe(403);
    expect(remoteException(traverse)).toMatchObject({ exception: 'AccessControlException', javaClassName: 'org.apache.hadoop.security.AccessControlException' });
    expect(remoteException(traverse)?.message).toContain('0x83090aa2');
    expect((await bob({ method: 'GET', path: '/secret/inner/f', query: 'op=OPEN&read=true' })).status).toBe(403);
    expect((await bob({ method: 'PUT', path: '/secret/x', query: 'op=MKDIRS' })).status).toBe(403);
    expect((await bob({ method: 'DELETE', path: '/secret', query: 'op=DELETE&recursive=true' })).status).toBe(403);
    expect((await bob({ method: 'GET', path: '/secret', query: 'op=LISTSTATUS' })).status).toBe(403);
  });

  it('named user and group entries (groups claim) grant access, limited by the mask', async () => {
    await put(admin, '/shared', 'op=MKDIRS');
    await put(admin, '/shared/doc', 'op=CREATE&write=true', 'doc');
    await put(admin, '/shared', `op=MODIFYACLENTRIES&aclspec=user:${ALICE}:r-x,group:${TEAM}:r-x`);
    await put(admin, '/shared/doc', `op=MODIFYACLENTRIES&aclspec=group:${TEAM}:rw-`);
    expect((await alice({ method: 'GET', path: '/shared', query: 'op=LISTSTATUS' })).status).toBe(200);
    expect((await bob({ method: 'GET', path: '/shared', query: 'op=LISTSTATUS' })).status).toBe(403);
    expect((await bobInTeam({ method: 'GET', path: '/shared/doc', query: 'op=OPEN&read=true' })).text).toBe('doc');
    expect((await bobInTeam({ method: 'POST', path: '/shared/doc', query: 'op=APPEND&append=true', body: '!' })).status).toBe(200);
    await put(admin, '/shared/doc', 'op=SETPERMISSION&permission=0740');
    const masked = await bobInTeam({ method: 'POST', path: '/shared/doc', query: 'op=APPEND&append=true', body: '?' });
    expect(masked.status).toBe(403);
    expect((await acl(admin, '/shared/doc')).entries).toContain('mask::r--');
  });

  it('CHECKACCESS: 200 when granted, 403 when not, 400 for a bad fsaction', async () => {
    expect((await alice({ method: 'GET', path: '/shared', query: 'op=CHECKACCESS&fsaction=r-x' })).status).toBe(200);
    const denied = await alice({ method: 'GET', path: '/shared', query: 'op=CHECKACCESS&fsaction=-w-' });
    expect(denied.status).toBe(403);
    expect(remoteException(denied)?.exception).toBe('AccessControlException');
    expect((await alice({ method: 'GET', path: '/shared', query: 'op=CHECKACCESS&fsaction=rwq' })).status).toBe(400);
    expect((await admin({ method: 'GET', path: '/shared', query: 'op=CHECKACCESS&fsaction=rwx' })).status).toBe(200);
  });

  it('SETOWNER is superuser-only (configured superusers included); SETPERMISSION/SETACL owner-only', async () => {
    const r = await put(alice, '/home/alice', `op=SETOWNER&owner=${BOB}`);
    expect(r.status).toBe(403);
    expect(remoteException(r)?.exception).toBe('AccessControlException');
    expect((await put(bob, '/home/alice', 'op=SETPERMISSION&permission=777')).status).toBe(403);
    expect((await put(bob, '/home/alice', 'op=SETACL&aclspec=user::rwx,group::rwx,other::rwx')).status).toBe(403);
    expect((await put(alice, '/home/alice', 'op=SETPERMISSION&permission=1777')).status).toBe(200);
    const super1 = rawClient(emu.url, tokenFor(ROOTISH));
    expect((await put(super1, '/home/alice/x', 'op=MKDIRS')).status).toBe(200);
    expect((await put(super1, '/home/alice/x', `op=SETOWNER&owner=${BOB}&group=${TEAM}`)).status).toBe(200);
    expect(await acl(admin, '/home/alice/x')).toMatchObject({ owner: BOB, group: TEAM });
  });

  it('SETOWNER as a non-superuser owner: only groups it belongs to, never another owner, never as a non-owner', async () => {
    await put(admin, '/own', 'op=MKDIRS&permission=0755');
    await put(admin, '/own/b', `op=MKDIRS&permission=0755`);
    await put(admin, '/own/b', `op=SETOWNER&owner=${BOB}`);
    const current = String((await acl(admin, '/own/b')).group);
    // Owner and group "unchanged", but bob is not a member of the current group: refused, as on Gen1/HDFS.
    for (const query of [`op=SETOWNER&owner=${BOB}&group=${current}`, `op=SETOWNER&group=${current}`, `op=SETOWNER&group=${TEAM}`, `op=SETOWNER&owner=${ALICE}`]) {
      const r = await put(bob, '/own/b', query);
      expect(r.status, query).toBe(403);
      expect(remoteException(r)?.exception).toBe('AccessControlException');
    }
    expect((await put(bobInTeam, '/own/b', `op=SETOWNER&owner=${ALICE}&group=${TEAM}`)).status).toBe(403);
    // A member of TEAM (groups claim) may set it, naming itself as owner or not.
    expect((await put(bobInTeam, '/own/b', `op=SETOWNER&owner=${BOB}&group=${TEAM}`)).status).toBe(200);
    expect(await acl(admin, '/own/b')).toMatchObject({ owner: BOB, group: TEAM });
    expect((await put(bob, '/own/b', `op=SETOWNER&group=${BOB}`)).status).toBe(200);
    // Not the owner: refused even for a group the caller belongs to.
    expect((await put(alice, '/own/b', `op=SETOWNER&group=${ALICE}`)).status).toBe(403);
    expect(await acl(admin, '/own/b')).toMatchObject({ owner: BOB, group: BOB });
  });

  it('sticky bit: permission 1777 shows as "1777"; only owners may delete or rename children', async () => {
    const s = await acl(admin, '/home/alice');
    expect(s).toMatchObject({ permission: '1777', stickyBit: true });
    await put(alice, '/home/alice/alices', 'op=CREATE&write=true', 'a');
    await put(bob, '/home/alice/bobs', 'op=CREATE&write=true', 'b');
    const del = await bob({ method: 'DELETE', path: '/home/alice/alices', query: 'op=DELETE' });
    expect(del.status).toBe(403);
    expect((await put(bob, '/home/alice/alices', 'op=RENAME&destination=/home/alice/stolen')).status).toBe(403);
    expect((await bob({ method: 'DELETE', path: '/home/alice/bobs', query: 'op=DELETE' })).json).toEqual({ boolean: true });
    expect((await alice({ method: 'DELETE', path: '/home/alice/alices', query: 'op=DELETE' })).json).toEqual({ boolean: true });
    const fs = ((await admin({ method: 'GET', path: '/home/alice', query: 'op=GETFILESTATUS' })).json as { FileStatus: { permission: string } }).FileStatus;
    expect(fs.permission).toBe('1777');
  });

  it('new items are owned by the caller with the parent\'s group', async () => {
    await put(alice, '/home/alice/mine', 'op=CREATE&write=true', 'm');
    const s = await acl(admin, '/home/alice/mine');
    expect(s).toMatchObject({ owner: ALICE, group: GEN1_EMULATOR_ADMIN_OID });
  });
});
