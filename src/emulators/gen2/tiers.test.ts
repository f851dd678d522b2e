import { BlobServiceClient, StorageSharedKeyCredential as BlobKey } from '@azure/storage-blob';
import { DataLakeServiceClient, StorageSharedKeyCredential } from '@azure/storage-file-datalake';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_ACCOUNT, DEV_ACCOUNT_KEY, startGen2Emulator, type Gen2Emulator } from './index.js';
import { send, refusal } from './test-helpers.js';

/** Issue #18: access tiers, Archive and rehydration on the hierarchical namespace. */

const REHYDRATE_STANDARD = 600;
const REHYDRATE_HIGH = 150;

let emu: Gen2Emulator;
let blob: BlobServiceClient;
let dl: DataLakeServiceClient;
const raw = (method: string, path: string, headers: Record<string, string> = {}, body?: string) => send(emu.url, method, `/${DEV_ACCOUNT}${path}`, headers, body);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  emu = await startGen2Emulator({ anonymous: true, rehydrateMs: { standard: REHYDRATE_STANDARD, high: REHYDRATE_HIGH } });
  const url = `${emu.url}/${DEV_ACCOUNT}`;
  blob = new BlobServiceClient(url, new BlobKey(DEV_ACCOUNT, DEV_ACCOUNT_KEY));
  dl = new DataLakeServiceClient(url, new StorageSharedKeyCredential(DEV_ACCOUNT, DEV_ACCOUNT_KEY));
  await blob.getContainerClient('tiers').create();
});
afterAll(async () => {
  await emu.close();
});

/** Polls until `check` holds (rehydration completes on the emulator's clock); fails after ~5 s. */
async function eventually(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await check()) return;
    await sleep(50);
  }
  throw new Error('condition never held');
}

describe('access tiers through @azure/storage-blob', () => {
  it('a new blob is Hot and inferred; Set Blob Tier makes it explicit (inferred false in properties, absent in listings)', async () => {
    const c = blob.getContainerClient('tiers');
    const b = c.getBlockBlobClient('plain.txt');
    await b.upload('abc', 3);
    let p = await b.getProperties();
    expect([p.accessTier, p.accessTierInferred]).toEqual(['Hot', true]);
    const set = await b.setAccessTier('Cool');
    expect(set._response.status).toBe(200);
    p = await b.getProperties();
    expect([p.accessTier, p.accessTierInferred]).toEqual(['Cool', false]);
    expect(p.accessTierChangedOn).toBeInstanceOf(Date);
    await b.setAccessTier('Cold');
    for await (const item of c.listBlobsFlat({ prefix: 'plain' })) {
      expect([item.properties.accessTier, item.properties.accessTierInferred]).toEqual(['Cold', undefined]);
      expect(item.properties.accessTierChangedOn).toBeInstanceOf(Date);
    }
    // Reading is fine in every online tier.
    expect((await b.downloadToBuffer()).toString()).toBe('abc');
  });

  it('honours x-ms-access-tier on upload and on commit; an overwrite without it is Hot again', async () => {
    const c = blob.getContainerClient('tiers');
    const b = c.getBlockBlobClient('uploaded.txt');
    await b.upload('x', 1, { tier: 'Cool' });
    expect([(await b.getProperties()).accessTier, (await b.getProperties()).accessTierInferred]).toEqual(['Cool', false]);
    await b.upload('y', 1);
    const p = await b.getProperties();
    expect([p.accessTier, p.accessTierInferred]).toEqual(['Hot', true]);
    const id = Buffer.from('b1').toString('base64');
    const committed = c.getBlockBlobClient('committed.txt');
    await committed.stageBlock(id, Buffer.from('zz'), 2);
    await committed.commitBlockList([id], { tier: 'Cold' });
    expect((await committed.getProperties()).accessTier).toBe('Cold');
  });

  it('an Archive blob cannot be read or changed, and rehydrates with the priority asked for', async () => {
    const c = blob.getContainerClient('tiers');
    const b = c.getBlockBlobClient('cold-storage.txt');
    await b.upload('archived bytes', 14, { tier: 'Archive' });
    expect((await b.getProperties()).accessTier).toBe('Archive');
    expect(await refusal(() => b.download())).toEqual({ status: 409, code: 'BlobArchived' });
    expect(await refusal(() => b.setMetadata({ a: 'b' }))).toEqual({ status: 409, code: 'BlobArchived' });
    expect(await refusal(() => b.createSnapshot())).toEqual({ status: 409, code: 'BlobArchived' });
    const started = await b.setAccessTier('Hot', { rehydratePriority: 'Standard' });
    expect(started._response.status).toBe(202);
    let p = await b.getProperties();
    expect([p.accessTier, p.archiveStatus, p.rehydratePriority]).toEqual(['Archive', 'rehydrate-pending-to-hot', 'Standard']);
    for await (const item of c.listBlobsFlat({ prefix: 'cold-storage' })) {
      expect([item.properties.accessTier, item.properties.archiveStatus, item.properties.rehydratePriority]).toEqual(['Archive', 'rehydrate-pending-to-hot', 'Standard']);
    }
    // Another target while rehydrating is refused; raising the priority is not.
    expect(await refusal(() => b.setAccessTier('Cool'))).toEqual({ status: 409, code: 'BlobBeingRehydrated' });
    expect((await b.setAccessTier('Hot', { rehydratePriority: 'High' }))._response.status).toBe(202);
    expect((await b.getProperties()).rehydratePriority).toBe('High');
    expect(await refusal(() => b.download())).toEqual({ status: 409, code: 'BlobArchived' });
    await eventually(async () => (await b.getProperties()).accessTier === 'Hot');
    p = await b.getProperties();
    expect([p.accessTier, p.archiveStatus, p.accessTierInferred]).toEqual(['Hot', undefined, false]);
    expect((await b.downloadToBuffer()).toString()).toBe('archived bytes');
  });
});

describe('access tiers and the DFS endpoint (@azure/storage-file-datalake)', () => {
  it('a file written over DFS takes a tier; an archived file refuses appends and reads', async () => {
    const fs = dl.getFileSystemClient('tiers');
    const file = fs.getFileClient('dfs/file.bin');
    await file.create();
    await file.append(Buffer.from('0123'), 0, 4);
    await file.flush(4);
    const bc = blob.getContainerClient('tiers').getBlockBlobClient('dfs/file.bin');
    await bc.setAccessTier('Archive');
    expect((await file.getProperties()).accessTier).toBe('Archive');
    expect(await refusal(() => file.read())).toEqual({ status: 409, code: 'BlobArchived' });
    expect(await refusal(() => file.append(Buffer.from('x'), 4, 1))).toMatchObject({ status: 409, code: 'BlobArchived' });
    // A directory has no tier.
    expect(await refusal(() => blob.getContainerClient('tiers').getBlockBlobClient('dfs').setAccessTier('Cool'))).toMatchObject({ status: 409 });
  });
});

describe('access tiers: error cases on the wire', () => {
  it('answers Azure status and error codes and stores nothing for a bad tier', async () => {
    await raw('PUT', '/tiers/raw.txt', { 'x-ms-blob-type': 'BlockBlob' }, 'abc');
    const missing = await raw('PUT', '/tiers/raw.txt?comp=tier');
    expect([missing.status, missing.headers['x-ms-error-code']]).toEqual([400, 'MissingRequiredHeader']);
    const bad = await raw('PUT', '/tiers/raw.txt?comp=tier', { 'x-ms-access-tier': 'Lukewarm' });
    expect([bad.status, bad.headers['x-ms-error-code']]).toEqual([400, 'InvalidHeaderValue']);
    const badPriority = await raw('PUT', '/tiers/raw.txt?comp=tier', { 'x-ms-access-tier': 'Cool', 'x-ms-rehydrate-priority': 'Urgent' });
    expect([badPriority.status, badPriority.headers['x-ms-error-code']]).toEqual([400, 'InvalidHeaderValue']);
    const nope = await raw('PUT', '/tiers/none.txt?comp=tier', { 'x-ms-access-tier': 'Cool' });
    expect([nope.status, nope.headers['x-ms-error-code']]).toEqual([404, 'BlobNotFound']);
    const badUpload = await raw('PUT', '/tiers/never.txt', { 'x-ms-blob-type': 'BlockBlob', 'x-ms-access-tier': 'Frozen' }, 'data');
    expect([badUpload.status, badUpload.headers['x-ms-error-code']]).toEqual([400, 'InvalidHeaderValue']);
    expect((await raw('HEAD', '/tiers/never.txt')).status).toBe(404);
    const lower = await raw('PUT', '/tiers/raw.txt?comp=tier', { 'x-ms-access-tier': 'cool' });
    expect(lower.status).toBe(200);
    const head = await raw('HEAD', '/tiers/raw.txt');
    expect(head.headers['x-ms-access-tier']).toBe('Cool');
    expect(head.headers['x-ms-access-tier-inferred']).toBe('false');
    expect(head.headers['x-ms-access-tier-change-time']).toBeDefined();
  });
});
