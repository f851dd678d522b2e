import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlobServiceClient, StorageSharedKeyCredential as BlobKey } from '@azure/storage-blob';
import { DataLakeServiceClient, StorageSharedKeyCredential } from '@azure/storage-file-datalake';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_ACCOUNT, DEV_ACCOUNT_KEY, startGen2Emulator, type Gen2Emulator } from './index.js';

let emu: Gen2Emulator;
let dl: DataLakeServiceClient;
let blob: BlobServiceClient;

beforeAll(async () => {
  emu = await startGen2Emulator({});
  const url = `${emu.url}/${DEV_ACCOUNT}`;
  dl = new DataLakeServiceClient(url, new StorageSharedKeyCredential(DEV_ACCOUNT, DEV_ACCOUNT_KEY));
  blob = new BlobServiceClient(url, new BlobKey(DEV_ACCOUNT, DEV_ACCOUNT_KEY));
});
afterAll(async () => {
  await emu.close();
});

const fullAcl = 'user::rwx,group::r-x,other::---';

describe('official DataLake client', () => {
  it('creates, lists and deletes filesystems', async () => {
    const fs = dl.getFileSystemClient('sdk-fs');
    await fs.create({ metadata: { team: 'data' } });
    expect((await fs.createIfNotExists()).succeeded).toBe(false);
    expect(await fs.exists()).toBe(true);
    expect((await fs.getProperties()).metadata).toEqual({ team: 'data' });
    const names: string[] = [];
    for await (const f of dl.listFileSystems()) names.push(f.name);
    expect(names).toContain('sdk-fs');
    await fs.delete();
    expect(await fs.exists()).toBe(false);
    expect((await fs.deleteIfExists()).succeeded).toBe(false);
  });

  it('uploads, reads, ranges and lists paths with continuation', async () => {
    const fs = dl.getFileSystemClient('sdk-data');
    await fs.create();
    expect((await fs.getDirectoryClient('dir').createIfNotExists()).succeeded).toBe(true);
    expect((await fs.getDirectoryClient('dir').createIfNotExists()).succeeded).toBe(false);
    const data = Buffer.alloc(300_000, 7);
    data.write('head', 0);
    const file = fs.getFileClient('dir/sub/big.bin');
    await file.upload(data, { chunkSize: 64 * 1024, maxConcurrency: 4, metadata: { origin: 'gen1' } });
    expect((await file.readToBuffer()).equals(data)).toBe(true);
    const part = await file.read(1, 3);
    expect(await streamText(part.readableStreamBody)).toBe('ead');
    const props = await file.getProperties();
    expect(props.contentLength).toBe(300_000);
    expect(props.metadata).toEqual({ origin: 'gen1' });
    for (let i = 0; i < 7; i++) await fs.getFileClient(`many/f${i}`).create();
    const pages: number[] = [];
    const seen: string[] = [];
    for await (const page of fs.listPaths({ path: 'many', recursive: false }).byPage({ maxPageSize: 3 })) {
      pages.push(page.pathItems?.length ?? 0);
      for (const p of page.pathItems ?? []) seen.push(p.name ?? '');
    }
    expect(pages).toEqual([3, 3, 1]);
    expect(seen).toEqual(Array.from({ length: 7 }, (_, i) => `many/f${i}`));
    const all: string[] = [];
    for await (const p of fs.listPaths({ recursive: true })) all.push(`${p.name}${p.isDirectory ? '/' : ''}`);
    expect(all).toEqual(expect.arrayContaining(['dir/', 'dir/sub/', 'dir/sub/big.bin', 'many/']));
  });

  it('moves files and directories without losing data', async () => {
    const fs = dl.getFileSystemClient('sdk-move');
    await fs.create();
    await fs.getFileClient('src/a.txt').upload(Buffer.from('alpha'));
    await fs.getFileClient('src/a.txt').move('renamed.txt');
    expect((await fs.getFileClient('renamed.txt').readToBuffer()).toString()).toBe('alpha');
    await fs.getFileClient('src/deep/b.txt').upload(Buffer.from('beta'));
    await fs.getDirectoryClient('src').move('dst');
    expect((await fs.getFileClient('dst/deep/b.txt').readToBuffer()).toString()).toBe('beta');
    expect(await fs.getDirectoryClient('src').exists()).toBe(false);
  });

  it('moves a directory named outside the BMP with its subtree and staged blocks, not its look-alike siblings', async () => {
    const fs = dl.getFileSystemClient('sdk-move-emoji');
    await fs.create();
    await fs.getFileClient('d\u{1F600}/sub/f.txt').upload(Buffer.from('deep'));
    await fs.getFileClient('d\u{1F600}.txt').upload(Buffer.from('sibling'));
    const blockId = Buffer.from('block-1').toString('base64');
    await blob.getContainerClient('sdk-move-emoji').getBlockBlobClient('d\u{1F600}/staged.bin').stageBlock(blockId, Buffer.from('staged'), 6);
    await fs.getDirectoryClient('d\u{1F600}').move('moved');
    const names: string[] = [];
    for await (const p of fs.listPaths({ recursive: true })) names.push(p.name ?? '');
    expect(names.sort()).toEqual(['d\u{1F600}.txt', 'moved', 'moved/sub', 'moved/sub/f.txt']);
    expect((await fs.getFileClient('moved/sub/f.txt').readToBuffer()).toString()).toBe('deep');
    const moved = blob.getContainerClient('sdk-move-emoji').getBlockBlobClient('moved/staged.bin');
    await moved.commitBlockList([blockId]);
    expect((await moved.downloadToBuffer()).toString()).toBe('staged');
  });

  it('round-trips access control and runs recursive ACL updates', async () => {
    const fs = dl.getFileSystemClient('sdk-acl');
    await fs.create();
    const dir = fs.getDirectoryClient('top');
    await dir.create();
    for (const n of ['top/a/1.txt', 'top/a/2.txt', 'top/3.txt']) await fs.getFileClient(n).create();
    await dir.setAccessControl([
      { accessControlType: 'user', entityId: '', defaultScope: false, permissions: { read: true, write: true, execute: true } },
      { accessControlType: 'user', entityId: 'oid-1', defaultScope: false, permissions: { read: true, write: false, execute: true } },
      { accessControlType: 'group', entityId: '', defaultScope: false, permissions: { read: true, write: false, execute: true } },
      { accessControlType: 'other', entityId: '', defaultScope: false, permissions: { read: false, write: false, execute: false } },
    ]);
    const got = await dir.getAccessControl();
    expect(got.owner).toBe('$superuser');
    expect(got.acl.map((e) => `${e.accessControlType}:${e.entityId}`)).toEqual(['user:', 'user:oid-1', 'group:', 'mask:', 'other:']);
    expect(got.permissions?.extendedAcls).toBe(true);
    const res = await dir.updateAccessControlRecursive([{ accessControlType: 'group', entityId: 'grp-9', defaultScope: false, permissions: { read: true, write: false, execute: false } }], { batchSize: 2 });
    expect(res.counters).toEqual({ changedDirectoriesCount: 2, changedFilesCount: 3, failedChangesCount: 0 });
    const fileAcl = await fs.getFileClient('top/a/2.txt').getAccessControl();
    expect(fileAcl.acl.some((e) => e.entityId === 'grp-9')).toBe(true);
    await fs.getFileClient('top/3.txt').setPermissions({ owner: { read: true, write: true, execute: false }, group: { read: false, write: false, execute: false }, other: { read: false, write: false, execute: false }, stickyBit: false, extendedAcls: false });
    const perms = (await fs.getFileClient('top/3.txt').getAccessControl()).permissions;
    expect(perms?.group.read).toBe(false);
    await expect(fs.getFileClient('top/3.txt').setAccessControl([{ accessControlType: 'user', entityId: '', defaultScope: true, permissions: { read: true, write: true, execute: true } }])).rejects.toMatchObject({ statusCode: 400 });
    expect(fullAcl).toContain('user::');
  });

  it('leases a file through the DataLake lease client', async () => {
    const fs = dl.getFileSystemClient('sdk-lease');
    await fs.create();
    const file = fs.getFileClient('l.txt');
    await file.create();
    const lease = file.getDataLakeLeaseClient();
    await lease.acquireLease(15);
    await expect(file.append(Buffer.from('x'), 0, 1)).rejects.toMatchObject({ statusCode: 412 });
    await file.append(Buffer.from('x'), 0, 1, { conditions: { leaseId: lease.leaseId } });
    await file.flush(1, { conditions: { leaseId: lease.leaseId } });
    await lease.releaseLease();
    expect((await file.getProperties()).leaseState).toBe('available');
  });

  it('deletes recursively and reports missing paths', async () => {
    const fs = dl.getFileSystemClient('sdk-del');
    await fs.create();
    await fs.getFileClient('t/u/v.txt').upload(Buffer.from('v'));
    await expect(fs.getDirectoryClient('t').delete(false)).rejects.toMatchObject({ statusCode: 409 });
    await fs.getDirectoryClient('t').delete(true);
    expect((await fs.getDirectoryClient('t').deleteIfExists()).succeeded).toBe(false);
  });
});

describe('one namespace through both APIs', () => {
  it('reads DFS-written data through Blob and Blob-written data through DFS', async () => {
    const fs = dl.getFileSystemClient('both');
    await fs.create();
    await fs.getFileClient('x/from-dfs.txt').upload(Buffer.from('dfs bytes'));
    const container = blob.getContainerClient('both');
    const viaBlob = await container.getBlobClient('x/from-dfs.txt').downloadToBuffer();
    expect(viaBlob.toString()).toBe('dfs bytes');
    await container.getBlockBlobClient('a/b/c/from-blob.txt').upload('blob bytes', 10, { metadata: { k: 'v' } });
    expect((await fs.getFileClient('a/b/c/from-blob.txt').readToBuffer()).toString()).toBe('blob bytes');
    const paths: string[] = [];
    for await (const p of fs.listPaths({ path: 'a', recursive: true })) paths.push(`${p.name}:${p.isDirectory === true ? 'dir' : 'file'}`);
    expect(paths).toEqual(['a/b:dir', 'a/b/c:dir', 'a/b/c/from-blob.txt:file']);
    const flat: string[] = [];
    for await (const b of container.listBlobsFlat({ includeMetadata: true, prefix: 'a' })) flat.push(`${b.name}:${b.metadata?.['hdi_isfolder'] ?? '-'}`);
    expect(flat).toEqual(['a:true', 'a/b:true', 'a/b/c:true', 'a/b/c/from-blob.txt:-']);
    const tree: string[] = [];
    for await (const item of container.listBlobsByHierarchy('/', { prefix: 'a/b/' })) tree.push(`${item.kind}:${item.name}`);
    expect(tree).toEqual(['prefix:a/b/c/']);
  });

  it('commits staged blocks (uploadData) and serves ranged downloads', async () => {
    const container = blob.getContainerClient('blocks');
    await container.create();
    const data = Buffer.alloc(1_000_000);
    for (let i = 0; i < data.length; i++) data[i] = i % 251;
    const client = container.getBlockBlobClient('big/blob.bin');
    await client.uploadData(data, { blockSize: 256 * 1024, maxSingleShotSize: 100 * 1024, concurrency: 4 });
    const blocks = await client.getBlockList('committed');
    expect(blocks.committedBlocks?.length).toBe(4);
    const range = await client.downloadToBuffer(500_000, 1000);
    expect(range.equals(data.subarray(500_000, 501_000))).toBe(true);
    const dfsFile = dl.getFileSystemClient('blocks').getFileClient('big/blob.bin');
    expect((await dfsFile.getProperties()).contentLength).toBe(1_000_000);
    await client.setMetadata({ a: '1' });
    await client.setHTTPHeaders({ blobContentType: 'text/plain' });
    const p = await client.getProperties();
    expect(p.metadata).toEqual({ a: '1' });
    expect(p.contentType).toBe('text/plain');
    const lease = client.getBlobLeaseClient();
    await lease.acquireLease(-1);
    await expect(client.setMetadata({ b: '2' })).rejects.toMatchObject({ statusCode: 412 });
    await lease.breakLease(0);
    const info = await blob.getAccountInfo();
    expect(info.isHierarchicalNamespaceEnabled).toBe(true);
  });
});

describe('persistence', () => {
  it('keeps metadata and bytes across a restart when given a location', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lakeshift-gen2-'));
    try {
      const first = await startGen2Emulator({ location: dir });
      const client = new DataLakeServiceClient(`${first.url}/${DEV_ACCOUNT}`, new StorageSharedKeyCredential(DEV_ACCOUNT, DEV_ACCOUNT_KEY));
      await client.getFileSystemClient('keep').create();
      await client.getFileSystemClient('keep').getFileClient('d/f.txt').upload(Buffer.from('persisted'));
      await first.close();
      const second = await startGen2Emulator({ location: dir });
      try {
        const again = new DataLakeServiceClient(`${second.url}/${DEV_ACCOUNT}`, new StorageSharedKeyCredential(DEV_ACCOUNT, DEV_ACCOUNT_KEY));
        expect((await again.getFileSystemClient('keep').getFileClient('d/f.txt').readToBuffer()).toString()).toBe('persisted');
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

async function streamText(body: NodeJS.ReadableStream | undefined): Promise<string> {
  if (!body) return '';
  const parts: Buffer[] = [];
  for await (const d of body) parts.push(Buffer.isBuffer(d) ? d : Buffer.from(d));
  return Buffer.concat(parts).toString();
}
