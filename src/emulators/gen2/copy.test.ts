import { BlobSASPermissions, BlobServiceClient, generateBlobSASQueryParameters, StorageSharedKeyCredential, type ContainerClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_ACCOUNT, DEV_ACCOUNT_KEY, startGen2Emulator, type Gen2Emulator } from './index.js';
import { refusal } from './test-helpers.js';

/** Issue #18: Copy Blob and Copy Blob From URL within the account, through @azure/storage-blob. */

let emu: Gen2Emulator;
let c: ContainerClient;
const key = new StorageSharedKeyCredential(DEV_ACCOUNT, DEV_ACCOUNT_KEY);
const sasFor = (blob: string, perm: string): string =>
  generateBlobSASQueryParameters({ containerName: 'copies', blobName: blob, permissions: BlobSASPermissions.parse(perm), expiresOn: new Date(Date.now() + 3600_000) }, key).toString();

beforeAll(async () => {
  emu = await startGen2Emulator({});
  c = new BlobServiceClient(`${emu.url}/${DEV_ACCOUNT}`, key).getContainerClient('copies');
  await c.create();
  await c.getBlockBlobClient('src').upload('hello', 5, { metadata: { k: 'v' }, blobHTTPHeaders: { blobContentType: 'text/plain', blobCacheControl: 'no-cache' } });
});
afterAll(async () => {
  await emu.close();
});

describe('Copy Blob', () => {
  it('beginCopyFromURL copies content, metadata and content headers; the copy is complete at once', async () => {
    const poller = await c.getBlobClient('dst').beginCopyFromURL(c.getBlobClient('src').url);
    const done = await poller.pollUntilDone();
    expect(done.copyStatus).toBe('success');
    const props = await c.getBlobClient('dst').getProperties();
    expect([props.contentType, props.cacheControl, props.metadata]).toEqual(['text/plain', 'no-cache', { k: 'v' }]);
    expect((await c.getBlobClient('dst').downloadToBuffer()).toString()).toBe('hello');
    // The source is untouched and independent: overwriting it leaves the copy as it was.
    await c.getBlockBlobClient('src').upload('changed', 7, { metadata: { k: 'v' }, blobHTTPHeaders: { blobContentType: 'text/plain', blobCacheControl: 'no-cache' } });
    expect((await c.getBlobClient('dst').downloadToBuffer()).toString()).toBe('hello');
  });

  it('metadata sent with the copy replaces the source metadata; x-ms-access-tier is honoured', async () => {
    await (await c.getBlobClient('dst2').beginCopyFromURL(c.getBlobClient('src').url, { metadata: { other: '1' }, tier: 'Cool' })).pollUntilDone();
    const props = await c.getBlobClient('dst2').getProperties();
    expect(props.metadata).toEqual({ other: '1' });
    expect(props.accessTier).toBe('Cool');
  });

  it('conditions apply to the destination: If-None-Match * on an existing blob is 409 BlobAlreadyExists', async () => {
    await c.getBlockBlobClient('exists').upload('x', 1);
    expect(await refusal(() => c.getBlobClient('exists').beginCopyFromURL(c.getBlobClient('src').url, { conditions: { ifNoneMatch: '*' } }))).toMatchObject({ status: 409, code: 'BlobAlreadyExists' });
  });

  it('a missing source is 404, an Archive source 409 BlobArchived, a relative source URL 400 InvalidHeaderValue', async () => {
    expect((await refusal(() => c.getBlobClient('d3').beginCopyFromURL(c.getBlobClient('nope').url))).status).toBe(404);
    await c.getBlockBlobClient('cold').upload('z', 1, { tier: 'Archive' });
    expect(await refusal(() => c.getBlobClient('d4').beginCopyFromURL(c.getBlobClient('cold').url))).toMatchObject({ status: 409, code: 'BlobArchived' });
    expect(await refusal(() => c.getBlobClient('d5').beginCopyFromURL(`/${DEV_ACCOUNT}/copies/src`))).toMatchObject({ status: 400, code: 'InvalidHeaderValue' });
  });
});

describe('Copy Blob From URL (synchronous)', () => {
  it('with a SAS that grants read on the source: 202 success and the content', async () => {
    const resp = await c.getBlobClient('sync1').syncCopyFromURL(`${c.getBlobClient('src').url}?${sasFor('src', 'r')}`);
    expect(resp.copyStatus).toBe('success');
    expect(resp.contentMD5).toBeUndefined();
    expect((await c.getBlobClient('sync1').downloadToBuffer()).toString()).toBe('changed');
  });

  it('x-ms-source-content-md5 is checked against the source and echoed as Content-MD5', async () => {
    const md5 = (await c.getBlobClient('src').getProperties()).contentMD5 ?? new Uint8Array();
    expect(md5.length).toBe(16);
    const url = `${c.getBlobClient('src').url}?${sasFor('src', 'r')}`;
    const ok = await c.getBlobClient('sync3').syncCopyFromURL(url, { sourceContentMD5: md5 });
    expect(Buffer.from(ok.contentMD5 ?? new Uint8Array()).equals(Buffer.from(md5))).toBe(true);
    expect(await refusal(() => c.getBlobClient('sync4').syncCopyFromURL(url, { sourceContentMD5: new Uint8Array(16) }))).toMatchObject({ status: 400, code: 'Md5Mismatch' });
    expect(await c.getBlobClient('sync4').exists()).toBe(false);
  });

  it('a source without authorization, or with a SAS that does not grant read, is 403 CannotVerifyCopySource', async () => {
    expect(await refusal(() => c.getBlobClient('sync2').syncCopyFromURL(c.getBlobClient('src').url))).toMatchObject({ status: 403, code: 'CannotVerifyCopySource' });
    expect(await refusal(() => c.getBlobClient('sync2').syncCopyFromURL(`${c.getBlobClient('src').url}?${sasFor('src', 'w')}`))).toMatchObject({ status: 403, code: 'CannotVerifyCopySource' });
    expect(await c.getBlobClient('sync2').exists()).toBe(false);
  });
});
