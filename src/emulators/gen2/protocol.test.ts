import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken, STORAGE_AUDIENCE } from '../kit/jwt.js';
import { startGen2Emulator, type Gen2Emulator } from './index.js';
import { send } from './test-helpers.js';

const A = '/devstoreaccount1';
let emu: Gen2Emulator;
let base: string;
const r = (method: string, path: string, headers: Record<string, string> = {}, body?: Buffer | string) => send(base, method, `${A}${path}`, headers, body);
const md5 = (s: string | Buffer): string => createHash('md5').update(s).digest('base64');

beforeAll(async () => {
  emu = await startGen2Emulator({ anonymous: true, deletePageSize: 3, superusers: ['root-oid'] });
  base = emu.url;
  expect((await r('PUT', '/raw?restype=container')).status).toBe(201);
});
afterAll(async () => {
  await emu.close();
});

async function createFile(path: string, content?: string): Promise<void> {
  expect((await r('PUT', `/raw/${path}?resource=file`)).status).toBe(201);
  if (content !== undefined && content.length > 0) {
    expect((await r('PATCH', `/raw/${path}?action=append&position=0`, {}, content)).status).toBe(202);
    expect((await r('PATCH', `/raw/${path}?action=flush&position=${Buffer.byteLength(content)}`)).status).toBe(200);
  }
}

describe('common response headers and versions', () => {
  it('echoes version and client request id, sets request id and Date', async () => {
    const res = await r('GET', '?restype=account&comp=properties', { 'x-ms-client-request-id': 'abc-1', 'x-ms-version': '2020-10-02' });
    expect(res.status).toBe(200);
    expect(res.headers['x-ms-version']).toBe('2020-10-02');
    expect(res.headers['x-ms-client-request-id']).toBe('abc-1');
    expect(res.headers['x-ms-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers['date']).toBeDefined();
    expect(res.headers['x-ms-is-hns-enabled']).toBe('true');
  });
  it('refuses versions before 2018-11-09', async () => {
    const res = await r('GET', '/raw/x', { 'x-ms-version': '2017-04-17' });
    expect(res.status).toBe(400);
    expect(res.headers['x-ms-error-code']).toBe('InvalidHeaderValue');
  });
});

describe('error formats', () => {
  it('DFS errors are JSON with x-ms-error-code', async () => {
    const res = await r('DELETE', '/raw/missing?recursive=false');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toContain('application/json');
    expect(res.headers['x-ms-error-code']).toBe('PathNotFound');
    const body = JSON.parse(res.text) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('PathNotFound');
    expect(body.error.message).toContain('RequestId:');
  });
  it('Blob errors are XML with a BOM; HEAD errors have no body', async () => {
    const res = await r('GET', '/raw/missing');
    expect(res.status).toBe(404);
    expect(res.text.startsWith('\uFEFF<?xml')).toBe(true);
    expect(res.text).toContain('<Code>BlobNotFound</Code>');
    const head = await r('HEAD', '/raw/missing?action=getStatus');
    expect(head.status).toBe(404);
    expect(head.headers['x-ms-error-code']).toBe('PathNotFound');
    expect(head.body.length).toBe(0);
    const fs = await r('GET', '/nosuchfs?restype=container');
    expect(fs.headers['x-ms-error-code']).toBe('ContainerNotFound');
    const dfsFs = await r('GET', '/nosuchfs?resource=filesystem&recursive=true');
    expect(dfsFs.headers['x-ms-error-code']).toBe('FilesystemNotFound');
  });
  it('rejects traversal and encoded traversal with 400 InvalidUri', async () => {
    for (const p of ['/raw/a/../b', '/raw/a/%2e%2e/b', '/raw/a%2F..%2Fb', '/raw/./x']) {
      const res = await r('GET', p);
      expect(res.status, p).toBe(400);
      expect(res.headers['x-ms-error-code']).toBe('InvalidUri');
    }
  });
  it('answers unsupported operations with 400/501, never success', async () => {
    expect((await r('PUT', '/raw/f?comp=expiry')).status).toBe(501);
    expect((await r('PUT', '/raw/f', { 'x-ms-copy-source': 'http://x/y' })).status).toBe(501);
    expect((await r('PATCH', '/raw/f?action=bogus')).status).toBe(400);
    expect((await r('PUT', '/raw/f', { 'x-ms-blob-type': 'PageBlob' })).status).toBe(501);
    expect((await r('PUT', '/raw/f', { 'x-ms-blob-type': 'BlockBlob', 'x-ms-encryption-key': 'a2V5' }, 'x')).status).toBe(501);
  });
});

describe('DFS create, append and flush', () => {
  it('If-None-Match * on an existing directory answers 409 PathAlreadyExists', async () => {
    expect((await r('PUT', '/raw/d1?resource=directory', { 'If-None-Match': '*' })).status).toBe(201);
    const again = await r('PUT', '/raw/d1?resource=directory', { 'If-None-Match': '*' });
    expect(again.status).toBe(409);
    expect(again.headers['x-ms-error-code']).toBe('PathAlreadyExists');
    const conflict = await r('PUT', '/raw/d1?resource=file');
    expect(conflict.headers['x-ms-error-code']).toBe('PathConflict');
  });
  it('keeps appended data invisible until flushed and checks flush positions', async () => {
    await createFile('af.txt');
    expect((await r('PATCH', '/raw/af.txt?action=append&position=3', {}, 'def')).status).toBe(202);
    expect((await r('PATCH', '/raw/af.txt?action=append&position=0', {}, 'abc')).status).toBe(202);
    expect((await r('GET', '/raw/af.txt')).text).toBe('');
    const bad = await r('PATCH', '/raw/af.txt?action=flush&position=7');
    expect(bad.status).toBe(400);
    expect(bad.headers['x-ms-error-code']).toBe('InvalidFlushPosition');
    const ok = await r('PATCH', '/raw/af.txt?action=flush&position=6');
    expect(ok.status).toBe(200);
    expect(ok.headers['etag']).toMatch(/^"0x8D[0-9A-F]{13}"$/);
    expect((await r('GET', '/raw/af.txt')).text).toBe('abcdef');
    expect((await r('PATCH', '/raw/af.txt?action=flush&position=5')).headers['x-ms-error-code']).toBe('InvalidFlushPosition');
    expect((await r('PATCH', '/raw/af.txt?action=flush&position=6', {}, 'x')).headers['x-ms-error-code']).toBe('ContentLengthMustBeZero');
  });
  it('supports AzCopy-style incremental flushes with retainUncommittedData, close and x-ms-content-md5', async () => {
    await createFile('inc.bin');
    expect((await r('PATCH', '/raw/inc.bin?action=append&position=0', { 'Content-MD5': md5('1111') }, '1111')).status).toBe(202);
    expect((await r('PATCH', '/raw/inc.bin?action=append&position=4', {}, '2222')).status).toBe(202);
    expect((await r('PATCH', '/raw/inc.bin?action=append&position=8', {}, '33')).status).toBe(202);
    expect((await r('PATCH', '/raw/inc.bin?action=flush&position=6&retainUncommittedData=true&close=false', { 'x-ms-content-md5': md5('111122') })).status).toBe(200);
    expect((await r('GET', '/raw/inc.bin')).text).toBe('111122');
    expect((await r('PATCH', '/raw/inc.bin?action=flush&position=10&retainUncommittedData=false&close=true', { 'x-ms-content-md5': md5('1111222233') })).status).toBe(200);
    const got = await r('GET', '/raw/inc.bin');
    expect(got.text).toBe('1111222233');
    expect(got.headers['content-md5']).toBe(md5('1111222233'));
    // Without retainUncommittedData, staged data past the position is discarded.
    await r('PATCH', '/raw/inc.bin?action=append&position=10', {}, 'zz');
    await r('PATCH', '/raw/inc.bin?action=append&position=12', {}, 'yy');
    expect((await r('PATCH', '/raw/inc.bin?action=flush&position=12')).status).toBe(200);
    expect((await r('PATCH', '/raw/inc.bin?action=flush&position=14')).headers['x-ms-error-code']).toBe('InvalidFlushPosition');
  });
  it('validates transactional MD5 and append bodies', async () => {
    await createFile('md5.txt');
    const bad = await r('PATCH', '/raw/md5.txt?action=append&position=0', { 'Content-MD5': md5('other') }, 'data');
    expect(bad.status).toBe(400);
    expect(bad.headers['x-ms-error-code']).toBe('Md5Mismatch');
    expect((await r('PATCH', '/raw/md5.txt?action=append')).headers['x-ms-error-code']).toBe('MissingRequiredQueryParameter');
    expect((await r('PATCH', '/raw/nope.txt?action=append&position=0', {}, 'x')).headers['x-ms-error-code']).toBe('PathNotFound');
  });
  it('enforces depth and name length limits', async () => {
    const deep = Array.from({ length: 60 }, (_, i) => `d${i}`).join('/');
    const tooDeep = await r('PUT', `/raw/${deep}?resource=directory`);
    expect(tooDeep.status).toBe(409);
    expect(tooDeep.headers['x-ms-error-code']).toBe('PathIsTooDeep');
    expect((await r('PUT', `/raw/${Array.from({ length: 59 }, (_, i) => `d${i}`).join('/')}?resource=directory`)).status).toBe(201);
    const long = await r('PUT', `/raw/${'n'.repeat(1025)}?resource=file`);
    expect(long.status).toBe(400);
    expect((await r('PUT', `/raw/${'n'.repeat(1024)}?resource=file`)).status).toBe(201);
  });
  it('refuses bodies above maxAppendBytes with 413 RequestBodyTooLarge', async () => {
    const small = await startGen2Emulator({ anonymous: true, maxAppendBytes: 10 });
    try {
      expect((await send(small.url, 'PUT', `${A}/sss?restype=container`)).status).toBe(201);
      expect((await send(small.url, 'PUT', `${A}/sss/f?resource=file`)).status).toBe(201);
      const res = await send(small.url, 'PATCH', `${A}/sss/f?action=append&position=0`, {}, 'x'.repeat(11));
      expect(res.status).toBe(413);
      expect(res.headers['x-ms-error-code']).toBe('RequestBodyTooLarge');
    } finally {
      await small.close();
    }
  });
});

describe('reads, ranges and conditional headers', () => {
  it('serves ranges with Range and x-ms-range and 416 beyond the end', async () => {
    await createFile('range.txt', 'abcdefghij');
    const a = await r('GET', '/raw/range.txt', { Range: 'bytes=2-4' });
    expect(a.status).toBe(206);
    expect(a.text).toBe('cde');
    expect(a.headers['content-range']).toBe('bytes 2-4/10');
    const b = await r('GET', '/raw/range.txt', { 'x-ms-range': 'bytes=7-' });
    expect(b.text).toBe('hij');
    const c = await r('GET', '/raw/range.txt', { 'x-ms-range': 'bytes=3-5', 'x-ms-range-get-content-md5': 'true' });
    expect(c.headers['content-md5']).toBe(md5('def'));
    const d = await r('GET', '/raw/range.txt', { 'x-ms-range': 'bytes=10-20' });
    expect(d.status).toBe(416);
    expect(d.headers['x-ms-error-code']).toBe('InvalidRange');
  });
  it('honours If-Match, If-None-Match, If-Modified-Since and If-Unmodified-Since', async () => {
    await createFile('cond.txt', 'xyz');
    const head = await r('HEAD', '/raw/cond.txt');
    const etag = head.headers['etag'] ?? '';
    expect(head.headers['content-length']).toBe('3');
    expect(head.headers['x-ms-resource-type']).toBe('file');
    expect(head.headers['x-ms-blob-type']).toBe('BlockBlob');
    expect((await r('GET', '/raw/cond.txt', { 'If-None-Match': etag })).status).toBe(304);
    expect((await r('GET', '/raw/cond.txt', { 'If-Match': '"0x8D000"' })).status).toBe(412);
    expect((await r('GET', '/raw/cond.txt', { 'If-Match': etag })).status).toBe(200);
    const future = new Date(Date.now() + 3600_000).toUTCString();
    const past = new Date(Date.now() - 3600_000).toUTCString();
    expect((await r('HEAD', '/raw/cond.txt', { 'If-Modified-Since': future })).status).toBe(304);
    const w = await r('PUT', '/raw/cond.txt?comp=metadata', { 'If-Unmodified-Since': past, 'x-ms-meta-k': 'v' });
    expect(w.status).toBe(412);
    expect(w.headers['x-ms-error-code']).toBe('ConditionNotMet');
    expect((await r('PATCH', '/raw/cond.txt?action=flush&position=3', { 'If-Match': '"0x8D1"' })).headers['x-ms-error-code']).toBe('ConditionNotMet');
    const put = await r('PUT', '/raw/cond.txt', { 'x-ms-blob-type': 'BlockBlob', 'If-None-Match': '*' }, 'q');
    expect(put.status).toBe(409);
  });
});

describe('Blob API on the hierarchical namespace', () => {
  it('Put Blob creates parent directories visible in list paths and validates Content-MD5', async () => {
    const put = await r('PUT', '/raw/p/q/r.txt', { 'x-ms-blob-type': 'BlockBlob', 'Content-MD5': md5('blob!'), 'x-ms-meta-Color': 'blue' }, 'blob!');
    expect(put.status).toBe(201);
    expect(put.headers['content-md5']).toBe(md5('blob!'));
    const list = JSON.parse((await r('GET', '/raw?resource=filesystem&recursive=true&directory=p')).text) as { paths: { name: string; isDirectory?: string; contentLength: string; permissions: string }[] };
    expect(list.paths.map((p) => p.name)).toEqual(['p/q', 'p/q/r.txt']);
    expect(list.paths[0]?.isDirectory).toBe('true');
    expect(list.paths[0]?.permissions).toBe('rwxr-x---');
    expect(list.paths[1]?.contentLength).toBe('5');
    const bad = await r('PUT', '/raw/p/bad.txt', { 'x-ms-blob-type': 'BlockBlob', 'Content-MD5': md5('nope') }, 'blob!');
    expect(bad.headers['x-ms-error-code']).toBe('Md5Mismatch');
    const head = await r('HEAD', '/raw/p/q/r.txt');
    expect(head.headers['x-ms-meta-color']).toBe('blue');
    expect(head.headers['content-md5']).toBe(md5('blob!'));
    const dir = await r('HEAD', '/raw/p/q');
    expect(dir.headers['x-ms-meta-hdi_isfolder']).toBe('true');
    expect(dir.headers['x-ms-resource-type']).toBe('directory');
  });
  it('stages blocks and commits block lists without losing order', async () => {
    for (const [id, data] of [['YQ==', 'AAA'], ['Yg==', 'BB'], ['Yw==', 'C']]) {
      expect((await r('PUT', `/raw/blk.bin?comp=block&blockid=${encodeURIComponent(id ?? '')}`, {}, data)).status).toBe(201);
    }
    const unc = await r('GET', '/raw/blk.bin?comp=blocklist&blocklisttype=uncommitted');
    expect(unc.text).toContain('<UncommittedBlocks><Block><Name>YQ==</Name><Size>3</Size></Block>');
    const commit = await r('PUT', '/raw/blk.bin?comp=blocklist', {}, '<?xml version="1.0" encoding="utf-8"?><BlockList><Latest>Yw==</Latest><Latest>YQ==</Latest><Uncommitted>Yg==</Uncommitted></BlockList>');
    expect(commit.status).toBe(201);
    expect((await r('GET', '/raw/blk.bin')).text).toBe('CAAABB');
    const recommit = await r('PUT', '/raw/blk.bin?comp=blocklist', {}, '<BlockList><Committed>YQ==</Committed></BlockList>');
    expect(recommit.status).toBe(201);
    expect((await r('GET', '/raw/blk.bin')).text).toBe('AAA');
    const missing = await r('PUT', '/raw/blk.bin?comp=blocklist', {}, '<BlockList><Uncommitted>ZZ==</Uncommitted></BlockList>');
    expect(missing.headers['x-ms-error-code']).toBe('InvalidBlockList');
    const all = await r('GET', '/raw/blk.bin?comp=blocklist&blocklisttype=all');
    expect(all.text).toContain('<CommittedBlocks><Block><Name>YQ==</Name><Size>3</Size></Block></CommittedBlocks><UncommittedBlocks></UncommittedBlocks>');
  });
  it('lists with delimiter and marker across pages', async () => {
    await r('PUT', '/lst?restype=container');
    for (const n of ['a.txt', 'b/one', 'b/two', 'c.txt', 'd/x/y']) await send(base, 'PUT', `${A}/lst/${n}`, { 'x-ms-blob-type': 'BlockBlob' }, 'z');
    const names: string[] = [];
    let marker = '';
    let pages = 0;
    do {
      const res = await r('GET', `/lst?restype=container&comp=list&delimiter=/&maxresults=2${marker ? `&marker=${encodeURIComponent(marker)}` : ''}`);
      expect(res.status).toBe(200);
      for (const m of res.text.matchAll(/<Name>([^<]*)<\/Name>/g)) names.push(m[1] ?? '');
      marker = /<NextMarker>([^<]*)<\/NextMarker>/.exec(res.text)?.[1] ?? '';
      pages++;
    } while (marker !== '');
    expect(names).toEqual(['a.txt', 'b/', 'c.txt', 'd/']);
    expect(pages).toBe(2);
    const flat = await r('GET', '/lst?restype=container&comp=list&include=metadata&prefix=d');
    expect([...flat.text.matchAll(/<Name>([^<]*)<\/Name>/g)].map((m) => m[1])).toEqual(['d', 'd/x', 'd/x/y']);
    expect(flat.text).toContain('<hdi_isfolder>true</hdi_isfolder>');
  });
  it('deletes a blob with 202 and refuses a non-empty directory', async () => {
    await r('PUT', '/raw/bd/f', { 'x-ms-blob-type': 'BlockBlob' }, 'x');
    expect((await r('DELETE', '/raw/bd')).headers['x-ms-error-code']).toBe('DirectoryNotEmpty');
    expect((await r('DELETE', '/raw/bd/f')).status).toBe(202);
    expect((await r('DELETE', '/raw/bd')).status).toBe(202);
  });
});

describe('rename, delete and leases', () => {
  it('renames atomically with source conditions and error codes', async () => {
    await createFile('mv/src.txt', 'payload');
    const head = await r('HEAD', '/raw/mv/src.txt');
    const wrong = await r('PUT', '/raw/mv/dst.txt?mode=legacy', { 'x-ms-rename-source': `${A}/raw/mv/src.txt`, 'x-ms-source-if-match': '"0x8D0"' });
    expect(wrong.headers['x-ms-error-code']).toBe('SourceConditionNotMet');
    const ok = await send(base, 'PUT', '/raw/mv/dst.txt?mode=legacy', { 'x-ms-rename-source': `${A}/raw/mv/src.txt`, 'x-ms-source-if-match': head.headers['etag'] ?? '' });
    expect(ok.status).toBe(201);
    expect((await r('GET', '/raw/mv/dst.txt')).text).toBe('payload');
    expect((await r('HEAD', '/raw/mv/src.txt')).status).toBe(404);
    expect((await r('PUT', '/raw/mv/x?mode=legacy', { 'x-ms-rename-source': '/raw/mv/src.txt' })).headers['x-ms-error-code']).toBe('SourcePathNotFound');
    expect((await r('PUT', '/raw/nodir/x?mode=legacy', { 'x-ms-rename-source': '/raw/mv/dst.txt' })).headers['x-ms-error-code']).toBe('RenameDestinationParentPathNotFound');
    await createFile('mv2/inner.txt', 'i');
    await createFile('mv3/inner.txt', 'j');
    expect((await r('PUT', '/raw/mv3?mode=legacy', { 'x-ms-rename-source': '/raw/mv2' })).headers['x-ms-error-code']).toBe('DirectoryNotEmpty');
    expect((await r('PUT', '/raw/mv/moved?mode=legacy', { 'x-ms-rename-source': '/raw/mv2' })).status).toBe(201);
    expect((await r('GET', '/raw/mv/moved/inner.txt')).text).toBe('i');
  });
  it('deletes recursively with pagination and continuation', async () => {
    for (let i = 0; i < 7; i++) await createFile(`big/f${i}`, 'x');
    expect((await r('DELETE', '/raw/big?recursive=false')).headers['x-ms-error-code']).toBe('DirectoryNotEmpty');
    let continuation = '';
    let calls = 0;
    do {
      const res = await r('DELETE', `/raw/big?recursive=true&paginated=true${continuation ? `&continuation=${encodeURIComponent(continuation)}` : ''}`);
      expect(res.status).toBe(200);
      continuation = res.headers['x-ms-continuation'] ?? '';
      calls++;
    } while (continuation !== '');
    expect(calls).toBe(3);
    expect((await r('HEAD', '/raw/big?action=getStatus')).status).toBe(404);
  });
  it('runs the DFS lease state machine and enforces lease ids on writes', async () => {
    await createFile('leased.txt', 'l');
    const acq = await r('POST', '/raw/leased.txt', { 'x-ms-lease-action': 'acquire', 'x-ms-lease-duration': '-1' });
    expect(acq.status).toBe(201);
    const id = acq.headers['x-ms-lease-id'] ?? '';
    expect((await r('PATCH', '/raw/leased.txt?action=flush&position=1')).headers['x-ms-error-code']).toBe('LeaseIdMissing');
    expect((await r('PATCH', '/raw/leased.txt?action=flush&position=1', { 'x-ms-lease-id': id })).status).toBe(200);
    expect((await r('POST', '/raw/leased.txt', { 'x-ms-lease-action': 'acquire', 'x-ms-lease-duration': '-1' })).headers['x-ms-error-code']).toBe('LeaseAlreadyPresent');
    expect((await r('POST', '/raw/leased.txt', { 'x-ms-lease-action': 'renew', 'x-ms-lease-id': id })).status).toBe(200);
    const newId = '11111111-1111-1111-1111-111111111111';
    expect((await r('POST', '/raw/leased.txt', { 'x-ms-lease-action': 'change', 'x-ms-lease-id': id, 'x-ms-proposed-lease-id': newId })).status).toBe(200);
    expect((await r('HEAD', '/raw/leased.txt')).headers['x-ms-lease-state']).toBe('leased');
    const brk = await r('POST', '/raw/leased.txt', { 'x-ms-lease-action': 'break', 'x-ms-lease-break-period': '0' });
    expect(brk.status).toBe(202);
    expect((await r('HEAD', '/raw/leased.txt')).headers['x-ms-lease-state']).toBe('broken');
    expect((await r('PUT', '/raw/leased.txt?comp=lease', { 'x-ms-lease-action': 'release', 'x-ms-lease-id': newId })).status).toBe(200);
    expect((await r('HEAD', '/raw/leased.txt')).headers['x-ms-lease-state']).toBe('available');
  });
});

describe('POSIX permissions for bearer callers', () => {
  const alice = `Bearer ${mintToken({ oid: 'alice', audience: STORAGE_AUDIENCE })}`;
  const bob = `Bearer ${mintToken({ oid: 'bob', audience: STORAGE_AUDIENCE })}`;
  const root = `Bearer ${mintToken({ oid: 'root-oid', audience: STORAGE_AUDIENCE })}`;
  it('checks W+X on the parent, R on files, owner-only chmod and superuser-only chown', async () => {
    expect((await r('GET', '/raw/x', { Authorization: alice })).status).toBe(403);
    // The root is rwxr-x--- by default: let others traverse it.
    expect((await r('PATCH', '/raw/?action=setAccessControl', { 'x-ms-permissions': 'rwxr-x--x' })).status).toBe(200);
    await r('PUT', '/raw/sec?resource=directory', { 'x-ms-permissions': '0755' });
    const denied = await r('PUT', '/raw/sec/a.txt?resource=file', { Authorization: alice });
    expect(denied.status).toBe(403);
    expect(denied.headers['x-ms-error-code']).toBe('AuthorizationPermissionMismatch');
    expect((await r('PATCH', '/raw/sec?action=setAccessControl', { 'x-ms-acl': 'user::rwx,user:alice:rwx,group::r-x,other::r-x' })).status).toBe(200);
    const acl = await r('HEAD', '/raw/sec?action=getAccessControl');
    expect(acl.headers['x-ms-acl']).toBe('user::rwx,user:alice:rwx,group::r-x,mask::rwx,other::r-x');
    expect(acl.headers['x-ms-permissions']).toBe('rwxrwxr-x+');
    const created = await r('PUT', '/raw/sec/a.txt?resource=file', { Authorization: alice });
    expect(created.status).toBe(201);
    const props = await r('HEAD', '/raw/sec/a.txt?action=getAccessControl', { Authorization: alice });
    expect(props.headers['x-ms-owner']).toBe('alice');
    expect(props.headers['x-ms-group']).toBe('$superuser');
    expect(props.headers['x-ms-permissions']).toBe('rw-r-----');
    expect((await r('GET', '/raw/sec/a.txt', { Authorization: bob })).status).toBe(403);
    expect((await r('PATCH', '/raw/sec/a.txt?action=setAccessControl', { Authorization: bob, 'x-ms-permissions': '0777' })).status).toBe(403);
    expect((await r('PATCH', '/raw/sec/a.txt?action=setAccessControl', { Authorization: alice, 'x-ms-permissions': '0644' })).status).toBe(200);
    expect((await r('GET', '/raw/sec/a.txt', { Authorization: bob })).status).toBe(200);
    expect((await r('PATCH', '/raw/sec/a.txt?action=setAccessControl', { Authorization: alice, 'x-ms-owner': 'bob' })).status).toBe(403);
    expect((await r('PATCH', '/raw/sec/a.txt?action=setAccessControl', { Authorization: root, 'x-ms-owner': 'bob' })).status).toBe(200);
  });
  it('enforces the sticky bit and traverse permission', async () => {
    await r('PUT', '/raw/tmp?resource=directory', { 'x-ms-permissions': '1777', 'x-ms-umask': '0000' });
    expect((await r('HEAD', '/raw/tmp?action=getAccessControl')).headers['x-ms-permissions']).toBe('rwxrwxrwt');
    expect((await r('PUT', '/raw/tmp/mine?resource=file', { Authorization: alice })).status).toBe(201);
    expect((await r('DELETE', '/raw/tmp/mine', { Authorization: bob, Accept: 'application/json' })).status).toBe(403);
    expect((await r('DELETE', '/raw/tmp/mine?recursive=false', { Authorization: alice })).status).toBe(200);
    await r('PUT', '/raw/closed/inner?resource=directory');
    await r('PATCH', '/raw/closed?action=setAccessControl', { 'x-ms-permissions': 'rwxrw-rw-' });
    await r('PATCH', '/raw/closed/inner?action=setAccessControl', { 'x-ms-permissions': 'rwxrwxrwx' });
    expect((await r('PUT', '/raw/closed/inner/f?resource=file', { Authorization: bob })).status).toBe(403);
  });
  it('applies default ACLs with umask 007 and x-ms-umask without them', async () => {
    await r('PUT', '/raw/inh?resource=directory', { 'x-ms-acl': 'user::rwx,group::r-x,other::---,default:user::rwx,default:user:alice:rwx,default:group::r-x,default:other::r-x' });
    await r('PUT', '/raw/inh/f.txt?resource=file');
    const f = await r('HEAD', '/raw/inh/f.txt?action=getAccessControl');
    expect(f.headers['x-ms-acl']).toBe('user::rw-,user:alice:rwx,group::r-x,mask::rw-,other::---');
    await r('PUT', '/raw/inh/sub?resource=directory');
    const d = await r('HEAD', '/raw/inh/sub?action=getAccessControl');
    expect(d.headers['x-ms-acl']).toContain('default:user:alice:rwx');
    await r('PUT', '/raw/um.txt?resource=file', { 'x-ms-umask': '0077' });
    expect((await r('HEAD', '/raw/um.txt?action=getAccessControl')).headers['x-ms-permissions']).toBe('rw-------');
    const tooMany = Array.from({ length: 30 }, (_, i) => `user:u${i}:r--`).join(',');
    const limit = await r('PATCH', '/raw/um.txt?action=setAccessControl', { 'x-ms-acl': `user::rwx,${tooMany},group::r--,other::---` });
    expect(limit.status).toBe(400);
  });
  it('setAccessControlRecursive pages with maxRecords and counts failures', async () => {
    for (const n of ['rec/a/1', 'rec/a/2', 'rec/b/3']) await createFile(n, 'x');
    let continuation = '';
    const totals = { dirs: 0, files: 0, calls: 0 };
    do {
      const res = await r('PATCH', `/raw/rec?action=setAccessControlRecursive&mode=modify&maxRecords=2${continuation ? `&continuation=${encodeURIComponent(continuation)}` : ''}`, { 'x-ms-acl': 'user:carol:r-x' });
      expect(res.status).toBe(200);
      const body = JSON.parse(res.text) as { directoriesSuccessful: number; filesSuccessful: number; failureCount: number };
      totals.dirs += body.directoriesSuccessful;
      totals.files += body.filesSuccessful;
      totals.calls++;
      continuation = res.headers['x-ms-continuation'] ?? '';
    } while (continuation !== '');
    expect(totals).toEqual({ dirs: 3, files: 3, calls: 3 });
    expect((await r('HEAD', '/raw/rec/b/3?action=getAccessControl')).headers['x-ms-acl']).toContain('user:carol:r-x');
    const asAlice = await r('PATCH', '/raw/rec?action=setAccessControlRecursive&mode=remove&forceFlag=true', { Authorization: alice, 'x-ms-acl': 'user:carol' });
    const body = JSON.parse(asAlice.text) as { failureCount: number; failedEntries: { name: string }[] };
    expect(body.failureCount).toBe(6);
    expect(body.failedEntries.map((e) => e.name)).toContain('rec/a/1');
  });
});

describe('DFS filesystem operations', () => {
  it('creates, reads, updates, lists and deletes filesystems the DFS way', async () => {
    const props = `k1=${Buffer.from('v1').toString('base64')}`;
    const created = await r('PUT', '/dfsfs?resource=filesystem', { 'x-ms-properties': props });
    expect(created.status).toBe(201);
    expect(created.headers['x-ms-namespace-enabled']).toBe('true');
    expect((await r('PUT', '/dfsfs?resource=filesystem')).headers['x-ms-error-code']).toBe('FilesystemAlreadyExists');
    const head = await r('HEAD', '/dfsfs?resource=filesystem');
    expect(head.headers['x-ms-properties']).toBe(props);
    const props2 = `k2=${Buffer.from('v2').toString('base64')}`;
    expect((await r('PATCH', '/dfsfs?resource=filesystem', { 'x-ms-properties': props2 })).status).toBe(200);
    expect((await r('GET', '/dfsfs?restype=container')).headers['x-ms-meta-k2']).toBe('v2');
    const list = JSON.parse((await r('GET', '?resource=account&prefix=dfs')).text) as { filesystems: { name: string }[] };
    expect(list.filesystems.map((f) => f.name)).toEqual(['dfsfs']);
    const page = await r('GET', '?resource=account&maxResults=1');
    expect(page.headers['x-ms-continuation']).toBeTruthy();
    expect((await r('PUT', '/Bad_Name?resource=filesystem')).headers['x-ms-error-code']).toBe('InvalidResourceName');
    expect((await r('DELETE', '/dfsfs?resource=filesystem')).status).toBe(202);
    expect((await r('HEAD', '/dfsfs?resource=filesystem')).status).toBe(404);
  });
  it('sets DFS path properties and reads them back as metadata', async () => {
    await createFile('props.txt', 'p');
    const value = Buffer.from('héllo', 'latin1').toString('base64');
    expect((await r('PATCH', '/raw/props.txt?action=setProperties', { 'x-ms-properties': `note=${value}`, 'x-ms-content-type': 'text/plain' })).status).toBe(200);
    const head = await r('HEAD', '/raw/props.txt?action=getStatus');
    expect(head.headers['content-type']).toBe('text/plain');
    const blobHead = await r('HEAD', '/raw/props.txt');
    expect(blobHead.headers['x-ms-properties']).toBe(`note=${value}`);
    expect((await r('PATCH', '/raw/props.txt?action=setProperties', { 'x-ms-properties': 'bad' })).headers['x-ms-error-code']).toBe('InvalidHeaderValue');
  });
});

describe('service behaviour', () => {
  it('requires credentials unless anonymous', async () => {
    const strict = await startGen2Emulator({});
    try {
      const res = await send(strict.url, 'GET', `${A}?comp=list`);
      expect(res.status).toBe(401);
    } finally {
      await strict.close();
    }
  });
  it('injects faults with Retry-After and for a named operation', async () => {
    const faulty = await startGen2Emulator({ anonymous: true, faults: { everyNth: 2, status: 503, retryAfterSeconds: 2 } });
    try {
      expect((await send(faulty.url, 'GET', `${A}?comp=list`)).status).toBe(200);
      const second = await send(faulty.url, 'GET', `${A}?comp=list`);
      expect(second.status).toBe(503);
      expect(second.headers['retry-after']).toBe('2');
      expect(second.headers['x-ms-error-code']).toBe('ServerBusy');
    } finally {
      await faulty.close();
    }
    const failing = await startGen2Emulator({ anonymous: true, faults: { failOperation: 'FlushData' } });
    try {
      await send(failing.url, 'PUT', `${A}/f?restype=container`);
      await send(failing.url, 'PUT', `${A}/f/x?resource=file`);
      expect((await send(failing.url, 'PATCH', `${A}/f/x?action=flush&position=0`)).status).toBe(500);
    } finally {
      await failing.close();
    }
  });
});
