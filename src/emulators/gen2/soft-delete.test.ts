import { BlobServiceClient, StorageSharedKeyCredential as BlobKey } from '@azure/storage-blob';
import { DataLakeServiceClient, StorageSharedKeyCredential } from '@azure/storage-file-datalake';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_ACCOUNT, DEV_ACCOUNT_KEY, startGen2Emulator, type Gen2Emulator } from './index.js';
import { send, refusal } from './test-helpers.js';

/** Issue #18: the delete retention policy: soft delete, listing deleted items, Undelete Blob and Undelete Path. */

/** A short retention "day" for the one test that waits for expiry (its own emulator: the others must not race it). */
const DAY_MS = 300;

let emu: Gen2Emulator;
let blob: BlobServiceClient;
let dl: DataLakeServiceClient;
const raw = (method: string, path: string, headers: Record<string, string> = {}, body?: string) => send(emu.url, method, `/${DEV_ACCOUNT}${path}`, headers, body);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  emu = await startGen2Emulator({ anonymous: true });
  const url = `${emu.url}/${DEV_ACCOUNT}`;
  blob = new BlobServiceClient(url, new BlobKey(DEV_ACCOUNT, DEV_ACCOUNT_KEY));
  dl = new DataLakeServiceClient(url, new StorageSharedKeyCredential(DEV_ACCOUNT, DEV_ACCOUNT_KEY));
});
afterAll(async () => {
  await emu.close();
});

async function deletedPaths(fsName: string, prefix?: string): Promise<{ name: string; deletionId: string | undefined }[]> {
  const out: { name: string; deletionId: string | undefined }[] = [];
  for await (const p of dl.getFileSystemClient(fsName).listDeletedPaths(prefix === undefined ? {} : { prefix })) out.push({ name: p.name, deletionId: p.deletionId });
  return out;
}

describe('without a retention policy deletes are permanent', () => {
  it('nothing is kept and the response says so', async () => {
    await raw('PUT', '/permanent?restype=container');
    await raw('PUT', '/permanent/a.txt', { 'x-ms-blob-type': 'BlockBlob' }, 'abc');
    const del = await raw('DELETE', '/permanent/a.txt');
    expect([del.status, del.headers['x-ms-delete-type-permanent']]).toEqual([202, 'true']);
    expect(await deletedPaths('permanent')).toEqual([]);
    const undelete = await raw('PUT', '/permanent/a.txt?comp=undelete');
    expect([undelete.status, undelete.headers['x-ms-error-code']]).toEqual([404, 'BlobNotFound']);
  });
});

describe('soft delete through @azure/storage-blob', () => {
  it('lists a deleted blob with include=deleted and brings it back with Undelete Blob', async () => {
    await blob.setProperties({ deleteRetentionPolicy: { enabled: true, days: 3 } });
    const c = blob.getContainerClient('soft');
    await c.create();
    const b = c.getBlockBlobClient('keep/me.txt');
    await b.upload('precious', 8, { metadata: { owner: 'ops' }, tier: 'Cool' });
    const del = await b.delete();
    expect(del._response.headers.get('x-ms-delete-type-permanent')).toBe('false');
    expect(await b.exists()).toBe(false);
    const live: string[] = [];
    for await (const item of c.listBlobsFlat({ prefix: 'keep/' })) live.push(item.name);
    expect(live).toEqual([]);
    const withDeleted: { name: string; deleted: boolean | undefined; days: number | undefined }[] = [];
    for await (const item of c.listBlobsFlat({ prefix: 'keep/', includeDeleted: true })) withDeleted.push({ name: item.name, deleted: item.deleted, days: item.properties.remainingRetentionDays });
    expect(withDeleted).toEqual([{ name: 'keep/me.txt', deleted: true, days: 3 }]);
    await b.undelete();
    expect((await b.downloadToBuffer()).toString()).toBe('precious');
    const p = await b.getProperties();
    expect(p.metadata).toEqual({ owner: 'ops' });
    expect(p.accessTier).toBe('Cool');
    // Undelete on a live blob with nothing deleted is a no-op, as on Azure.
    await b.undelete();
    expect(await b.exists()).toBe(true);
  });

  it('keeps the snapshots of a deleted blob and restores them with it', async () => {
    const b = blob.getContainerClient('soft').getBlockBlobClient('snapped.txt');
    await b.upload('v1', 2);
    const snap = await b.createSnapshot();
    await b.delete({ deleteSnapshots: 'include' });
    expect(await b.withSnapshot(snap.snapshot ?? '').exists()).toBe(false);
    await b.undelete();
    expect((await b.withSnapshot(snap.snapshot ?? '').downloadToBuffer()).toString()).toBe('v1');
  });
});

describe('soft delete through @azure/storage-file-datalake', () => {
  it('lists deleted paths and restores a directory with its subtree by deletion id', async () => {
    await dl.setProperties({ deleteRetentionPolicy: { enabled: true, days: 2 } });
    const fs = dl.getFileSystemClient('softdfs');
    await fs.create();
    const dir = fs.getDirectoryClient('data');
    await dir.create();
    const f = fs.getFileClient('data/part-0.csv');
    await f.create();
    await f.append(Buffer.from('a,b\n'), 0, 4);
    await f.flush(4);
    await fs.getFileClient('data/sub/part-1.csv').create();
    await dir.delete(true);
    expect(await dir.exists()).toBe(false);
    const gone = await deletedPaths('softdfs');
    expect(gone.map((g) => g.name)).toEqual(['data']);
    // A new directory of the same name blocks the restore until it is gone.
    await dir.create();
    const id = gone[0]?.deletionId ?? '';
    expect(id).toMatch(/^\d+$/);
    expect(await refusal(() => fs.undeletePath('data', id))).toMatchObject({ status: 409 });
    await dir.delete(true);
    const twice = await deletedPaths('softdfs', 'data');
    expect(twice).toHaveLength(2);
    const restored = await fs.undeletePath('data', id);
    expect(restored.pathClient.name).toBe('data');
    expect((await f.readToBuffer()).toString()).toBe('a,b\n');
    expect(await fs.getFileClient('data/sub/part-1.csv').exists()).toBe(true);
    expect((await deletedPaths('softdfs')).map((g) => g.deletionId)).not.toContain(id);
  });

  it('pages the deleted paths', async () => {
    const fs = dl.getFileSystemClient('softpages');
    await fs.create();
    for (const n of ['a', 'b', 'c']) {
      await fs.getFileClient(n).create();
      await fs.getFileClient(n).delete();
    }
    const pages: number[] = [];
    for await (const page of fs.listDeletedPaths().byPage({ maxPageSize: 2 })) pages.push(page.pathItems?.length ?? 0);
    expect(pages).toEqual([2, 1]);
  });

  it('forgets deleted paths when the retention ends', async () => {
    const short = await startGen2Emulator({ anonymous: true, retentionDayMs: DAY_MS });
    try {
      const svc = new DataLakeServiceClient(`${short.url}/${DEV_ACCOUNT}`, new StorageSharedKeyCredential(DEV_ACCOUNT, DEV_ACCOUNT_KEY));
      await svc.setProperties({ deleteRetentionPolicy: { enabled: true, days: 1 } });
      const fs = svc.getFileSystemClient('expiring');
      await fs.create();
      await fs.getFileClient('a').create();
      await fs.getFileClient('a').delete();
      // One "day" of retention at DAY_MS.
      await sleep(DAY_MS + 50);
      const left: string[] = [];
      for await (const p of fs.listDeletedPaths()) left.push(p.name);
      expect(left).toEqual([]);
      expect(await refusal(() => fs.getFileClient('a').getProperties())).toMatchObject({ status: 404 });
      expect((await send(short.url, 'PUT', `/${DEV_ACCOUNT}/expiring/a?comp=undelete`)).status).toBe(404);
    } finally {
      await short.close();
    }
  });
});

describe('soft delete: error cases on the wire', () => {
  it('answers Azure status and error codes', async () => {
    await raw('PUT', '/softraw?restype=container');
    await raw('PUT', '/softraw/dir/x.txt', { 'x-ms-blob-type': 'BlockBlob' }, 'x');
    const dfsDel = await raw('DELETE', '/softraw/dir?recursive=true');
    expect([dfsDel.status, dfsDel.headers['x-ms-delete-type-permanent']]).toEqual([200, 'false']);
    expect(dfsDel.headers['x-ms-deletion-id']).toMatch(/^\d+$/);
    const badSource = await raw('PUT', '/softraw/dir?comp=undelete', { 'x-ms-undelete-source': '?deletionid=abc' });
    expect([badSource.status, badSource.headers['x-ms-error-code']]).toEqual([400, 'InvalidHeaderValue']);
    const wrongId = await raw('PUT', '/softraw/dir?comp=undelete', { 'x-ms-undelete-source': '?deletionid=123' });
    expect(wrongId.status).toBe(404);
    const child = await raw('PUT', '/softraw/dir/x.txt?comp=undelete');
    expect(child.status).toBe(404);
    const restore = await raw('PUT', '/softraw/dir?comp=undelete', { 'x-ms-undelete-source': `?deletionid=${dfsDel.headers['x-ms-deletion-id'] ?? ''}` });
    expect([restore.status, restore.headers['x-ms-resource-type']]).toEqual([200, 'directory']);
    expect((await raw('GET', '/softraw/dir/x.txt')).text).toBe('x');
    // A file whose parent directory is itself deleted cannot come back first.
    await raw('DELETE', '/softraw/dir/x.txt');
    await raw('DELETE', '/softraw/dir?recursive=true');
    const orphan = await raw('PUT', '/softraw/dir/x.txt?comp=undelete');
    expect([orphan.status, orphan.headers['x-ms-error-code']]).toEqual([404, 'ParentNotFound']);
    const list = await raw('GET', '/softraw?restype=container&comp=list&showonly=deleted&prefix=dir');
    expect(list.status).toBe(200);
    expect(list.text).toContain('<Name>dir</Name><Deleted>true</Deleted>');
    expect(list.text).toContain('<Name>dir/x.txt</Name><Deleted>true</Deleted>');
    const badShow = await raw('GET', '/softraw?restype=container&comp=list&showonly=everything');
    expect(badShow.status).toBe(400);
    expect((await raw('DELETE', '/softraw?restype=container')).status).toBe(202);
  });
});
