import {
  AnonymousCredential, BlobServiceClient, BlockBlobClient, ContainerSASPermissions, generateAccountSASQueryParameters, generateBlobSASQueryParameters,
  StorageSharedKeyCredential as BlobKey, AccountSASPermissions, AccountSASResourceTypes, AccountSASServices, type SignedIdentifier,
} from '@azure/storage-blob';
import { DataLakeServiceClient, StorageSharedKeyCredential } from '@azure/storage-file-datalake';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_ACCOUNT, DEV_ACCOUNT_KEY, startGen2Emulator, type Gen2Emulator } from './index.js';
import { refusal, send } from './test-helpers.js';

/** Issue #18: container public access, Get/Set Container ACL and stored access policies named by a service SAS. */

let emu: Gen2Emulator;
let open: Gen2Emulator;
let blob: BlobServiceClient;
let anon: BlobServiceClient;
let dl: DataLakeServiceClient;
const key = new BlobKey(DEV_ACCOUNT, DEV_ACCOUNT_KEY);
const hour = (n: number): Date => new Date(Date.now() + n * 3600_000);
/** Raw requests to the emulator that needs credentials (these carry none). */
const bare = (method: string, path: string, headers: Record<string, string> = {}, body?: string) => send(emu.url, method, `/${DEV_ACCOUNT}${path}`, headers, body);
/** Raw requests to an `anonymous` emulator (callers act as the account owner), for malformed input. */
const raw = (method: string, path: string, headers: Record<string, string> = {}, body?: string) => send(open.url, method, `/${DEV_ACCOUNT}${path}`, headers, body);
const policy = (id: string, permissions: string, expiresOn: Date, startsOn?: Date): SignedIdentifier =>
  ({ id, accessPolicy: { permissions, expiresOn, ...(startsOn === undefined ? {} : { startsOn }) } });

beforeAll(async () => {
  emu = await startGen2Emulator({ rehydrateMs: { standard: 300, high: 100 } });
  open = await startGen2Emulator({ anonymous: true });
  blob = new BlobServiceClient(`${emu.url}/${DEV_ACCOUNT}`, key);
  anon = new BlobServiceClient(`${emu.url}/${DEV_ACCOUNT}`, new AnonymousCredential());
  dl = new DataLakeServiceClient(`${emu.url}/${DEV_ACCOUNT}`, new StorageSharedKeyCredential(DEV_ACCOUNT, DEV_ACCOUNT_KEY));
});
afterAll(async () => {
  await emu.close();
  await open.close();
});

describe('container public access', () => {
  it('is set on create, reported by Get Container Properties and List Containers, and changed by Set Container ACL', async () => {
    const c = blob.getContainerClient('pub-create');
    await c.create({ access: 'container', metadata: { k: 'v' } });
    const p = await c.getProperties();
    expect([p.blobPublicAccess, p.metadata]).toEqual(['container', { k: 'v' }]);
    const listed = [];
    for await (const item of blob.listContainers({ prefix: 'pub-create' })) listed.push(item.properties.publicAccess);
    expect(listed).toEqual(['container']);
    expect((await dl.getFileSystemClient('pub-create').getProperties()).publicAccess).toBe('filesystem');
    const before = p.etag;
    await c.setAccessPolicy('blob');
    const acl = await c.getAccessPolicy();
    expect([acl.blobPublicAccess, acl.signedIdentifiers]).toEqual(['blob', []]);
    expect(acl.etag).not.toBe(before);
    await c.setAccessPolicy();
    expect((await c.getProperties()).blobPublicAccess).toBeUndefined();
    for await (const item of blob.listContainers({ prefix: 'pub-create' })) expect(item.properties.publicAccess).toBeUndefined();
  });

  it('lets callers without credentials read what the level grants, and nothing else', async () => {
    const c = blob.getContainerClient('pub-read');
    await c.create();
    await c.getBlockBlobClient('a.txt').upload('hello', 5);
    const a = anon.getContainerClient('pub-read');
    // Private: refused, as before.
    expect(await refusal(() => a.getBlockBlobClient('a.txt').downloadToBuffer())).toMatchObject({ status: 401 });
    await c.setAccessPolicy('blob');
    expect((await a.getBlockBlobClient('a.txt').downloadToBuffer()).toString()).toBe('hello');
    expect((await a.getBlockBlobClient('a.txt').getProperties()).contentLength).toBe(5);
    expect(await refusal(() => a.listBlobsFlat().next())).toMatchObject({ status: 401 });
    expect(await refusal(() => a.getProperties())).toMatchObject({ status: 401 });
    await c.setAccessPolicy('container');
    const names = [];
    for await (const item of a.listBlobsFlat()) names.push(item.name);
    expect(names).toEqual(['a.txt']);
    expect((await a.getProperties()).blobPublicAccess).toBe('container');
    // Writes, deletes, metadata and the ACL itself stay closed to anonymous callers.
    expect(await refusal(() => a.getBlockBlobClient('b.txt').upload('x', 1))).toMatchObject({ status: 401 });
    expect(await refusal(() => a.getBlockBlobClient('a.txt').delete())).toMatchObject({ status: 401 });
    expect(await refusal(() => a.getBlockBlobClient('a.txt').setMetadata({ x: 'y' }))).toMatchObject({ status: 401 });
    expect(await refusal(() => a.getAccessPolicy())).toMatchObject({ status: 401 });
    expect(await refusal(() => a.setAccessPolicy('container'))).toMatchObject({ status: 401 });
    // A forged SAS is still refused on a public container: credentials that fail are never treated as none.
    const forged = await bare('GET', '/pub-read/a.txt?sv=2021-12-02&sr=b&sp=r&se=2099-01-01T00%3A00%3A00Z&sig=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA%3D');
    expect([forged.status, forged.headers['x-ms-error-code']]).toEqual([403, 'AuthenticationFailed']);
    await c.setAccessPolicy();
    expect(await refusal(() => a.getBlockBlobClient('a.txt').downloadToBuffer())).toMatchObject({ status: 401 });
    // A container deleted and created again starts private.
    await c.setAccessPolicy('container');
    await c.delete();
    await c.create();
    expect((await c.getProperties()).blobPublicAccess).toBeUndefined();
    expect(await refusal(() => a.listBlobsFlat().next())).toMatchObject({ status: 401 });
  });

  it('refuses a level other than container or blob, on create and on Set Container ACL', async () => {
    const create = await raw('PUT', '/pub-bad?restype=container', { 'x-ms-blob-public-access': 'everyone' });
    expect([create.status, create.headers['x-ms-error-code']]).toEqual([400, 'InvalidHeaderValue']);
    expect((await raw('HEAD', '/pub-bad?restype=container')).status).toBe(404);
    expect((await raw('PUT', '/pub-bad?restype=container')).status).toBe(201);
    const set = await raw('PUT', '/pub-bad?restype=container&comp=acl', { 'x-ms-blob-public-access': 'Container' });
    expect([set.status, set.headers['x-ms-error-code']]).toEqual([400, 'InvalidHeaderValue']);
  });
});

describe('an account whose AllowBlobPublicAccess is false', () => {
  it('refuses public levels and anonymous requests with 409 PublicAccessNotPermitted; private ACLs and policies still work', async () => {
    const closed = await startGen2Emulator({ allowBlobPublicAccess: false });
    try {
      const svc = new BlobServiceClient(`${closed.url}/${DEV_ACCOUNT}`, key);
      expect(await refusal(() => svc.getContainerClient('closed-a').create({ access: 'container' }))).toMatchObject({ status: 409, code: 'PublicAccessNotPermitted' });
      const c = svc.getContainerClient('closed-b');
      await c.create();
      expect(await refusal(() => c.setAccessPolicy('blob'))).toMatchObject({ status: 409, code: 'PublicAccessNotPermitted' });
      await c.setAccessPolicy(undefined, [policy('reader', 'r', hour(1))]);
      await c.getBlockBlobClient('f.txt').upload('abc', 3);
      const sas = generateBlobSASQueryParameters({ containerName: 'closed-b', blobName: 'f.txt', identifier: 'reader' }, key).toString();
      expect((await new BlockBlobClient(`${c.getBlockBlobClient('f.txt').url}?${sas}`).downloadToBuffer()).toString()).toBe('abc');
      const anonymous = await send(closed.url, 'GET', `/${DEV_ACCOUNT}/closed-b/f.txt`);
      expect([anonymous.status, anonymous.headers['x-ms-error-code']]).toEqual([409, 'PublicAccessNotPermitted']);
      expect((await c.getAccessPolicy()).blobPublicAccess).toBeUndefined();
    } finally {
      await closed.close();
    }
  });
});

describe('stored access policies', () => {
  it('round-trip through Set/Get Container ACL with both SDKs', async () => {
    const c = blob.getContainerClient('acl-rt');
    await c.create();
    const ids = [policy('read', 'rl', new Date('2030-12-01T11:22:33.456Z'), new Date('2017-12-31T11:22:33.456Z')), policy('write', 'w', new Date('2031-01-01T00:00:00.000Z'))];
    await c.setAccessPolicy('container', ids);
    const got = await c.getAccessPolicy();
    expect(got.blobPublicAccess).toBe('container');
    expect(got.signedIdentifiers).toEqual(ids);
    const fsAcl = await dl.getFileSystemClient('acl-rt').getAccessPolicy();
    expect([fsAcl.publicAccess, fsAcl.signedIdentifiers.map((s) => [s.id, s.accessPolicy.permissions])]).toEqual(['filesystem', [['read', 'rl'], ['write', 'w']]]);
    await dl.getFileSystemClient('acl-rt').setAccessPolicy(undefined, [{ id: 'only', accessPolicy: { permissions: 'r', expiresOn: hour(1), startsOn: hour(-1) } }]);
    const after = await c.getAccessPolicy();
    expect([after.blobPublicAccess, after.signedIdentifiers.map((s) => s.id)]).toEqual([undefined, ['only']]);
  });

  it('give a service SAS with si its permissions and time window; unknown, repeated, expired or revoked policies get 403', async () => {
    const c = blob.getContainerClient('acl-sas');
    await c.create();
    await c.getBlockBlobClient('f.txt').upload('data', 4);
    await c.setAccessPolicy(undefined, [policy('reader', 'r', hour(1), hour(-1)), policy('old', 'rw', hour(-1), hour(-2))]);
    type SasFields = Omit<Parameters<typeof generateBlobSASQueryParameters>[0], 'containerName'>;
    const sasUrl = (blobName: string, fields: SasFields): string =>
      `${c.getBlockBlobClient(blobName).url}?${generateBlobSASQueryParameters({ containerName: 'acl-sas', blobName, ...fields }, key).toString()}`;
    const reader = new BlockBlobClient(sasUrl('f.txt', { identifier: 'reader' }));
    expect((await reader.downloadToBuffer()).toString()).toBe('data');
    // The policy's permissions, not more: a write needs 'w'.
    expect(await refusal(() => reader.upload('xx', 2))).toMatchObject({ status: 403, code: 'AuthorizationPermissionMismatch' });
    const cases: [string, SasFields][] = [
      ['unknown', { identifier: 'nobody' }],
      ['repeated permissions', { identifier: 'reader', permissions: ContainerSASPermissions.parse('r') }],
      ['repeated expiry', { identifier: 'reader', expiresOn: hour(1) }],
      ['expired policy', { identifier: 'old' }],
    ];
    for (const [, fields] of cases) {
      const u = new URL(sasUrl('f.txt', fields));
      const r = await send(emu.url, 'GET', u.pathname + u.search);
      expect([r.status, r.headers['x-ms-error-code']]).toEqual([403, 'AuthenticationFailed']);
    }
    // A forged signature naming a real policy fails like any other.
    const good = new URL(sasUrl('f.txt', { identifier: 'reader' }));
    good.searchParams.set('sig', Buffer.alloc(32, 7).toString('base64'));
    expect((await send(emu.url, 'GET', good.pathname + good.search)).status).toBe(403);
    // Revocation: removing the policy invalidates every SAS that names it.
    const before = new URL(sasUrl('f.txt', { identifier: 'reader' }));
    await c.setAccessPolicy(undefined, []);
    const revoked = await send(emu.url, 'GET', before.pathname + before.search);
    expect([revoked.status, revoked.headers['x-ms-error-code']]).toEqual([403, 'AuthenticationFailed']);
    // An account SAS cannot name a policy.
    const account = generateAccountSASQueryParameters({ expiresOn: hour(1), permissions: AccountSASPermissions.parse('r'), resourceTypes: AccountSASResourceTypes.parse('sco').toString(), services: AccountSASServices.parse('b').toString() }, key).toString();
    const withSi = await send(emu.url, 'GET', `/${DEV_ACCOUNT}/acl-sas/f.txt?${account}&si=reader`);
    expect(withSi.status).toBe(403);
  });

  it('are read and written only by the account owner: a SAS gets 403', async () => {
    const c = blob.getContainerClient('acl-owner');
    await c.create();
    const account = generateAccountSASQueryParameters({ expiresOn: hour(1), permissions: AccountSASPermissions.parse('rwdlac'), resourceTypes: AccountSASResourceTypes.parse('sco').toString(), services: AccountSASServices.parse('b').toString() }, key).toString();
    const viaSas = new BlobServiceClient(`${emu.url}/${DEV_ACCOUNT}?${account}`, new AnonymousCredential()).getContainerClient('acl-owner');
    expect(await refusal(() => viaSas.getAccessPolicy())).toMatchObject({ status: 403, code: 'AuthorizationPermissionMismatch' });
    expect(await refusal(() => viaSas.setAccessPolicy('container'))).toMatchObject({ status: 403, code: 'AuthorizationPermissionMismatch' });
    expect((await c.getProperties()).blobPublicAccess).toBeUndefined();
  });

  it('refuses malformed bodies, more than five identifiers, bad values and a wrong lease, changing nothing', async () => {
    expect((await raw('PUT', '/acl-raw?restype=container')).status).toBe(201);
    const one = '<SignedIdentifiers><SignedIdentifier><Id>keep</Id><AccessPolicy><Permission>r</Permission></AccessPolicy></SignedIdentifier></SignedIdentifiers>';
    expect((await raw('PUT', '/acl-raw?restype=container&comp=acl', { 'x-ms-blob-public-access': 'blob' }, one)).status).toBe(200);
    const six = `<SignedIdentifiers>${[1, 2, 3, 4, 5, 6].map((i) => `<SignedIdentifier><Id>p${i}</Id><AccessPolicy><Permission>r</Permission></AccessPolicy></SignedIdentifier>`).join('')}</SignedIdentifiers>`;
    const bodies: [string, string][] = [
      ['<SignedIdentifiers><SignedIdentifier>', 'InvalidXmlDocument'],
      ['<Other/>', 'InvalidXmlDocument'],
      [six, 'InvalidXmlDocument'],
      [`<SignedIdentifiers><SignedIdentifier><Id>${'x'.repeat(65)}</Id></SignedIdentifier></SignedIdentifiers>`, 'InvalidXmlNodeValue'],
      ['<SignedIdentifiers><SignedIdentifier><Id>a</Id><AccessPolicy><Start>soon</Start></AccessPolicy></SignedIdentifier></SignedIdentifiers>', 'InvalidXmlNodeValue'],
      ['<SignedIdentifiers><SignedIdentifier><Id>a</Id><AccessPolicy><Permission>rZ</Permission></AccessPolicy></SignedIdentifier></SignedIdentifiers>', 'InvalidXmlNodeValue'],
      ['<SignedIdentifiers><SignedIdentifier><Id>a</Id></SignedIdentifier><SignedIdentifier><Id>a</Id></SignedIdentifier></SignedIdentifiers>', 'InvalidXmlNodeValue'],
    ];
    for (const [body, code] of bodies) {
      const r = await raw('PUT', '/acl-raw?restype=container&comp=acl', {}, body);
      expect([r.status, r.headers['x-ms-error-code']]).toEqual([400, code]);
    }
    const lease = await raw('PUT', '/acl-raw?restype=container&comp=acl', { 'x-ms-lease-id': '11111111-1111-1111-1111-111111111111' }, '');
    expect([lease.status, lease.headers['x-ms-error-code']]).toEqual([412, 'LeaseNotPresentWithContainerOperation']);
    const got = await raw('GET', '/acl-raw?restype=container&comp=acl');
    expect(got.status).toBe(200);
    expect(got.headers['x-ms-blob-public-access']).toBe('blob');
    expect(got.text).toContain('<Id>keep</Id>');
    expect((await raw('GET', '/nope-acl?restype=container&comp=acl')).headers['x-ms-error-code']).toBe('ContainerNotFound');
  });
});

describe('List Blobs include=uncommittedblobs', () => {
  it('lists names with staged blocks only when asked, flat and by level', async () => {
    const c = blob.getContainerClient('uncommitted');
    await c.create();
    await c.getBlockBlobClient('done.txt').upload('x', 1);
    await c.getBlockBlobClient('staged.txt').stageBlock(Buffer.from('b1').toString('base64'), 'abc', 3);
    await c.getBlockBlobClient('deep/er/staged.bin').stageBlock(Buffer.from('b1').toString('base64'), 'abc', 3);
    const flat = async (includeUncommitedBlobs: boolean): Promise<[string, number | undefined][]> => {
      const out: [string, number | undefined][] = [];
      for await (const b of c.listBlobsFlat({ includeUncommitedBlobs })) out.push([b.name, b.properties.contentLength]);
      return out;
    };
    expect(await flat(false)).toEqual([['done.txt', 1]]);
    expect(await flat(true)).toEqual([['done.txt', 1], ['deep/er/staged.bin', 0], ['staged.txt', 0]]);
    const level = async (includeUncommitedBlobs: boolean): Promise<string[]> => {
      const out: string[] = [];
      for await (const item of c.listBlobsByHierarchy('/', { includeUncommitedBlobs })) out.push(item.kind === 'prefix' ? `prefix:${item.name}` : item.name);
      return out;
    };
    expect(await level(false)).toEqual(['done.txt']);
    // The SDK yields a page's prefixes before its blobs.
    expect(await level(true)).toEqual(['prefix:deep/', 'done.txt', 'staged.txt']);
    await c.getBlockBlobClient('staged.txt').commitBlockList([Buffer.from('b1').toString('base64')]);
    expect(await flat(true)).toEqual([['done.txt', 1], ['staged.txt', 3], ['deep/er/staged.bin', 0]]);
  });
});

describe('Copy Blob from an Archive source', () => {
  it('needs an online x-ms-access-tier and the asynchronous form; the destination stays Archive until it has rehydrated', async () => {
    const c = blob.getContainerClient('archive-copy');
    await c.create();
    const src = c.getBlockBlobClient('cold.txt');
    await src.upload('frozen', 6);
    await src.setAccessTier('Archive');
    const dest = c.getBlockBlobClient('warm.txt');
    expect(await refusal(() => dest.beginCopyFromURL(src.url))).toMatchObject({ status: 409, code: 'BlobArchived' });
    expect(await refusal(() => dest.beginCopyFromURL(src.url, { tier: 'Archive' }))).toMatchObject({ status: 409, code: 'BlobArchived' });
    const srcSas = `${src.url}?${generateBlobSASQueryParameters({ containerName: 'archive-copy', blobName: 'cold.txt', permissions: ContainerSASPermissions.parse('r'), expiresOn: hour(1) }, key).toString()}`;
    expect(await refusal(() => dest.syncCopyFromURL(srcSas, { tier: 'Hot' }))).toMatchObject({ status: 409, code: 'BlobArchived' });
    const poller = await dest.beginCopyFromURL(src.url, { tier: 'Cool' });
    // Pending (x-ms-copy-status: pending): the SDK's poller is not done after its first call.
    expect([poller.isDone(), poller.getOperationState().result]).toEqual([false, undefined]);
    const pending = await dest.getProperties();
    expect([pending.accessTier, pending.archiveStatus, pending.rehydratePriority]).toEqual(['Archive', 'rehydrate-pending-to-cool', 'Standard']);
    expect(await refusal(() => dest.downloadToBuffer())).toMatchObject({ status: 409, code: 'BlobArchived' });
    await new Promise((r) => setTimeout(r, 350));
    const done = await dest.getProperties();
    expect([done.accessTier, done.archiveStatus, done.accessTierInferred]).toEqual(['Cool', undefined, false]);
    expect((await dest.downloadToBuffer()).toString()).toBe('frozen');
    expect((await src.getProperties()).accessTier).toBe('Archive');
  });
});
