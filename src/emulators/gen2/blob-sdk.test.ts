import { createHash } from 'node:crypto';
import { BlobServiceClient, StorageSharedKeyCredential as BlobKey, type BlockBlobUploadOptions, type RestError } from '@azure/storage-blob';
import { DataLakeServiceClient, StorageSharedKeyCredential } from '@azure/storage-file-datalake';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_ACCOUNT, DEV_ACCOUNT_KEY, startGen2Emulator, type Gen2Emulator } from './index.js';

// The Blob-API behaviours lakeshift's Gen2 writer relies on (Put Blob with Content-MD5, Put Block with
// per-block MD5, Put Block List with x-ms-blob-content-md5 and metadata, If-None-Match: *, parents
// created and ownership/mode inherited on a hierarchical namespace), through the official Blob SDK.

let emu: Gen2Emulator;
let blob: BlobServiceClient;
let dl: DataLakeServiceClient;

beforeAll(async () => {
  emu = await startGen2Emulator({});
  const url = `${emu.url}/${DEV_ACCOUNT}`;
  blob = new BlobServiceClient(url, new BlobKey(DEV_ACCOUNT, DEV_ACCOUNT_KEY));
  dl = new DataLakeServiceClient(url, new StorageSharedKeyCredential(DEV_ACCOUNT, DEV_ACCOUNT_KEY));
  await blob.getContainerClient('wfs').create();
});
afterAll(async () => {
  await emu.close();
});

const md5 = (data: Uint8Array): Uint8Array => new Uint8Array(createHash('md5').update(data).digest());
/**
 * Upload options with the transactional Content-MD5: the SDK's generated Put Blob operation sends
 * `transactionalContentMD5` as Content-MD5, though the public BlockBlobUploadOptions type omits it
 * (the wrong-MD5 case below proves it is sent).
 */
const withMd5 = (digest: Uint8Array, rest: BlockBlobUploadOptions = {}): BlockBlobUploadOptions => {
  const options: BlockBlobUploadOptions & { transactionalContentMD5: Uint8Array } = { ...rest, transactionalContentMD5: digest };
  return options;
};
const failure = async (p: Promise<unknown>): Promise<{ status: number; code: string | undefined }> => {
  try {
    await p;
  } catch (e) {
    const err = e as RestError & { details?: { errorCode?: string } };
    return { status: err.statusCode ?? 0, code: err.details?.errorCode ?? err.code };
  }
  throw new Error('expected the request to fail');
};

describe('Put Blob on the hierarchical namespace', () => {
  it('checks and stores the Content-MD5, creates parents and gives the file the umask mode and the caller as owner', async () => {
    const data = Buffer.from('hello, lake');
    const client = blob.getContainerClient('wfs').getBlockBlobClient('a/b/c.txt');
    await client.upload(data, data.length, withMd5(md5(data), { metadata: { lakeshift_mtime: '1700000000000' } }));
    const props = await client.getProperties();
    expect(Buffer.from(props.contentMD5 ?? new Uint8Array()).equals(Buffer.from(md5(data)))).toBe(true);
    expect(props.metadata).toEqual({ lakeshift_mtime: '1700000000000' });
    const fs = dl.getFileSystemClient('wfs');
    // The parents exist as directories (HEAD on a directory reports hdi_isfolder=true).
    expect((await fs.getDirectoryClient('a/b').getProperties()).metadata?.hdi_isfolder).toBe('true');
    const acl = await fs.getFileClient('a/b/c.txt').getAccessControl();
    expect({ owner: acl.owner, group: acl.group }).toEqual({ owner: '$superuser', group: '$superuser' });
    expect(acl.acl.map((e) => `${e.accessControlType}:${e.entityId}:${e.permissions.read ? 'r' : '-'}${e.permissions.write ? 'w' : '-'}${e.permissions.execute ? 'x' : '-'}`))
      .toEqual(['user::rw-', 'group::r--', 'other::---']);
  });

  it('refuses a wrong Content-MD5 with 400 Md5Mismatch and leaves nothing', async () => {
    const client = blob.getContainerClient('wfs').getBlockBlobClient('bad/md5.txt');
    const data = Buffer.from('payload');
    expect(await failure(client.upload(data, data.length, withMd5(md5(Buffer.from('other')))))).toEqual({ status: 400, code: 'Md5Mismatch' });
    expect(await client.exists()).toBe(false);
  });

  it('answers If-None-Match: * on an existing blob with 409 BlobAlreadyExists, for Put Blob and Put Block List', async () => {
    const client = blob.getContainerClient('wfs').getBlockBlobClient('exists.txt');
    await client.upload('first', 5);
    expect(await failure(client.upload('second', 6, { conditions: { ifNoneMatch: '*' } }))).toEqual({ status: 409, code: 'BlobAlreadyExists' });
    const id = Buffer.from('block-0').toString('base64');
    await client.stageBlock(id, Buffer.from('third'), 5);
    expect(await failure(client.commitBlockList([id], { conditions: { ifNoneMatch: '*' } }))).toEqual({ status: 409, code: 'BlobAlreadyExists' });
    expect((await client.downloadToBuffer()).toString()).toBe('first');
  });

  it('inherits the parent directory default ACL instead of the umask mode', async () => {
    const fs = dl.getFileSystemClient('wfs');
    await fs.getDirectoryClient('inherit').create();
    await fs.getDirectoryClient('inherit').setAccessControl([
      { accessControlType: 'user', entityId: '', defaultScope: false, permissions: { read: true, write: true, execute: true } },
      { accessControlType: 'group', entityId: '', defaultScope: false, permissions: { read: true, write: false, execute: true } },
      { accessControlType: 'other', entityId: '', defaultScope: false, permissions: { read: false, write: false, execute: false } },
      { accessControlType: 'user', entityId: '', defaultScope: true, permissions: { read: true, write: true, execute: true } },
      { accessControlType: 'group', entityId: '', defaultScope: true, permissions: { read: true, write: true, execute: false } },
      { accessControlType: 'other', entityId: '', defaultScope: true, permissions: { read: true, write: false, execute: false } },
    ]);
    await blob.getContainerClient('wfs').getBlockBlobClient('inherit/f').upload('x', 1);
    const got = await fs.getFileClient('inherit/f').getAccessControl();
    // Default ACL rwx/rw-/r-- minus the file's execute bits and the constant 007 umask on other.
    expect(got.permissions).toMatchObject({ owner: { read: true, write: true, execute: false }, group: { read: true, write: true, execute: false }, other: { read: false, write: false, execute: false } });
  });
});

describe('Put Block and Put Block List on the hierarchical namespace', () => {
  it('checks each block against its Content-MD5 and keeps staged blocks invisible until the list commits', async () => {
    const container = blob.getContainerClient('wfs');
    const client = container.getBlockBlobClient('big/file.bin');
    const parts = [Buffer.alloc(1000, 1), Buffer.alloc(1000, 2), Buffer.alloc(17, 3)];
    const ids = parts.map((_, i) => Buffer.from(`lakeshift-${String(i * 1000).padStart(16, '0')}`).toString('base64'));
    expect(await failure(client.stageBlock(ids[0] ?? '', parts[0] ?? Buffer.alloc(0), 1000, { transactionalContentMD5: md5(Buffer.alloc(1000, 9)) }))).toEqual({ status: 400, code: 'Md5Mismatch' });
    await Promise.all(parts.map((p, i) => client.stageBlock(ids[i] ?? '', p, p.length, { transactionalContentMD5: md5(p) })));
    expect(await client.exists()).toBe(false);
    const names: string[] = [];
    for await (const b of container.listBlobsFlat({ prefix: 'big/' })) names.push(b.name);
    expect(names).toEqual([]);
    // Get Block List names the staged blocks and their sizes (a resumed writer takes them over by name).
    const staged = await client.getBlockList('uncommitted');
    expect(staged.uncommittedBlocks?.map((b) => [b.name, b.size]).sort()).toEqual(ids.map((id, i) => [id, parts[i]?.length]).sort());
    const whole = Buffer.concat(parts);
    await client.commitBlockList(ids, { blobHTTPHeaders: { blobContentMD5: md5(whole) }, metadata: { lakeshift_mtime: '5' }, conditions: { ifNoneMatch: '*' } });
    const props = await client.getProperties();
    expect(props.contentLength).toBe(whole.length);
    expect(Buffer.from(props.contentMD5 ?? new Uint8Array()).equals(Buffer.from(md5(whole)))).toBe(true);
    expect(props.metadata).toEqual({ lakeshift_mtime: '5' });
    expect((await client.downloadToBuffer()).equals(whole)).toBe(true);
    expect((await dl.getFileSystemClient('wfs').getDirectoryClient('big').getProperties()).metadata?.hdi_isfolder).toBe('true');
  });
});
