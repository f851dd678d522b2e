import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GEN1_EMULATOR_ADMIN_OID, startGen1Emulator, type Gen1Emulator } from './index.js';
import { rawClient, rawPathRequest, remoteException, tokenFor, type RawCall, type RawResponse } from './test-support.js';

let emu: Gen1Emulator;
let call: (c: RawCall) => Promise<RawResponse>;

beforeAll(async () => {
  emu = await startGen1Emulator({ inMemory: true });
  call = rawClient(emu.url, tokenFor(GEN1_EMULATOR_ADMIN_OID));
});
afterAll(async () => {
  await emu.close();
});

const put = (path: string, query: string, body?: string): Promise<RawResponse> => call({ method: 'PUT', path, query, ...(body === undefined ? {} : { body }) });
const get = (path: string, query: string): Promise<RawResponse> => call({ method: 'GET', path, query });
const create = (path: string, body = ''): Promise<RawResponse> => put(path, 'op=CREATE&write=true&overwrite=true', body);
type Status = Record<string, unknown>;
const status = async (path: string): Promise<Status> => ((await get(path, 'op=GETFILESTATUS')).json as { FileStatus: Status }).FileStatus;

describe('GETFILESTATUS', () => {
  it('returns file fields in Gen1 key order with msExpirationTime, JSON content type', async () => {
    await create('/s/file.txt', '123456');
    const r = await get('/s/file.txt', 'op=GETFILESTATUS');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const fs = (r.json as { FileStatus: Status }).FileStatus;
    expect(Object.keys(fs)).toEqual([
      'length', 'pathSuffix', 'type', 'blockSize', 'accessTime', 'modificationTime', 'replication', 'permission', 'owner', 'group', 'msExpirationTime', 'aclBit',
    ]);
    expect(fs).toMatchObject({ length: 6, pathSuffix: '', type: 'FILE', blockSize: 268435456, replication: 1, permission: '770', owner: GEN1_EMULATOR_ADMIN_OID, msExpirationTime: 0, aclBit: false });
    expect(typeof fs['modificationTime']).toBe('number');
  });

  it('directories have no msExpirationTime, blockSize 0, replication 0', async () => {
    await put('/s/dir', 'op=MKDIRS');
    const fs = await status('/s/dir');
    expect(Object.keys(fs)).not.toContain('msExpirationTime');
    expect(fs).toMatchObject({ type: 'DIRECTORY', length: 0, blockSize: 0, replication: 0 });
    const root = await status('/');
    expect(root).toMatchObject({ type: 'DIRECTORY', owner: GEN1_EMULATOR_ADMIN_OID, group: GEN1_EMULATOR_ADMIN_OID });
  });

  it('missing path → 404 FileNotFoundException with Gen1 message and status code header', async () => {
    const r = await get('/s/none', 'op=GETFILESTATUS');
    expect(r.status).toBe(404);
    const ex = remoteException(r);
    expect(ex).toMatchObject({ exception: 'FileNotFoundException', javaClassName: 'java.io.FileNotFoundException' });
    expect(ex?.message).toMatch(/^File\/Folder does not exist: \/s\/none \[[0-9a-f-]{36}\]\[.+\]$/);
    expect(r.headers.get('status')).toBe('0x8309000A');
  });
});

describe('paths and query parsing', () => {
  it('decodes %2F and collapses doubled slashes (azure-arm-datalake-store style)', async () => {
    await create('/p/a b/c.txt', 'x');
    expect((await call({ method: 'GET', path: '/%2Fp%2Fa%20b%2Fc.txt', query: 'op=GETFILESTATUS' })).status).toBe(200);
    expect((await call({ method: 'GET', path: '//p//a%20b///c.txt', query: 'op=GETFILESTATUS' })).status).toBe(200);
    const r = await fetch(`${emu.url}//WEBHDFS/V1//p/a%20b/c.txt?op=GETFILESTATUS`, { headers: { Authorization: `Bearer ${tokenFor(GEN1_EMULATOR_ADMIN_OID)}` } });
    expect(r.status).toBe(200);
  });

  it('refuses . and .. segments, plain or encoded, with 400', async () => {
    for (const path of ['/p/../etc', '/p/%2E%2E/x', '/p/./x', '/%2e%2e%2Fx', '/p/..%2F..%2Fsecret']) {
      const r = await rawPathRequest(emu.url, 'GET', `/webhdfs/v1${path}?op=GETFILESTATUS`, tokenFor(GEN1_EMULATOR_ADMIN_OID));
      expect(r.status, path).toBe(400);
      expect(remoteException(r)?.exception).toBe('IllegalArgumentException');
    }
    expect((await put('/p/x', 'op=RENAME&destination=/p/../../etc')).status).toBe(400);
  });

  it('treats + in query values as a space and keys case-insensitively', async () => {
    await create('/p/plus', 'x');
    expect((await put('/p/plus', 'OP=RENAME&Destination=/p/with+space')).json).toEqual({ boolean: true });
    expect((await status('/p/with space')).type).toBe('FILE');
  });

  it('unknown op → 400 IllegalArgumentException naming it; missing op and wrong method → 400; other endpoints → 404', async () => {
    const r = await get('/', 'op=FROBNICATE');
    expect(r.status).toBe(400);
    expect(remoteException(r)?.exception).toBe('IllegalArgumentException');
    expect(remoteException(r)?.message).toContain('FROBNICATE');
    expect((await get('/', 'foo=bar')).status).toBe(400);
    const wrong = await get('/p/x', 'op=MKDIRS');
    expect(wrong.status).toBe(400);
    expect(remoteException(wrong)?.message).toContain('PUT');
    const other = await fetch(`${emu.url}/other/v1/x?op=GETFILESTATUS`, { headers: { Authorization: `Bearer ${tokenFor(GEN1_EMULATOR_ADMIN_OID)}` } });
    expect(other.status).toBe(404);
    expect(((await other.json()) as { RemoteException: { exception: string } }).RemoteException.exception).toBe('UnsupportedOperationException');
  });

  it('rejects non-boolean values for boolean parameters', async () => {
    const r = await call({ method: 'DELETE', path: '/p/x', query: 'op=DELETE&recursive=maybe' });
    expect(r.status).toBe(400);
    expect(remoteException(r)?.message).toContain('recursive');
  });
});

describe('LISTSTATUS', () => {
  const names = 'abcdefghij'.split('').map((c) => `123${c}.txt`);
  beforeAll(async () => {
    for (const n of names.slice().reverse()) await create(`/ls/${n}`, n);
  });
  const list = async (query: string): Promise<{ token: string | undefined; names: string[]; keys: string[] }> => {
    const r = await get('/ls', `op=LISTSTATUS&${query}`);
    expect(r.status).toBe(200);
    const fss = (r.json as { FileStatuses: { continuationToken?: string; FileStatus: { pathSuffix: string }[] } }).FileStatuses;
    return { token: fss.continuationToken, names: fss.FileStatus.map((s) => s.pathSuffix), keys: Object.keys(fss) };
  };

  it('pages with listSize 9/10/11 over 10 files exactly as Gen1 (A.7)', async () => {
    const p9 = await list('api-version=2018-09-01&listSize=9');
    expect(p9.keys).toEqual(['continuationToken', 'FileStatus']);
    expect(p9.names).toEqual(names.slice(0, 9));
    expect(p9.token).toBe('123i.txt');
    const p9b = await list(`api-version=2018-09-01&listSize=9&listAfter=${p9.token}`);
    expect(p9b).toMatchObject({ names: ['123j.txt'], token: '' });
    const p10 = await list('api-version=2018-09-01&listSize=10');
    expect(p10).toMatchObject({ names, token: '123j.txt' });
    expect(await list('api-version=2018-09-01&listSize=10&listAfter=123j.txt')).toMatchObject({ names: [], token: '' });
    expect(await list('api-version=2018-09-01&listSize=11')).toMatchObject({ names, token: '' });
  });

  it('omits continuationToken for api-version before 2018-09-01; listAfter/listBefore are exclusive', async () => {
    const old = await list('api-version=2016-11-01');
    expect(old.keys).toEqual(['FileStatus']);
    expect(old.names).toEqual(names);
    expect((await list('listAfter=123c&listBefore=123f.txt')).names).toEqual(['123c.txt', '123d.txt', '123e.txt']);
  });

  it('escapes names in listings (quotes, backslashes, control characters, unicode)', async () => {
    const nasty = ['a"b', 'back\\slash', 'tab\there', 'caf\u00e9 \u2028', '100% #1?+'];
    for (const n of nasty) expect((await create(`/esc/${encodeURIComponent(n)}`, 'x')).status, n).toBe(201);
    const r = await get('/esc', 'op=LISTSTATUS&listSize=10');
    const names = (r.json as { FileStatuses: { FileStatus: { pathSuffix: string }[] } }).FileStatuses.FileStatus.map((s) => s.pathSuffix);
    expect(names).toEqual(nasty.slice().sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
  });

  it('lists a file as one entry with pathSuffix "", an empty directory as [], a missing one as 404', async () => {
    const f = await get('/ls/123a.txt', 'op=LISTSTATUS');
    const arr = (f.json as { FileStatuses: { FileStatus: Status[] } }).FileStatuses.FileStatus;
    expect(arr).toHaveLength(1);
    expect(arr[0]).toMatchObject({ pathSuffix: '', type: 'FILE', length: 8 });
    await put('/ls-empty', 'op=MKDIRS');
    expect((await get('/ls-empty', 'op=LISTSTATUS')).json).toEqual({ FileStatuses: { continuationToken: '', FileStatus: [] } });
    expect((await get('/ls-none', 'op=LISTSTATUS')).status).toBe(404);
  });
});

describe('MKDIRS, RENAME, DELETE', () => {
  it('MKDIRS creates parents, is idempotent, honours permission, fails over a file', async () => {
    expect((await put('/n/a/b/c', 'op=MKDIRS&permission=750')).json).toEqual({ boolean: true });
    expect((await put('/n/a/b/c', 'op=MKDIRS')).json).toEqual({ boolean: true });
    expect((await status('/n/a/b/c')).permission).toBe('750');
    await create('/n/file', 'x');
    const r = await put('/n/file/sub', 'op=MKDIRS');
    expect(r.status).toBe(403);
    expect(remoteException(r)?.exception).toBe('FileAlreadyExistsException');
    expect((await put('/n/bad', 'op=MKDIRS&permission=999')).status).toBe(400);
  });

  it('RENAME moves files, moves into an existing directory, answers false for impossible cases', async () => {
    await create('/r/f1', '1');
    await put('/r/dir', 'op=MKDIRS');
    expect((await put('/r/f1', 'op=RENAME&destination=r/f2')).json).toEqual({ boolean: true });
    expect((await put('/r/f2', 'op=RENAME&destination=/r/dir')).json).toEqual({ boolean: true });
    expect((await status('/r/dir/f2')).type).toBe('FILE');
    expect((await put('/r/missing', 'op=RENAME&destination=/r/x')).json).toEqual({ boolean: false });
    expect((await put('/r/dir', 'op=RENAME&destination=/r/dir/f2/inside')).json).toEqual({ boolean: false });
    expect((await put('/r/dir', 'op=RENAME&destination=/r/nope/dir')).json).toEqual({ boolean: false });
    await create('/r/g', 'g');
    await create('/r/h', 'h');
    expect((await put('/r/g', 'op=RENAME&destination=/r/h')).json).toEqual({ boolean: false });
    expect((await put('/r/g', 'op=RENAME&destination=/r/h&renameoptions=OVERWRITE')).json).toEqual({ boolean: true });
    expect((await get('/r/h', 'op=OPEN&read=true')).text).toBe('g');
    expect((await put('/r/h', 'op=RENAME')).status).toBe(400);
    await put('/r/sub/inner', 'op=MKDIRS');
    expect((await put('/r/sub', 'op=RENAME&destination=/r/moved')).json).toEqual({ boolean: true });
    expect((await status('/r/moved/inner')).type).toBe('DIRECTORY');
  });

  it('DELETE: true, false when missing, 403 IOException for a non-empty directory without recursive', async () => {
    await create('/d/x/y', 'y');
    const r = await call({ method: 'DELETE', path: '/d/x', query: 'op=DELETE' });
    expect(r.status).toBe(403);
    expect(remoteException(r)?.exception).toBe('IOException');
    expect((await call({ method: 'DELETE', path: '/d/x', query: 'op=DELETE&recursive=true' })).json).toEqual({ boolean: true });
    expect((await call({ method: 'DELETE', path: '/d/x', query: 'op=DELETE' })).json).toEqual({ boolean: false });
    expect((await call({ method: 'DELETE', path: '/', query: 'op=DELETE&recursive=true' })).json).toEqual({ boolean: false });
  });
});

describe('GETCONTENTSUMMARY, SETTIMES, SETEXPIRY', () => {
  it('sums a tree (directory itself counted)', async () => {
    await create('/cs/a', '12345');
    await create('/cs/sub/b', '123');
    const r = await get('/cs', 'op=GETCONTENTSUMMARY');
    expect(r.json).toEqual({ ContentSummary: { directoryCount: 2, fileCount: 2, length: 8, quota: -1, spaceConsumed: 8, spaceQuota: -1 } });
    expect(((await get('/cs/a', 'op=GETCONTENTSUMMARY')).json as { ContentSummary: { fileCount: number } }).ContentSummary.fileCount).toBe(1);
    expect((await get('/cs/none', 'op=GETCONTENTSUMMARY')).status).toBe(404);
  });

  it('SETTIMES sets ms timestamps; -1 keeps a value', async () => {
    await create('/t/f', 'x');
    expect((await put('/t/f', 'op=SETTIMES&modificationtime=1500000000000&accesstime=1400000000000')).status).toBe(200);
    expect(await status('/t/f')).toMatchObject({ modificationTime: 1500000000000, accessTime: 1400000000000 });
    await put('/t/f', 'op=SETTIMES&modificationtime=-1&accesstime=1300000000000');
    expect(await status('/t/f')).toMatchObject({ modificationTime: 1500000000000, accessTime: 1300000000000 });
    expect((await put('/t/f', 'op=SETTIMES&modificationtime=abc')).status).toBe(400);
  });

  it('SETEXPIRY on /WebHdfsExt: Absolute, NeverExpire, expired files vanish, directories refused', async () => {
    await create('/e/f', 'x');
    const at = Date.now() + 3_600_000;
    expect((await call({ method: 'PUT', prefix: '/WebHdfsExt', path: '/e/f', query: `op=SETEXPIRY&expiryOption=Absolute&expireTime=${at}` })).status).toBe(200);
    expect((await status('/e/f')).msExpirationTime).toBe(at);
    await call({ method: 'PUT', prefix: '/WebHdfsExt', path: '/e/f', query: 'op=SETEXPIRY&expiryOption=NeverExpire' });
    expect((await status('/e/f')).msExpirationTime).toBe(0);
    await call({ method: 'PUT', prefix: '/WebHdfsExt', path: '/e/f', query: 'op=SETEXPIRY&expiryOption=RelativeToNow&expireTime=1' });
    await new Promise((r) => setTimeout(r, 20));
    expect((await get('/e/f', 'op=GETFILESTATUS')).status).toBe(404);
    await put('/e/d', 'op=MKDIRS');
    expect((await call({ method: 'PUT', prefix: '/WebHdfsExt', path: '/e/d', query: 'op=SETEXPIRY&expiryOption=NeverExpire' })).status).toBe(400);
    expect((await call({ method: 'PUT', prefix: '/WebHdfsExt', path: '/e/d', query: 'op=SETEXPIRY&expiryOption=Later' })).status).toBe(400);
  });
});
