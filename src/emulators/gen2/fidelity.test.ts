import { createHash } from 'node:crypto';
import {
  AccountSASPermissions,
  AccountSASResourceTypes,
  AccountSASServices,
  BlobSASPermissions,
  BlobServiceClient,
  ContainerClient,
  ContainerSASPermissions,
  StorageSharedKeyCredential,
  generateAccountSASQueryParameters,
  generateBlobSASQueryParameters,
} from '@azure/storage-blob';
import { DataLakeFileSystemClient, DataLakeServiceClient, StorageSharedKeyCredential as DataLakeKey } from '@azure/storage-file-datalake';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGen2Emulator, type Gen2Emulator } from './index.js';
import { send, refusal } from './test-helpers.js';

/** Issue #18 defects: the Gen2 Blob API as Azure answers it (SDK calls, raw HTTP for error details). */

const ACCOUNT = 'fidelity1';
const KEY1 = Buffer.alloc(64, 11).toString('base64');
const KEY2 = Buffer.alloc(64, 22).toString('base64');
const OTHER_KEY = Buffer.alloc(64, 33).toString('base64');
const hour = 3600_000;

let emu: Gen2Emulator;
let base: string;
let svc: BlobServiceClient;

beforeAll(async () => {
  emu = await startGen2Emulator({ accounts: [{ name: ACCOUNT, key: KEY1, secondaryKey: KEY2 }] });
  base = `${emu.url}/${ACCOUNT}`;
  svc = new BlobServiceClient(base, new StorageSharedKeyCredential(ACCOUNT, KEY1));
});
afterAll(async () => {
  await emu.close();
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const containerSas = (container: string, permissions: string, key = KEY1): string =>
  generateBlobSASQueryParameters(
    { containerName: container, permissions: ContainerSASPermissions.parse(permissions), startsOn: new Date(Date.now() - hour), expiresOn: new Date(Date.now() + hour) },
    new StorageSharedKeyCredential(ACCOUNT, key),
  ).toString();

const blobSas = (container: string, blob: string, permissions: string): string =>
  generateBlobSASQueryParameters(
    { containerName: container, blobName: blob, permissions: BlobSASPermissions.parse(permissions), startsOn: new Date(Date.now() - hour), expiresOn: new Date(Date.now() + hour) },
    new StorageSharedKeyCredential(ACCOUNT, KEY1),
  ).toString();

const accountSas = (permissions: string, key = KEY1): string =>
  generateAccountSASQueryParameters(
    {
      permissions: AccountSASPermissions.parse(permissions), services: AccountSASServices.parse('b').toString(), resourceTypes: AccountSASResourceTypes.parse('sco').toString(),
      startsOn: new Date(Date.now() - hour), expiresOn: new Date(Date.now() + hour),
    },
    new StorageSharedKeyCredential(ACCOUNT, key),
  ).toString();

describe('#12 authenticate before refusing an unsupported operation', () => {
  it('a forged signature gets 403 on an operation the emulator does not serve; a valid key gets 501', async () => {
    const c = svc.getContainerClient('auth-first');
    await c.create();
    await c.getBlockBlobClient('b').upload('x', 1);
    const forged = new BlobServiceClient(base, new StorageSharedKeyCredential(ACCOUNT, OTHER_KEY)).getContainerClient('auth-first').getBlobClient('b');
    expect(await refusal(() => forged.setTags({ k: 'v' }))).toMatchObject({ status: 403, code: 'AuthenticationFailed' });
    expect(await refusal(() => c.getBlobClient('b').setTags({ k: 'v' }))).toMatchObject({ status: 501 });
    // Raw: no credentials at all → 401 with the challenge, never 501/400.
    const anon = await send(emu.url, 'PUT', `/${ACCOUNT}/auth-first/b?comp=tags`);
    expect(anon.status).toBe(401);
    expect(anon.headers['x-ms-error-code']).toBe('NoAuthenticationInformation');
    const dfsAnon = await send(emu.url, 'PUT', `/${ACCOUNT}/auth-first?resource=filesystem&comp=nonsense`, {});
    expect(dfsAnon.status).toBe(401);
    const badSas = await send(emu.url, 'PUT', `/${ACCOUNT}/auth-first/b?comp=tags&${accountSas('rwdlac', OTHER_KEY)}`);
    expect(badSas.status).toBe(403);
    expect(badSas.headers['x-ms-error-code']).toBe('AuthenticationFailed');
    // Encryption headers (501) are also only judged once the caller is known.
    const enc = await send(emu.url, 'GET', `/${ACCOUNT}/auth-first/b`, { 'x-ms-encryption-scope': 'scope1' });
    expect(enc.status).toBe(401);
  });
});

describe('#11 a service SAS never reaches the container itself', () => {
  it('sr=c (even racwdl) is refused container operations, serves blobs and listing; nothing changes', async () => {
    const owner = svc.getContainerClient('svc-sas');
    await owner.create({ metadata: { keep: 'yes' } });
    const sas = new ContainerClient(`${base}/svc-sas?${containerSas('svc-sas', 'racwdl')}`);
    const refused: [string, () => Promise<unknown>][] = [
      ['Get Container Properties', () => sas.getProperties()],
      ['Set Container Metadata', () => sas.setMetadata({ keep: 'no' })],
      ['Delete Container', () => sas.delete()],
      ['Lease Container', () => sas.getBlobLeaseClient().acquireLease(-1)],
      ['Create Container', () => new ContainerClient(`${base}/svc-sas2?${containerSas('svc-sas2', 'racwdl')}`).create()],
    ];
    for (const [what, call] of refused) expect(await refusal(call), what).toMatchObject({ status: 403, code: 'AuthorizationPermissionMismatch' });
    await sas.getBlockBlobClient('f.txt').upload('data', 4);
    const names: string[] = [];
    for await (const b of sas.listBlobsFlat()) names.push(b.name);
    expect(names).toEqual(['f.txt']);
    expect((await sas.getBlobClient('f.txt').downloadToBuffer()).toString()).toBe('data');
    const props = await owner.getProperties();
    expect(props.metadata).toEqual({ keep: 'yes' });
    expect(props.leaseState).toBe('available');
    expect(await svc.getContainerClient('svc-sas2').exists()).toBe(false);
  });

  it('the same refusals through the DataLake client (filesystem properties, metadata, delete, create)', async () => {
    await svc.getContainerClient('svc-sas-dfs').create();
    const fs = new DataLakeFileSystemClient(`${base}/svc-sas-dfs?${containerSas('svc-sas-dfs', 'racwdl')}`);
    for (const [what, call] of [
      ['getProperties', () => fs.getProperties()],
      ['setMetadata', () => fs.setMetadata({ a: 'b' })],
      ['delete', () => fs.delete()],
    ] as const) expect((await refusal(call)).status, what).toBe(403);
    const create = await send(emu.url, 'PUT', `/${ACCOUNT}/svc-sas-new?resource=filesystem&${containerSas('svc-sas-new', 'racwdl')}`);
    expect(create.status).toBe(403);
    expect(create.headers['x-ms-error-code']).toBe('AuthorizationPermissionMismatch');
    await fs.getFileClient('p.txt').create();
    const paths: string[] = [];
    for await (const p of fs.listPaths()) paths.push(p.name ?? '');
    expect(paths).toEqual(['p.txt']);
    expect(await new DataLakeServiceClient(base, new DataLakeKey(ACCOUNT, KEY1)).getFileSystemClient('svc-sas-dfs').exists()).toBe(true);
  });

  it('sr=c: each blob operation needs its letter (r read, w write, d delete, l list)', async () => {
    const owner = svc.getContainerClient('svc-sas-letters');
    await owner.create();
    await owner.getBlockBlobClient('f').upload('f', 1);
    const via = (sp: string): ContainerClient => new ContainerClient(`${base}/svc-sas-letters?${containerSas('svc-sas-letters', sp)}`);
    const cells: [string, string, (c: ContainerClient) => Promise<unknown>][] = [
      ['read', 'wdl', (c) => c.getBlobClient('f').download()],
      ['properties', 'wdl', (c) => c.getBlobClient('f').getProperties()],
      ['write', 'rdl', (c) => c.getBlockBlobClient('g').upload('g', 1)],
      ['metadata', 'rdl', (c) => c.getBlobClient('f').setMetadata({ a: 'b' })],
      ['delete', 'rwl', (c) => c.getBlobClient('f').delete()],
      ['list', 'rwd', (c) => c.listBlobsFlat().next()],
    ];
    for (const [what, sp, call] of cells) {
      const r = await refusal(() => call(via(sp)));
      // HEAD answers carry no body, so the SDK has no error code for Get Blob Properties.
      expect(r, what).toMatchObject(what === 'properties' ? { status: 403 } : { status: 403, code: 'AuthorizationPermissionMismatch' });
    }
    expect((await owner.getBlobClient('f').getProperties()).metadata).toEqual({});
    expect(await owner.getBlobClient('g').exists()).toBe(false);
    expect(await owner.getBlobClient('f').exists()).toBe(true);
  });

  it('sr=b is refused the container and listing, and other blobs', async () => {
    const owner = svc.getContainerClient('blob-sas');
    await owner.create();
    await owner.getBlockBlobClient('mine').upload('m', 1);
    await owner.getBlockBlobClient('other').upload('o', 1);
    const sas = blobSas('blob-sas', 'mine', 'racwd');
    const asContainer = new ContainerClient(`${base}/blob-sas?${sas}`);
    expect((await refusal(() => asContainer.getProperties())).status).toBe(403);
    expect((await refusal(() => asContainer.listBlobsFlat().next())).status).toBe(403);
    expect((await refusal(() => asContainer.delete())).status).toBe(403);
    expect((await refusal(() => new ContainerClient(`${base}/blob-sas?${sas}`).getBlobClient('other').download())).status).toBe(403);
    expect((await new ContainerClient(`${base}/blob-sas?${sas}`).getBlobClient('mine').downloadToBuffer()).toString()).toBe('m');
  });
});

describe('#10 account SAS: Create Container with c or w', () => {
  it('sp=w creates a container, sp=c too, sp=r does not', async () => {
    const byWrite = new BlobServiceClient(`${base}?${accountSas('w')}`);
    await byWrite.getContainerClient('by-write').create();
    await new BlobServiceClient(`${base}?${accountSas('c')}`).getContainerClient('by-create').create();
    expect(await refusal(() => new BlobServiceClient(`${base}?${accountSas('rl')}`).getContainerClient('by-read').create())).toMatchObject({ status: 403, code: 'AuthorizationPermissionMismatch' });
    expect(await svc.getContainerClient('by-write').exists()).toBe(true);
    expect(await svc.getContainerClient('by-read').exists()).toBe(false);
  });
});

describe('#13 two keys per account', () => {
  it('Shared Key and SAS signed with either key are accepted; any other key is refused', async () => {
    const second = new BlobServiceClient(base, new StorageSharedKeyCredential(ACCOUNT, KEY2));
    await second.getContainerClient('two-keys').create();
    await svc.getContainerClient('two-keys').getBlockBlobClient('k').upload('k', 1);
    expect((await second.getContainerClient('two-keys').getBlobClient('k').downloadToBuffer()).toString()).toBe('k');
    const sas2 = new ContainerClient(`${base}/two-keys?${containerSas('two-keys', 'rl', KEY2)}`);
    expect((await sas2.getBlobClient('k').downloadToBuffer()).toString()).toBe('k');
    await new BlobServiceClient(`${base}?${accountSas('rl', KEY2)}`).getContainerClient('two-keys').getBlobClient('k').getProperties();
    const other = new BlobServiceClient(base, new StorageSharedKeyCredential(ACCOUNT, OTHER_KEY));
    expect(await refusal(() => other.getContainerClient('two-keys').getProperties())).toMatchObject({ status: 403, code: 'AuthenticationFailed' });
    expect((await refusal(() => new ContainerClient(`${base}/two-keys?${containerSas('two-keys', 'rl', OTHER_KEY)}`).getBlobClient('k').download())).status).toBe(403);
  });
});

describe('#1 breaking a breaking lease counts down and ends broken', () => {
  for (const kind of ['blob', 'container'] as const) {
    it(`${kind} lease`, async () => {
      const c = svc.getContainerClient(`break-${kind}`);
      await c.create();
      const blob = c.getBlockBlobClient('b');
      await blob.upload('b', 1);
      const lease = kind === 'blob' ? blob.getBlobLeaseClient() : c.getBlobLeaseClient();
      await lease.acquireLease(-1);
      expect((await lease.breakLease(2)).leaseTime).toBe(2);
      let last = 2;
      let broken = false;
      // A client polling the break with a long period: each answer is the time left, never a restart.
      for (let i = 0; i < 20 && !broken; i++) {
        await sleep(250);
        const time = (await lease.breakLease(60)).leaseTime ?? -1;
        expect(time).toBeGreaterThanOrEqual(0);
        expect(time).toBeLessThanOrEqual(last);
        last = time;
        const state = kind === 'blob' ? (await blob.getProperties()).leaseState : (await c.getProperties()).leaseState;
        broken = state === 'broken';
      }
      expect(broken).toBe(true);
      expect(last).toBe(0);
      // A shorter period than the time left wins.
      const other = c.getBlockBlobClient('short');
      await other.upload('s', 1);
      const l2 = other.getBlobLeaseClient();
      await l2.acquireLease(-1);
      expect((await l2.breakLease(30)).leaseTime).toBe(30);
      expect((await l2.breakLease(0)).leaseTime).toBe(0);
      expect((await other.getProperties()).leaseState).toBe('broken');
    });
  }
});

describe('#5 renewing an expired lease', () => {
  it('after the blob was written since: 409 LeaseIdMismatchWithLeaseOperation; unwritten: renewed', async () => {
    const c = svc.getContainerClient('renew-expired');
    await c.create();
    const written = c.getBlockBlobClient('written');
    const untouched = c.getBlockBlobClient('untouched');
    await written.upload('w', 1);
    await untouched.upload('u', 1);
    const l1 = written.getBlobLeaseClient();
    const l2 = untouched.getBlobLeaseClient();
    await l1.acquireLease(15);
    await l2.acquireLease(15);
    await sleep(15_300); // the shortest lease Azure grants is 15 s
    expect((await written.getProperties()).leaseState).toBe('expired');
    await written.upload('w2', 2);
    expect(await refusal(() => l1.renewLease())).toMatchObject({ status: 409, code: 'LeaseIdMismatchWithLeaseOperation' });
    await l2.renewLease();
    expect((await untouched.getProperties()).leaseState).toBe('leased');
    await l2.releaseLease();
  }, 30_000);
});

describe('#8 #7 #9 Delete Blob, Set Blob Properties, If-None-Match: * on reads', () => {
  it('Delete Blob answers x-ms-delete-type-permanent: true', async () => {
    const c = svc.getContainerClient('delete-type');
    await c.create();
    const b = c.getBlockBlobClient('gone');
    await b.upload('g', 1);
    const r = await b.delete();
    expect(r._response.headers.get('x-ms-delete-type-permanent')).toBe('true');
  });

  it('Set Blob Properties clears the content headers it was not sent (Content-MD5 included)', async () => {
    const c = svc.getContainerClient('set-props');
    await c.create();
    const b = c.getBlockBlobClient('p');
    const md5 = createHash('md5').update('p').digest(); // Put Blob checks x-ms-blob-content-md5 against the body
    await b.upload('p', 1, { blobHTTPHeaders: { blobContentType: 'text/plain', blobContentLanguage: 'en', blobContentEncoding: 'identity', blobCacheControl: 'no-cache', blobContentDisposition: 'inline', blobContentMD5: md5 } });
    expect(Buffer.from((await b.getProperties()).contentMD5 ?? new Uint8Array()).equals(md5)).toBe(true);
    await b.setHTTPHeaders({ blobContentType: 'application/json' });
    const p = await b.getProperties();
    expect(p.contentType).toBe('application/json');
    expect(p.contentLanguage).toBeUndefined();
    expect(p.contentEncoding).toBeUndefined();
    expect(p.cacheControl).toBeUndefined();
    expect(p.contentDisposition).toBeUndefined();
    expect(p.contentMD5).toBeUndefined();
  });

  it('GET and HEAD with If-None-Match: * on an existing blob: 400 UnsatisfiableCondition; missing: 404', async () => {
    const c = svc.getContainerClient('none-match');
    await c.create();
    const b = c.getBlockBlobClient('here');
    await b.upload('h', 1);
    expect(await refusal(() => b.download(0, undefined, { conditions: { ifNoneMatch: '*' } }))).toMatchObject({ status: 400, code: 'UnsatisfiableCondition' });
    expect((await refusal(() => b.getProperties({ conditions: { ifNoneMatch: '*' } }))).status).toBe(400);
    expect((await refusal(() => c.getBlobClient('absent').download(0, undefined, { conditions: { ifNoneMatch: '*' } }))).status).toBe(404);
    // An ETag that matches still answers 304 Not Modified.
    const etag = (await b.getProperties()).etag ?? '';
    expect((await refusal(() => b.download(0, undefined, { conditions: { ifNoneMatch: etag } }))).status).toBe(304);
    const raw = await send(emu.url, 'HEAD', `/${ACCOUNT}/none-match/here?${blobSas('none-match', 'here', 'r')}`, { 'If-None-Match': '*' });
    expect(raw.status).toBe(400);
    expect(raw.headers['x-ms-error-code']).toBe('UnsatisfiableCondition');
  });
});
