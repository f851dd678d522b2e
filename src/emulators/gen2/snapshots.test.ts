import { BlobServiceClient, StorageSharedKeyCredential as BlobKey } from '@azure/storage-blob';
import { DataLakeServiceClient, StorageSharedKeyCredential } from '@azure/storage-file-datalake';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_ACCOUNT, DEV_ACCOUNT_KEY, startGen2Emulator, type Gen2Emulator } from './index.js';
import { send, refusal } from './test-helpers.js';

/** Issue #18: blob snapshots on the hierarchical namespace, through both SDKs and raw HTTP. */

let emu: Gen2Emulator;
let blob: BlobServiceClient;
let dl: DataLakeServiceClient;
const raw = (method: string, path: string, headers: Record<string, string> = {}, body?: string) => send(emu.url, method, `/${DEV_ACCOUNT}${path}`, headers, body);

beforeAll(async () => {
  emu = await startGen2Emulator({ anonymous: true });
  const url = `${emu.url}/${DEV_ACCOUNT}`;
  blob = new BlobServiceClient(url, new BlobKey(DEV_ACCOUNT, DEV_ACCOUNT_KEY));
  dl = new DataLakeServiceClient(url, new StorageSharedKeyCredential(DEV_ACCOUNT, DEV_ACCOUNT_KEY));
});
afterAll(async () => {
  await emu.close();
});

async function text(b: { download(): Promise<{ readableStreamBody?: NodeJS.ReadableStream }> }): Promise<string> {
  const r = await b.download();
  const parts: Buffer[] = [];
  for await (const d of r.readableStreamBody as AsyncIterable<Buffer>) parts.push(d);
  return Buffer.concat(parts).toString('utf8');
}

describe('snapshots through @azure/storage-blob', () => {
  it('takes a snapshot, reads it after the blob changed, and lists it before the blob', async () => {
    const c = blob.getContainerClient('snaps');
    await c.create();
    const b = c.getBlockBlobClient('dir/data.txt');
    await b.upload('version one', 11, { metadata: { rev: '1' }, blobHTTPHeaders: { blobContentType: 'text/plain' } });
    const snap = await b.createSnapshot();
    expect(snap.snapshot).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}Z$/);
    const second = await b.createSnapshot({ metadata: { rev: 'snap2' } });
    expect(second.snapshot).not.toBe(snap.snapshot);
    await b.upload('version two!', 12);
    const old = b.withSnapshot(snap.snapshot ?? '');
    expect(await text(old)).toBe('version one');
    const props = await old.getProperties();
    expect(props.contentLength).toBe(11);
    expect(props.contentType).toBe('text/plain');
    expect(props.metadata).toEqual({ rev: '1' });
    expect((await b.withSnapshot(second.snapshot ?? '').getProperties()).metadata).toEqual({ rev: 'snap2' });
    expect(await text(b)).toBe('version two!');
    const listed: { name: string; snapshot: string | undefined }[] = [];
    for await (const item of c.listBlobsFlat({ includeSnapshots: true, prefix: 'dir/' })) listed.push({ name: item.name, snapshot: item.snapshot || undefined });
    expect(listed).toEqual([
      { name: 'dir/data.txt', snapshot: snap.snapshot },
      { name: 'dir/data.txt', snapshot: second.snapshot },
      { name: 'dir/data.txt', snapshot: undefined },
    ]);
    const plain: string[] = [];
    for await (const item of c.listBlobsFlat({ prefix: 'dir/' })) plain.push(item.name);
    expect(plain).toEqual(['dir/data.txt']);
    const byLevel: string[] = [];
    for await (const item of c.listBlobsByHierarchy('/', { prefix: 'dir/', includeSnapshots: true })) byLevel.push(item.kind === 'blob' ? `${item.name}@${item.snapshot ?? ''}` : item.name);
    expect(byLevel).toEqual([`dir/data.txt@${snap.snapshot ?? ''}`, `dir/data.txt@${second.snapshot ?? ''}`, 'dir/data.txt@']);
  });

  it('reads the committed block list of a snapshot', async () => {
    const b = blob.getContainerClient('snaps').getBlockBlobClient('blocks.bin');
    const id = Buffer.from('block-0001').toString('base64');
    await b.stageBlock(id, Buffer.from('abc'), 3);
    await b.commitBlockList([id]);
    const snap = await b.createSnapshot();
    await b.upload('replaced', 8);
    const list = await b.withSnapshot(snap.snapshot ?? '').getBlockList('all');
    expect(list.committedBlocks?.map((x) => [x.name, x.size])).toEqual([[id, 3]]);
    expect(list.uncommittedBlocks ?? []).toEqual([]);
  });

  it('refuses to delete a blob with snapshots unless told what to do with them', async () => {
    const c = blob.getContainerClient('snaps');
    const b = c.getBlockBlobClient('del.txt');
    await b.upload('x', 1);
    const s1 = await b.createSnapshot();
    await b.createSnapshot();
    expect(await refusal(() => b.delete())).toMatchObject({ status: 409, code: 'SnapshotsPresent' });
    // One snapshot by its time.
    await b.withSnapshot(s1.snapshot ?? '').delete();
    expect(await refusal(() => b.withSnapshot(s1.snapshot ?? '').getProperties())).toMatchObject({ status: 404 });
    // Only the snapshots: the blob stays.
    await b.delete({ deleteSnapshots: 'only' });
    expect(await b.exists()).toBe(true);
    await b.delete();
    expect(await b.exists()).toBe(false);
    // Blob and snapshots together.
    await b.upload('y', 1);
    const s3 = await b.createSnapshot();
    await b.delete({ deleteSnapshots: 'include' });
    expect(await b.exists()).toBe(false);
    expect(await b.withSnapshot(s3.snapshot ?? '').exists()).toBe(false);
  });
});

describe('snapshots and the DFS endpoint (@azure/storage-file-datalake)', () => {
  it('refuses to delete or rename a file that has snapshots; deleting its directory takes them', async () => {
    const fs = dl.getFileSystemClient('snapdfs');
    await fs.create();
    const file = fs.getFileClient('d/f.txt');
    await file.create();
    await file.append(Buffer.from('hello'), 0, 5);
    await file.flush(5);
    const bc = blob.getContainerClient('snapdfs').getBlockBlobClient('d/f.txt');
    const snap = await bc.createSnapshot();
    expect(await refusal(() => file.delete())).toMatchObject({ status: 409, code: 'SnapshotsPresent' });
    expect(await refusal(() => file.move('d/g.txt'))).toMatchObject({ status: 409, code: 'SnapshotsPresent' });
    expect(await file.exists()).toBe(true);
    // Nor can a rename replace a file that has snapshots.
    const other = fs.getFileClient('d/other.txt');
    await other.create();
    expect(await refusal(() => other.move('d/f.txt'))).toMatchObject({ status: 409, code: 'SnapshotsPresent' });
    expect(await other.exists()).toBe(true);
    await fs.getDirectoryClient('d').delete(true);
    expect(await bc.withSnapshot(snap.snapshot ?? '').exists()).toBe(false);
    // A file created again at that name has no snapshots from before.
    await fs.getFileClient('d/f.txt').create();
    await fs.getFileClient('d/f.txt').delete();
  });
});

describe('snapshots: error cases on the wire', () => {
  it('answers Azure status and error codes', async () => {
    await raw('PUT', '/snapraw?restype=container');
    await raw('PUT', '/snapraw/a.txt', { 'x-ms-blob-type': 'BlockBlob' }, 'abc');
    await raw('PUT', '/snapraw/dir?resource=directory');
    const missing = await raw('PUT', '/snapraw/nope?comp=snapshot');
    expect([missing.status, missing.headers['x-ms-error-code']]).toEqual([404, 'BlobNotFound']);
    const dir = await raw('PUT', '/snapraw/dir?comp=snapshot');
    expect(dir.status).toBe(409);
    const bad = await raw('GET', '/snapraw/a.txt?snapshot=yesterday');
    expect([bad.status, bad.headers['x-ms-error-code']]).toEqual([400, 'InvalidQueryParameterValue']);
    const absent = await raw('GET', '/snapraw/a.txt?snapshot=2020-01-01T00:00:00.0000000Z');
    expect([absent.status, absent.headers['x-ms-error-code']]).toEqual([404, 'BlobNotFound']);
    const made = await raw('PUT', '/snapraw/a.txt?comp=snapshot', { 'If-Match': '"0x8D000000000000"' });
    expect([made.status, made.headers['x-ms-error-code']]).toEqual([412, 'ConditionNotMet']);
    const ok = await raw('PUT', '/snapraw/a.txt?comp=snapshot');
    expect(ok.status).toBe(201);
    const snap = ok.headers['x-ms-snapshot'] ?? '';
    const both = await raw('DELETE', `/snapraw/a.txt?snapshot=${encodeURIComponent(snap)}`, { 'x-ms-delete-snapshots': 'include' });
    expect(both.status).toBe(400);
    const badMode = await raw('DELETE', '/snapraw/a.txt', { 'x-ms-delete-snapshots': 'some' });
    expect([badMode.status, badMode.headers['x-ms-error-code']]).toEqual([400, 'InvalidHeaderValue']);
    const refused = await raw('DELETE', '/snapraw/a.txt');
    expect([refused.status, refused.headers['x-ms-error-code']]).toEqual([409, 'SnapshotsPresent']);
    const dfs = await raw('DELETE', '/snapraw/a.txt?recursive=false');
    expect([dfs.status, dfs.headers['x-ms-error-code']]).toEqual([409, 'SnapshotsPresent']);
    expect(JSON.parse(dfs.text)).toMatchObject({ error: { code: 'SnapshotsPresent' } });
    const read = await raw('GET', `/snapraw/a.txt?snapshot=${encodeURIComponent(snap)}`);
    expect([read.status, read.text]).toEqual([200, 'abc']);
    const ranged = await raw('GET', `/snapraw/a.txt?snapshot=${encodeURIComponent(snap)}`, { 'x-ms-range': 'bytes=1-1' });
    expect([ranged.status, ranged.text]).toEqual([206, 'b']);
    // Deleting the container releases the snapshots with it.
    expect((await raw('DELETE', '/snapraw?restype=container')).status).toBe(202);
  });
});
