import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AccountSASPermissions, AccountSASResourceTypes, AccountSASServices, DataLakeFileSystemClient, FileSystemSASPermissions, StorageSharedKeyCredential,
  generateAccountSASQueryParameters, generateDataLakeSASQueryParameters,
} from '@azure/storage-file-datalake';
import { startGen2Emulator, DEV_ACCOUNT, DEV_ACCOUNT_KEY, type Gen2Emulator } from '../../emulators/gen2/index.js';
import { comparePaths, isStorageError, parseLocation, type Gen2Location, type Store, type StorageErrorCode } from '../../core/index.js';
import { createGen2Store, type Gen2StoreOptions } from './index.js';

function bytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed * 7) & 0xff;
  return out;
}

async function put(store: Store, path: string, data: Uint8Array, chunk: number): Promise<void> {
  const w = await store.createWriter(path);
  const offsets: number[] = [];
  for (let o = 0; o < data.length; o += chunk) offsets.push(o);
  await Promise.all(offsets.reverse().map((o) => w.write(o, data.subarray(o, Math.min(data.length, o + chunk)))));
  await w.commit({ size: data.length });
}

async function read(store: Store, path: string): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const p of await store.openRead(path)) parts.push(p);
  return Buffer.concat(parts);
}

async function all(store: Store, path: string, recursive: boolean, pageSize?: number): Promise<string[]> {
  const out: string[] = [];
  for await (const page of store.list(path, { recursive, ...(pageSize === undefined ? {} : { pageSize }) })) out.push(...page.map((e) => e.path));
  return out;
}

async function codeOf(op: () => Promise<unknown>): Promise<StorageErrorCode | string> {
  try {
    await op();
  } catch (e) {
    return isStorageError(e) ? e.code : String(e);
  }
  return 'no error';
}

function locationOf(emulator: Gen2Emulator, fs: string, path = ''): Gen2Location {
  return parseLocation(`${emulator.url}/${DEV_ACCOUNT}/${fs}${path === '' ? '' : `/${path}`}`) as Gen2Location;
}

function newFs(): string {
  return `t-${randomUUID().slice(0, 12)}`;
}

describe('Gen2 store over the emulator', () => {
  let emulator: Gen2Emulator;
  beforeAll(async () => {
    emulator = await startGen2Emulator({ port: 0, inMemory: true });
  });
  afterAll(async () => {
    await emulator.close();
  });
  const open = (fs: string, options: Gen2StoreOptions = {}, path = ''): Store => createGen2Store(locationOf(emulator, fs, path), { retryDelayMs: 5, ...options });

  it('makes nothing visible before commit: neither in listings nor to a HEAD', async () => {
    const fs = newFs();
    const store = open(fs);
    await store.mkdir('dir');
    const w = await store.createWriter('dir/file.bin');
    await w.write(0, bytes(1000, 1));
    expect(await all(store, 'dir', false)).toEqual([]);
    expect(await all(store, '', true)).toEqual(['dir']);
    expect(await codeOf(() => store.stat('dir/file.bin'))).toBe('not-found');
    const raw = new DataLakeFileSystemClient(`${emulator.url}/${DEV_ACCOUNT}/${fs}`, new StorageSharedKeyCredential(DEV_ACCOUNT, DEV_ACCOUNT_KEY));
    expect(await raw.getFileClient('dir/file.bin').exists()).toBe(false);
    const entry = await w.commit({ size: 1000 });
    expect(entry).toMatchObject({ path: 'dir/file.bin', kind: 'file', size: 1000 });
    expect(await all(store, 'dir', false)).toEqual(['dir/file.bin']);
    expect(await raw.getFileClient('dir/file.bin').exists()).toBe(true);
    // The staging name never shows up, even to a raw recursive listing after commit.
    const rawNames: string[] = [];
    for await (const p of raw.listPaths({ recursive: true })) rawNames.push(p.name ?? '');
    expect(rawNames.sort()).toEqual(['dir', 'dir/file.bin']);
  });

  it('lists recursively in walk order, so "a/b" comes before "a b", across small pages', async () => {
    const store = open(newFs(), {}, 'base');
    for (const p of ['a b', 'a/b', 'a/c/d', 'a0', 'a/c/e', 'a.txt', 'b']) await put(store, p, bytes(3, 1), 2);
    await store.mkdir('a/empty');
    const listed = await all(store, '', true, 2);
    const expected = ['a', 'a b', 'a.txt', 'a/b', 'a/c', 'a/c/d', 'a/c/e', 'a/empty', 'a0', 'b'].sort(comparePaths);
    expect(listed).toEqual(expected);
    expect(listed.indexOf('a/b')).toBeLessThan(listed.indexOf('a b'));
    expect(await all(store, 'a', false, 1)).toEqual(['a/b', 'a/c', 'a/empty']);
  });

  it('maps service errors to store codes end to end', async () => {
    const store = open(newFs());
    await put(store, 'd/f', bytes(10, 2), 4);
    expect(await codeOf(() => store.stat('nope'))).toBe('not-found');
    expect(await codeOf(async () => { for await (const _ of store.list('nope')) { /* drain */ } })).toBe('not-found');
    expect(await codeOf(() => store.mkdir('d/f'))).toBe('already-exists');
    expect(await codeOf(() => store.remove('d'))).toBe('not-empty');
    expect(await codeOf(() => store.rename('d/f', 'd'))).toBe('already-exists');
    expect(await codeOf(() => store.openRead('d/f', { offset: 11 }))).toBe('invalid-argument');
    expect(await codeOf(() => store.createWriter('bad./x'))).toBe('invalid-argument');
    const w = await store.createWriter('d/g');
    await w.write(0, bytes(5, 1));
    expect(await codeOf(() => w.commit({ size: 6 }))).toBe('integrity-mismatch');
    expect(await codeOf(() => store.stat('d/g'))).toBe('not-found');
  });

  it('fails fast with auth-failed for a wrong key and not-found for a missing filesystem', async () => {
    const wrongKey = createGen2Store(locationOf(emulator, newFs()), { accountKey: Buffer.alloc(64, 1).toString('base64'), retryDelayMs: 5 });
    const started = Date.now();
    expect(await codeOf(() => wrongKey.checkConnectivity())).toBe('auth-failed');
    expect(Date.now() - started).toBeLessThan(5000);
    const missing = createGen2Store(locationOf(emulator, newFs()), { createFilesystem: false });
    const err = await missing.checkConnectivity().catch((e: unknown) => e);
    expect(isStorageError(err, 'not-found')).toBe(true);
    expect(String((err as Error).message)).toContain('does not exist');
  });

  it('reads and sets the ACL, owner and properties of the filesystem root itself', async () => {
    const store = open(newFs());
    await store.mkdir('');
    expect(await store.stat('')).toMatchObject({ path: '', kind: 'directory' });
    const entries = [
      { scope: 'access', type: 'user', id: '', perms: 7 }, { scope: 'access', type: 'user', id: '1111aaaa-0000-0000-0000-000000000001', perms: 5 },
      { scope: 'access', type: 'group', id: '', perms: 5 }, { scope: 'access', type: 'mask', id: '', perms: 5 }, { scope: 'access', type: 'other', id: '', perms: 0 },
      { scope: 'default', type: 'user', id: '', perms: 7 }, { scope: 'default', type: 'group', id: '', perms: 5 }, { scope: 'default', type: 'other', id: '', perms: 0 },
    ] as const;
    await store.setAcl('', entries.map((e) => ({ ...e })));
    await store.setOwner('', 'owner-oid', 'group-oid');
    const acl = await store.getAcl('');
    expect(acl).toMatchObject({ owner: 'owner-oid', group: 'group-oid', permissions: 0o750 });
    expect(acl.entries).toEqual(expect.arrayContaining(entries.map((e) => ({ ...e }))));
    await store.setProperties('', { lakeshift_root: 'yes', 'Mixed-Case key': 'välue' });
    expect(await store.getProperties('')).toEqual({ lakeshift_root: 'yes', 'Mixed-Case key': 'välue' });
  });

  it('sets owner, group and ACL or mode through setAccessControl; a move with overwrite still replaces a file', async () => {
    const store = open(newFs());
    await put(store, 'd/f', bytes(10, 1), 10);
    await put(store, 'd/g', bytes(10, 2), 10);
    const setAccessControl = store.setAccessControl?.bind(store);
    expect(setAccessControl).toBeDefined();
    if (setAccessControl === undefined) return;
    const named = { scope: 'access', type: 'user', id: '1111aaaa-0000-0000-0000-000000000002', perms: 6 } as const;
    const base = [
      { scope: 'access', type: 'user', id: '', perms: 6 }, { ...named },
      { scope: 'access', type: 'group', id: '', perms: 4 }, { scope: 'access', type: 'mask', id: '', perms: 6 }, { scope: 'access', type: 'other', id: '', perms: 0 },
    ] as const;
    await setAccessControl('d/f', { owner: 'o-1', group: 'g-1', entries: base.map((e) => ({ ...e })) });
    const f = await store.getAcl('d/f');
    expect(f).toMatchObject({ owner: 'o-1', group: 'g-1', permissions: 0o660 });
    expect(f.entries).toEqual(expect.arrayContaining([{ ...named }]));
    await setAccessControl('d/g', { owner: 'o-2', group: 'g-2', permissions: 0o604 });
    expect(await store.getAcl('d/g')).toMatchObject({ owner: 'o-2', group: 'g-2', permissions: 0o604 });
    await setAccessControl('d', { entries: [
      { scope: 'access', type: 'user', id: '', perms: 7 }, { scope: 'access', type: 'group', id: '', perms: 5 }, { scope: 'access', type: 'other', id: '', perms: 5 },
    ], permissions: 0o1755 });
    expect((await store.getAcl('d')).permissions).toBe(0o1755);
    await setAccessControl('d/g', { group: 'g-3' });
    expect(await store.getAcl('d/g')).toMatchObject({ owner: 'o-2', group: 'g-3', permissions: 0o604 });
    await store.rename('d/g', 'd/f', { overwrite: true });
    expect((await read(store, 'd/f')).equals(Buffer.from(bytes(10, 2)))).toBe(true);
    await store.mkdir('d/sub');
    expect(await codeOf(() => store.rename('d/f', 'd/sub', { overwrite: true }))).toBe('already-exists');
    await store.rename('d/f', 'd/new', { overwrite: true });
    expect((await store.stat('d/new')).size).toBe(10);
  });

  it('works with an account SAS, a filesystem SAS and a connection string', async () => {
    const fs = newFs();
    const key = new StorageSharedKeyCredential(DEV_ACCOUNT, DEV_ACCOUNT_KEY);
    const accountSas = generateAccountSASQueryParameters({
      expiresOn: new Date(Date.now() + 3600_000),
      permissions: AccountSASPermissions.parse('rwdlacup'),
      resourceTypes: AccountSASResourceTypes.parse('sco').toString(),
      services: AccountSASServices.parse('b').toString(),
    }, key).toString();
    const viaAccountSas = open(fs, { sas: accountSas });
    await viaAccountSas.mkdir('x/made-with-account-sas');
    expect(await all(viaAccountSas, 'x', false)).toEqual(['x/made-with-account-sas']);
    // Commit renames the staged file, and renames need the 'm' (move) letter only a service SAS carries.
    const fsSas = generateDataLakeSASQueryParameters({
      fileSystemName: fs, expiresOn: new Date(Date.now() + 3600_000), permissions: FileSystemSASPermissions.parse('racwdlm'),
    }, key).toString();
    const viaFsSas = open(fs, { sas: fsSas });
    await put(viaFsSas, 'x/y.txt', bytes(100, 3), 33);
    await viaFsSas.rename('x/y.txt', 'x/z.txt');
    const viaConn = open(fs, { connectionString: `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_ACCOUNT_KEY}` });
    expect((await read(viaConn, 'x/z.txt')).equals(Buffer.from(bytes(100, 3)))).toBe(true);
    const wrongSas = open(fs, { sas: fsSas.replace(/sig=[^&]+/, 'sig=AAAA') });
    expect(await codeOf(() => wrongSas.stat('x/z.txt'))).toBe('auth-failed');
  });
});

describe.each([
  ['503 with Retry-After 0', { everyNth: 3, kind: 'status', status: 503, retryAfterSeconds: 0 }],
  ['connection resets', { everyNth: 3, kind: 'reset' }],
] as const)('Gen2 store retries through emulator faults: %s', (_label, faults) => {
  let emulator: Gen2Emulator;
  beforeAll(async () => {
    emulator = await startGen2Emulator({ port: 0, inMemory: true, faults: { ...faults } });
  });
  afterAll(async () => {
    await emulator.close();
  });

  it('completes writes, reads, listings, renames and removes correctly', async () => {
    const store = createGen2Store(locationOf(emulator, newFs()), { retryDelayMs: 1, maxRetries: 6 });
    const data = bytes(300_000, 9);
    await put(store, 'in/big.bin', data, 64 * 1024);
    for (let i = 0; i < 5; i++) await put(store, `in/s${i}`, bytes(10 + i, i), 4);
    expect((await read(store, 'in/big.bin')).equals(Buffer.from(data))).toBe(true);
    const parts: Uint8Array[] = [];
    for await (const p of await store.openRead('in/big.bin', { offset: 1000, length: 200_000 })) parts.push(p);
    expect(Buffer.concat(parts).equals(Buffer.from(data.subarray(1000, 201_000)))).toBe(true);
    expect(await all(store, 'in', false, 2)).toEqual(['in/big.bin', 'in/s0', 'in/s1', 'in/s2', 'in/s3', 'in/s4']);
    await store.rename('in', 'out');
    await store.setPermissions('out/s1', 0o600);
    expect((await store.stat('out/s1')).permissions).toBe(0o600);
    await store.remove('out', { recursive: true });
    expect(await codeOf(() => store.stat('out'))).toBe('not-found');
  });
});
