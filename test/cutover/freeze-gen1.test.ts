import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freezeTree } from '../../src/cutover/freeze/freeze.js';
import { resolveOpenFreeze, unfreezeTree } from '../../src/cutover/freeze/unfreeze.js';
import { GEN1_EMULATOR_ADMIN_OID, startGen1Emulator, type Gen1Emulator } from '../../src/emulators/gen1/index.js';
import { rawClient, tokenFor, type RawCall, type RawResponse } from '../../src/emulators/gen1/test-support.js';
import { openSqliteJobDb, type JobDb } from '../../src/state/db.js';
import type { Store } from '../../src/core/store.js';
import { openGen1 } from '../migrate-helpers.js';

// Freeze through the Gen1 emulator: writes by non-superusers (owner, named ACL user, group member,
// other) are refused afterwards, a superuser still writes, and unfreeze restores every mode and ACL
// exactly, compared through raw GETACLSTATUS calls (not lakeshift's client).
const ALICE = '11111111-1111-4111-8111-111111111111';
const BOB = '22222222-2222-4222-8222-222222222222';
const TEAM = '33333333-3333-4333-8333-333333333333';
const CAROL = '55555555-5555-4555-8555-555555555555';
const SUPER = '44444444-4444-4444-8444-444444444444';

type Raw = (c: RawCall) => Promise<RawResponse>;
let emu: Gen1Emulator;
let admin: Raw;
let dir: string;
let jobDb: JobDb;
let store: Store;

const put = (c: Raw, path: string, query: string, body?: string): Promise<RawResponse> => c({ method: 'PUT', path, query, ...(body === undefined ? {} : { body }) });

async function allPaths(): Promise<string[]> {
  const out = ['/lake'];
  for await (const page of store.list('', { recursive: true })) for (const e of page) if (e.path !== '') out.push(`/lake/${e.path}`);
  return out;
}

/** Raw GETACLSTATUS of every path: entries, permission and sticky bit exactly as the service says. */
async function snapshot(): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const p of await allPaths()) out[p] = ((await admin({ method: 'GET', path: encodeURI(p), query: 'op=GETACLSTATUS' })).json as { AclStatus: unknown }).AclStatus;
  return out;
}

async function exists(path: string): Promise<boolean> {
  return (await admin({ method: 'GET', path, query: 'op=GETFILESTATUS' })).status === 200;
}

/** Write attempts by non-superusers, each allowed by the tree as seeded: status codes. */
async function writes(tag: string): Promise<Record<string, number>> {
  const alice = rawClient(emu.url, tokenFor(ALICE));
  const bob = rawClient(emu.url, tokenFor(BOB));
  const team = rawClient(emu.url, tokenFor(CAROL, [TEAM]));
  const carol = rawClient(emu.url, tokenFor(CAROL));
  return {
    'owner creates': (await put(alice, `/lake/alice/new-${tag}.txt`, 'op=CREATE&write=true', 'a')).status,
    'owner appends': (await alice({ method: 'POST', path: '/lake/alice/data.csv', query: 'op=APPEND&append=true', body: 'more' })).status,
    'named user creates': (await put(bob, `/lake/shared/bob-${tag}.txt`, 'op=CREATE&write=true', 'b')).status,
    'named user overwrites': (await put(bob, '/lake/shared/report.csv', 'op=CREATE&write=true&overwrite=true', 'b')).status,
    'group member makes a directory': (await put(team, `/lake/team/d-${tag}`, 'op=MKDIRS')).status,
    'other deletes': (await carol({ method: 'DELETE', path: `/lake/open/scratch-${tag}.txt`, query: 'op=DELETE' })).status,
    'other renames': (await put(carol, `/lake/open/keep-${tag}.txt`, `op=RENAME&destination=/lake/open/kept-${tag}.txt`)).status,
  };
}

beforeAll(async () => {
  emu = await startGen1Emulator({ port: 0, inMemory: true, superusers: [SUPER] });
  admin = rawClient(emu.url, tokenFor(GEN1_EMULATOR_ADMIN_OID));
  await put(admin, '/', 'op=SETPERMISSION&permission=0755');
  await put(admin, '/lake', 'op=MKDIRS&permission=0755');
  await put(admin, '/lake/alice', 'op=MKDIRS&permission=0755');
  await put(admin, '/lake/alice/data.csv', 'op=CREATE&write=true&permission=644', 'id\n');
  await put(admin, '/lake/alice/data.csv', `op=SETOWNER&owner=${ALICE}`);
  await put(admin, '/lake/alice', `op=SETOWNER&owner=${ALICE}`);
  await put(admin, '/lake/shared', 'op=MKDIRS&permission=0750');
  await put(admin, '/lake/shared', `op=SETACL&aclspec=user::rwx,user:${BOB}:rwx,group::r-x,mask::rwx,other::r-x,default:user::rwx,default:user:${BOB}:rwx,default:group::r-x,default:mask::rwx,default:other::---`);
  await put(admin, '/lake/shared/report.csv', 'op=CREATE&write=true', 'r');
  await put(admin, '/lake/shared/report.csv', `op=SETACL&aclspec=user::rw-,user:${BOB}:rw-,group::r--,mask::rw-,other::r--`);
  await put(admin, '/lake/team', 'op=MKDIRS&permission=0775');
  await put(admin, '/lake/team', `op=SETOWNER&group=${TEAM}`);
  await put(admin, '/lake/open', 'op=MKDIRS&permission=1777');
  for (const tag of ['before', 'frozen', 'after']) {
    for (const name of [`scratch-${tag}.txt`, `keep-${tag}.txt`]) {
      await put(admin, `/lake/open/${name}`, 'op=CREATE&write=true&permission=666', 's');
      await put(admin, `/lake/open/${name}`, `op=SETOWNER&owner=${CAROL}`);
    }
  }
  await put(admin, '/lake/readonly', 'op=MKDIRS&permission=0555');
  dir = mkdtempSync(join(tmpdir(), 'lakeshift-freeze-gen1-'));
  jobDb = await openSqliteJobDb(dir);
  store = openGen1(emu.url, 'lake');
});
afterAll(async () => {
  await jobDb?.close();
  await store?.close();
  await emu?.close();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe('cutover freeze through the Gen1 emulator', () => {
  it('refuses every non-superuser write after freeze, lets a superuser write, and unfreeze restores every mode and ACL exactly', async () => {
    const before = await snapshot();
    const open = await writes('before');
    expect(Object.values(open).every((s) => s === 200 || s === 201), JSON.stringify(open)).toBe(true);
    expect(await exists('/lake/open/scratch-before.txt')).toBe(false);
    const seeded = await snapshot();

    const report = await freezeTree(store, { jobDb });
    expect(report).toMatchObject({ state: 'frozen', failures: [] });
    expect(report.changed).toBeGreaterThan(5);
    const frozen = await writes('frozen');
    expect(frozen).toEqual(Object.fromEntries(Object.keys(frozen).map((k) => [k, 403])));
    expect(await exists('/lake/open/scratch-frozen.txt')).toBe(true);
    expect(await exists('/lake/open/keep-frozen.txt')).toBe(true);
    const superuser = rawClient(emu.url, tokenFor(SUPER));
    expect((await put(superuser, '/lake/shared/by-superuser.txt', 'op=CREATE&write=true', 's')).status).toBe(201);
    expect((await superuser({ method: 'DELETE', path: '/lake/shared/by-superuser.txt', query: 'op=DELETE' })).status).toBe(200);
    expect((await freezeTree(store, { jobDb })).changed).toBe(0);

    const undo = await unfreezeTree(store, await resolveOpenFreeze(jobDb, store.displayUri), { jobDb });
    expect(undo.state).toBe('unfrozen');
    expect(undo.counts.restored).toBe(report.changed);
    expect(await snapshot()).toEqual(seeded);
    const again = await writes('after');
    expect(Object.values(again).every((s) => s === 200 || s === 201), JSON.stringify(again)).toBe(true);
    expect(await exists('/lake/open/kept-after.txt')).toBe(true);
    expect(Object.keys(before).length).toBeGreaterThan(8);
  });
});

describe('cutover freeze of a seeded lake through the Gen1 emulator', () => {
  it('restores every mode and ACL of the seeded lake exactly (large ACLs, default ACLs, sticky bits, awkward names)', async () => {
    const { seedLake } = await import('../../src/seed/index.js');
    const lake = openGen1(emu.url, 'seeded');
    try {
      await lake.mkdir('');
      const seeded = await seedLake(lake, { profile: 'small', concurrency: 8 });
      expect(seeded.aclPaths.length).toBeGreaterThan(0);
      const snap = async (): Promise<Map<string, unknown>> => {
        const out = new Map<string, unknown>();
        const paths = [''];
        for await (const page of lake.list('', { recursive: true })) for (const e of page) if (e.path !== '') paths.push(e.path);
        for (const p of paths) {
          const full = `/seeded${p === '' ? '' : `/${p}`}`;
          const r = await admin({ method: 'GET', path: full.split('/').map(encodeURIComponent).join('/'), query: 'op=GETACLSTATUS' });
          out.set(p, r.json);
        }
        return out;
      };
      const before = await snap();
      const report = await freezeTree(lake, { jobDb, concurrency: 8 });
      expect(report).toMatchObject({ state: 'frozen', failed: 0 });
      const frozen = await snap();
      for (const [p, s] of frozen) {
        const status = (s as { AclStatus: { permission: string; entries: string[] } }).AclStatus;
        expect(Number.parseInt(status.permission, 8) & 0o222, p).toBe(0);
        expect(status.entries.filter((e) => !e.startsWith('default:') && /^[^:]*:[^:]*:.w.$/.test(e)), p).toEqual([]);
      }
      const undo = await unfreezeTree(lake, await resolveOpenFreeze(jobDb, lake.displayUri), { jobDb, concurrency: 8 });
      expect(undo).toMatchObject({ state: 'unfrozen', counts: { restored: report.changed, failed: 0, conflict: 0 } });
      expect(await snap()).toEqual(before);
    } finally {
      await lake.close();
    }
  }, 60_000);
});
