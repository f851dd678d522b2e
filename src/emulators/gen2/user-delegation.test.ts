import {
  AccountSASPermissions, AccountSASResourceTypes, AccountSASServices, BlobSASPermissions, BlobServiceClient, ContainerClient, ContainerSASPermissions, RestError,
  StorageSharedKeyCredential, generateAccountSASQueryParameters, generateBlobSASQueryParameters, type UserDelegationKey,
} from '@azure/storage-blob';
import { DataLakeFileClient, DirectorySASPermissions, DataLakeFileSystemClient, DataLakeSASPermissions, DataLakeServiceClient, StorageSharedKeyCredential as DataLakeKey, generateDataLakeSASQueryParameters } from '@azure/storage-file-datalake';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken, STORAGE_AUDIENCE } from '../kit/jwt.js';
import { parseXmlDocument } from '../kit/xml.js';
import { startGen2Emulator, type Gen2Emulator } from './index.js';
import { send } from './test-helpers.js';

/**
 * Issue #18 HNS features: Get User Delegation Key (bearer only), user delegation SAS on Blob and DFS
 * (skoid, sktid, skt, ske, sks, skv, saoid / suoid), directory SAS (sr=d, sdd), and service stats on the
 * `-secondary` endpoint of an RA-GRS account.
 */

const ACCOUNT = 'udk1';
const KEY = Buffer.alloc(64, 9).toString('base64');
const LRS = 'lrs1';
const hour = 3600_000;
const TENANT = '11111111-2222-3333-4444-555555555555';

let emu: Gen2Emulator;
let svc: BlobServiceClient;
let dl: DataLakeServiceClient;
const bearer = (oid: string): string => `Bearer ${mintToken({ oid, audience: STORAGE_AUDIENCE, tenantId: TENANT })}`;
const keyInfo = (start: Date | undefined, expiry: Date): string =>
  `<?xml version="1.0" encoding="utf-8"?><KeyInfo>${start ? `<Start>${start.toISOString().slice(0, 19)}Z</Start>` : ''}<Expiry>${expiry.toISOString().slice(0, 19)}Z</Expiry></KeyInfo>`;

async function refusal(fn: () => Promise<unknown>): Promise<{ status: number | undefined; code: string | undefined; detail: unknown }> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof RestError) return { status: e.statusCode, code: e.code, detail: (e.details as Record<string, unknown> | undefined)?.['authenticationErrorDetail'] };
    throw e;
  }
  throw new Error('expected the call to be refused');
}

/** Asks the emulator for a user delegation key with a bearer token (raw HTTP: SDKs send tokens over HTTPS only). */
async function delegationKey(oid: string, expiry = new Date(Date.now() + hour)): Promise<UserDelegationKey> {
  const res = await send(emu.url, 'POST', `/${ACCOUNT}?restype=service&comp=userdelegationkey`, { Authorization: bearer(oid) }, keyInfo(new Date(Date.now() - hour), expiry));
  expect(res.status, res.text).toBe(200);
  const root = parseXmlDocument(res.text);
  const v = (name: string): string => root.children.find((c) => c.name === name)?.text ?? '';
  return {
    signedObjectId: v('SignedOid'), signedTenantId: v('SignedTid'), signedStartsOn: new Date(v('SignedStart')), signedExpiresOn: new Date(v('SignedExpiry')),
    signedService: v('SignedService'), signedVersion: v('SignedVersion'), value: v('Value'),
  };
}

beforeAll(async () => {
  emu = await startGen2Emulator({ accounts: [{ name: ACCOUNT, key: KEY, replication: 'RA-GRS' }, { name: LRS, key: KEY }], superusers: ['admin-oid'] });
  svc = new BlobServiceClient(`${emu.url}/${ACCOUNT}`, new StorageSharedKeyCredential(ACCOUNT, KEY));
  dl = new DataLakeServiceClient(`${emu.url}/${ACCOUNT}`, new DataLakeKey(ACCOUNT, KEY));
  const fs = dl.getFileSystemClient('udfs');
  await fs.create();
  await fs.getFileClient('open/a.txt').upload(Buffer.from('hello'));
  await fs.getFileClient('open/deep/b.txt').upload(Buffer.from('deep'));
  await fs.getFileClient('closed.txt').upload(Buffer.from('secret'));
  await fs.getFileClient('closed.txt').setPermissions({ owner: { read: true, write: true, execute: false }, group: { read: false, write: false, execute: false }, other: { read: false, write: false, execute: false }, stickyBit: false, extendedAcls: false });
  const readable = { owner: { read: true, write: true, execute: true }, group: { read: true, write: false, execute: true }, other: { read: true, write: false, execute: true }, stickyBit: false, extendedAcls: false };
  await fs.getDirectoryClient('open').setPermissions(readable);
  await fs.getFileClient('open/a.txt').setPermissions(readable);
  await fs.getDirectoryClient('').setAccessControl([
    { accessControlType: 'user', entityId: '', defaultScope: false, permissions: { read: true, write: true, execute: true } },
    { accessControlType: 'group', entityId: '', defaultScope: false, permissions: { read: true, write: false, execute: true } },
    { accessControlType: 'other', entityId: '', defaultScope: false, permissions: { read: true, write: false, execute: true } },
  ]);
});
afterAll(async () => {
  await emu.close();
});

describe('Get User Delegation Key', () => {
  it('refuses Shared Key and SAS callers with 403 and Azure\'s "Only authentication scheme Bearer is supported" (SDK)', async () => {
    const now = new Date();
    expect(await refusal(() => svc.getUserDelegationKey(now, new Date(now.getTime() + hour)))).toEqual({ status: 403, code: 'AuthenticationFailed', detail: 'Only authentication scheme Bearer is supported' });
    const sas = generateAccountSASQueryParameters(
      { permissions: AccountSASPermissions.parse('rwdlac'), services: AccountSASServices.parse('b').toString(), resourceTypes: AccountSASResourceTypes.parse('sco').toString(), expiresOn: new Date(Date.now() + hour) },
      new StorageSharedKeyCredential(ACCOUNT, KEY),
    ).toString();
    const viaSas = new BlobServiceClient(`${emu.url}/${ACCOUNT}?${sas}`);
    expect(await refusal(() => viaSas.getUserDelegationKey(now, new Date(now.getTime() + hour)))).toEqual({ status: 403, code: 'AuthenticationFailed', detail: 'Only authentication scheme Bearer is supported' });
    // Without credentials the caller is told to authenticate first (401), as for every operation.
    const anonymous = await send(emu.url, 'POST', `/${ACCOUNT}?restype=service&comp=userdelegationkey`, {}, keyInfo(undefined, new Date(Date.now() + hour)));
    expect([anonymous.status, anonymous.headers['x-ms-error-code']]).toEqual([401, 'NoAuthenticationInformation']);
  });

  it('issues a key to a bearer caller, with its oid and tenant; refuses bad KeyInfo bodies with 400', async () => {
    const key = await delegationKey('alice');
    expect(key).toMatchObject({ signedObjectId: 'alice', signedTenantId: TENANT, signedService: 'b' });
    expect(Buffer.from(key.value, 'base64').length).toBe(32);
    const post = (body: string) => send(emu.url, 'POST', `/${ACCOUNT}?restype=service&comp=userdelegationkey`, { Authorization: bearer('alice') }, body);
    const cases: [string, string][] = [
      ['<KeyInfo><Start>2026-01-01T00:00:00Z</Start>', 'InvalidXmlDocument'],
      ['<Info/>', 'InvalidXmlDocument'],
      ['<KeyInfo><Start>2026-01-01T00:00:00Z</Start></KeyInfo>', 'MissingRequiredXmlNode'],
      ['<KeyInfo><Expiry>tomorrow</Expiry></KeyInfo>', 'InvalidXmlNodeValue'],
      [keyInfo(undefined, new Date(Date.now() + 8 * 24 * hour)), 'InvalidXmlNodeValue'],
      [keyInfo(new Date(Date.now() + 2 * hour), new Date(Date.now() + hour)), 'InvalidXmlNodeValue'],
    ];
    for (const [body, code] of cases) {
      const res = await post(body);
      expect([body, res.status, res.headers['x-ms-error-code']]).toEqual([body, 400, code]);
    }
  });
});

describe('user delegation SAS', () => {
  it('reads a blob and lists a container through @azure/storage-blob; a tampered or expired one gets 403', async () => {
    const key = await delegationKey('admin-oid');
    const blobSas = generateBlobSASQueryParameters({ containerName: 'udfs', blobName: 'open/a.txt', permissions: BlobSASPermissions.parse('r'), expiresOn: new Date(Date.now() + hour / 2) }, key, ACCOUNT).toString();
    expect(blobSas).toContain('skoid=admin-oid');
    const blob = new BlobServiceClient(`${emu.url}/${ACCOUNT}?${blobSas}`).getContainerClient('udfs').getBlobClient('open/a.txt');
    expect((await blob.downloadToBuffer()).toString()).toBe('hello');
    const containerSas = generateBlobSASQueryParameters({ containerName: 'udfs', permissions: ContainerSASPermissions.parse('rl'), expiresOn: new Date(Date.now() + hour / 2) }, key, ACCOUNT).toString();
    const names: string[] = [];
    for await (const b of new ContainerClient(`${emu.url}/${ACCOUNT}/udfs?${containerSas}`).listBlobsFlat()) names.push(b.name);
    expect(names).toContain('open/a.txt');
    const forged = blobSas.replace(/skoid=[^&]*/, 'skoid=mallory');
    expect(await refusal(() => new BlobServiceClient(`${emu.url}/${ACCOUNT}?${forged}`).getContainerClient('udfs').getBlobClient('open/a.txt').download())).toMatchObject({ status: 403, code: 'AuthenticationFailed' });
    // A SAS may not outlive its key.
    const outlives = generateBlobSASQueryParameters({ containerName: 'udfs', blobName: 'open/a.txt', permissions: BlobSASPermissions.parse('r'), expiresOn: new Date(Date.now() + 2 * hour) }, key, ACCOUNT).toString();
    expect(await refusal(() => new BlobServiceClient(`${emu.url}/${ACCOUNT}?${outlives}`).getContainerClient('udfs').getBlobClient('open/a.txt').download())).toMatchObject({ status: 403, code: 'AuthenticationFailed' });
    // Permissions still apply: 'r' does not write.
    const writer = new BlobServiceClient(`${emu.url}/${ACCOUNT}?${blobSas}`).getContainerClient('udfs').getBlockBlobClient('open/a.txt');
    expect(await refusal(() => writer.upload('x', 1))).toMatchObject({ status: 403, code: 'AuthorizationPermissionMismatch' });
  });

  it('works through @azure/storage-file-datalake, with POSIX ACLs for suoid and none for saoid', async () => {
    const key = await delegationKey('alice');
    const sas = (values: { agentObjectId?: string; preauthorizedAgentObjectId?: string }): string =>
      generateDataLakeSASQueryParameters({ fileSystemName: 'udfs', pathName: 'closed.txt', permissions: DataLakeSASPermissions.parse('r'), expiresOn: new Date(Date.now() + hour / 2), ...values }, key, ACCOUNT).toString();
    const file = (q: string): DataLakeFileClient => new DataLakeFileClient(`${emu.url}/${ACCOUNT}/udfs/closed.txt?${q}`);
    // closed.txt is owner-only ($superuser): alice (the key's owner) and bob (suoid) are checked against the ACL.
    expect(await refusal(() => file(sas({})).read())).toMatchObject({ status: 403 });
    expect(await refusal(() => file(sas({ agentObjectId: 'bob' })).read())).toMatchObject({ status: 403 });
    // saoid: Azure does not check POSIX ACLs for a preauthorized user.
    const read = await file(sas({ preauthorizedAgentObjectId: 'carol' })).read();
    expect(read.contentLength).toBe(6);
    const open = generateDataLakeSASQueryParameters({ fileSystemName: 'udfs', pathName: 'open/a.txt', permissions: DataLakeSASPermissions.parse('r'), expiresOn: new Date(Date.now() + hour / 2) }, key, ACCOUNT).toString();
    expect((await new DataLakeFileClient(`${emu.url}/${ACCOUNT}/udfs/open/a.txt?${open}`).read()).contentLength).toBe(5);
  });

  it('directory SAS (sr=d, sdd) reaches what is under the directory, nothing else', async () => {
    const key = await delegationKey('admin-oid');
    const dirSas = generateDataLakeSASQueryParameters({ fileSystemName: 'udfs', pathName: 'open', isDirectory: true, permissions: DirectorySASPermissions.parse('rl'), expiresOn: new Date(Date.now() + hour / 2) }, key, ACCOUNT).toString();
    expect(dirSas).toMatch(/sr=d/);
    expect(dirSas).toMatch(/sdd=1/);
    const fsClient = new DataLakeFileSystemClient(`${emu.url}/${ACCOUNT}/udfs?${dirSas}`);
    expect((await fsClient.getFileClient('open/deep/b.txt').read()).contentLength).toBe(4);
    const listed: string[] = [];
    for await (const p of fsClient.listPaths({ path: 'open', recursive: true })) listed.push(p.name ?? '');
    expect(listed).toEqual(expect.arrayContaining(['open/a.txt', 'open/deep/b.txt']));
    expect(await refusal(() => fsClient.getFileClient('closed.txt').read())).toMatchObject({ status: 403, code: 'AuthenticationFailed' });
    // Signed with the account key too (a service SAS for a directory).
    const keySas = generateDataLakeSASQueryParameters({ fileSystemName: 'udfs', pathName: 'open/deep', isDirectory: true, permissions: DataLakeSASPermissions.parse('r'), expiresOn: new Date(Date.now() + hour) }, new DataLakeKey(ACCOUNT, KEY)).toString();
    expect((await new DataLakeFileClient(`${emu.url}/${ACCOUNT}/udfs/open/deep/b.txt?${keySas}`).read()).contentLength).toBe(4);
    expect(await refusal(() => new DataLakeFileClient(`${emu.url}/${ACCOUNT}/udfs/open/a.txt?${keySas}`).read())).toMatchObject({ status: 403 });
  });
});

describe('service stats', () => {
  it('served on the -secondary endpoint of an RA-GRS account; 400 on the primary; writes refused on the secondary (SDK)', async () => {
    const secondary = new BlobServiceClient(`${emu.url}/${ACCOUNT}-secondary`, new StorageSharedKeyCredential(ACCOUNT, KEY));
    const stats = await secondary.getStatistics();
    expect(stats.geoReplication?.status).toBe('live');
    expect(stats.geoReplication?.lastSyncOn).toBeInstanceOf(Date);
    expect(await refusal(() => svc.getStatistics())).toMatchObject({ status: 400, code: 'InvalidQueryParameterValue' });
    // The secondary serves reads of the same data and refuses writes.
    expect((await secondary.getContainerClient('udfs').getBlobClient('open/a.txt').downloadToBuffer()).toString()).toBe('hello');
    expect(await refusal(() => secondary.getContainerClient('udfs').getBlockBlobClient('new.txt').upload('x', 1))).toMatchObject({ status: 403, code: 'InsufficientAccountPermissions' });
    // An LRS account has no secondary endpoint.
    const lrs = new BlobServiceClient(`${emu.url}/${LRS}-secondary`, new StorageSharedKeyCredential(LRS, KEY));
    expect((await refusal(() => lrs.getStatistics())).status).toBeGreaterThanOrEqual(400);
    expect(await refusal(() => new BlobServiceClient(`${emu.url}/${LRS}`, new StorageSharedKeyCredential(LRS, KEY)).getStatistics())).toMatchObject({ status: 400, code: 'InvalidQueryParameterValue' });
  });

  it('Get Account Information names the SKU of the configured replication (SDK)', async () => {
    expect((await svc.getAccountInfo()).skuName).toBe('Standard_RAGRS');
    expect((await new BlobServiceClient(`${emu.url}/${LRS}`, new StorageSharedKeyCredential(LRS, KEY)).getAccountInfo()).skuName).toBe('Standard_LRS');
  });
});
