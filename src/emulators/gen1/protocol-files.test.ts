import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GEN1_EMULATOR_ADMIN_OID, startGen1Emulator, type Gen1Emulator } from './index.js';
import { rawClient, remoteException, tokenFor, type RawCall, type RawResponse } from './test-support.js';

let emu: Gen1Emulator;
let call: (c: RawCall) => Promise<RawResponse>;

beforeAll(async () => {
  emu = await startGen1Emulator({ inMemory: true, port: 0, maxAppendBytes: 64 * 1024 });
  call = rawClient(emu.url, tokenFor(GEN1_EMULATOR_ADMIN_OID));
});
afterAll(async () => {
  await emu.close();
});

const create = (path: string, body?: string, extra = ''): Promise<RawResponse> =>
  call({ method: 'PUT', path, query: `op=CREATE&write=true&overwrite=true${extra}`, ...(body === undefined ? {} : { body }) });
const open = (path: string, extra = ''): Promise<RawResponse> => call({ method: 'GET', path, query: `op=OPEN&read=true${extra}` });

describe('startGen1Emulator', () => {
  it('refuses to start without a location or inMemory', async () => {
    await expect(startGen1Emulator({})).rejects.toThrow(/location/);
  });
});

describe('CREATE', () => {
  it('answers 201 with a Location echoing the request URL, and the Gen1 headers', async () => {
    const r = await create('/c/one.txt', 'hello');
    expect(r.status).toBe(201);
    expect(r.headers.get('location')).toBe(`${emu.url}/webhdfs/v1/c/one.txt?op=CREATE&write=true&overwrite=true`);
    expect(r.headers.get('content-length')).toBe('0');
    expect(r.headers.get('x-ms-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.headers.get('x-ms-webhdfs-version')).toBeTruthy();
    expect(r.headers.get('cache-control')).toContain('no-store');
    expect((await open('/c/one.txt')).text).toBe('hello');
  });

  it('overwrite=false on an existing file → 403 FileAlreadyExistsException', async () => {
    await create('/c/exists.txt', 'x');
    const r = await call({ method: 'PUT', path: '/c/exists.txt', query: 'op=CREATE&write=true&overwrite=false', body: 'y' });
    expect(r.status).toBe(403);
    expect(remoteException(r)).toMatchObject({ exception: 'FileAlreadyExistsException', javaClassName: 'org.apache.hadoop.fs.FileAlreadyExistsException' });
    expect(Number(r.headers.get('content-length'))).toBe(Buffer.byteLength(r.text));
    expect(Object.keys(r.json as object)).toEqual(['RemoteException']);
    expect(Object.keys((r.json as { RemoteException: object }).RemoteException)).toEqual(['exception', 'message', 'javaClassName']);
  });

  it('overwrite defaults to false, and True (any case) overwrites', async () => {
    await create('/c/ow.txt', 'first');
    expect((await call({ method: 'PUT', path: '/c/ow.txt', query: 'op=CREATE&write=true', body: 'z' })).status).toBe(403);
    expect((await call({ method: 'PUT', path: '/c/ow.txt', query: 'OP=create&Write=TRUE&overwrite=True', body: 'second' })).status).toBe(201);
    expect((await open('/c/ow.txt')).text).toBe('second');
  });

  it('creates missing parents unless CreateParent=false (404)', async () => {
    expect((await create('/c/deep/er/file', 'a')).status).toBe(201);
    const r = await call({ method: 'PUT', path: '/c/nope/file', query: 'op=CREATE&write=true&CreateParent=False' });
    expect(r.status).toBe(404);
    expect(remoteException(r)?.exception).toBe('FileNotFoundException');
  });

  it('refuses a directory at the path and bodies over the cap', async () => {
    await call({ method: 'PUT', path: '/c/adir', query: 'op=MKDIRS' });
    const dir = await create('/c/adir', 'x');
    expect(dir.status).toBe(403);
    expect(remoteException(dir)?.exception).toBe('FileAlreadyExistsException');
    const big = await create('/c/big', 'x'.repeat(64 * 1024 + 1));
    expect(big.status).toBe(400);
    expect(remoteException(big)?.exception).toBe('IllegalArgumentException');
    expect(remoteException(big)?.message).toContain('65536');
  });

  it('without write=true answers 307 to the same URL plus write=true (generic WebHDFS)', async () => {
    const r = await call({ method: 'PUT', path: '/c/redir.txt', query: 'op=CREATE&overwrite=true' });
    expect(r.status).toBe(307);
    expect(r.headers.get('location')).toBe(`${emu.url}/webhdfs/v1/c/redir.txt?op=CREATE&overwrite=true&write=true`);
    const o = await call({ method: 'GET', path: '/c/one.txt', query: 'op=OPEN' });
    expect(o.status).toBe(307);
    expect(o.headers.get('location')).toContain('read=true');
    const a = await call({ method: 'POST', path: '/c/one.txt', query: 'op=APPEND' });
    expect(a.status).toBe(307);
    expect(a.headers.get('location')).toContain('append=true');
  });
});

describe('APPEND', () => {
  it('appends at offset == length, rejects other offsets with 400 BadOffsetException, zero-length at EOF succeeds', async () => {
    await create('/a/log', 'abc');
    expect((await call({ method: 'POST', path: '/a/log', query: 'op=APPEND&append=true&offset=3', body: 'def' })).status).toBe(200);
    const bad = await call({ method: 'POST', path: '/a/log', query: 'op=APPEND&append=true&offset=2', body: 'zz' });
    expect(bad.status).toBe(400);
    expect(remoteException(bad)).toMatchObject({ exception: 'BadOffsetException', javaClassName: 'org.apache.hadoop.fs.adl.BadOffsetException' });
    expect(bad.headers.get('status')).toBe('0x83090015');
    expect((await call({ method: 'POST', path: '/a/log', query: 'op=APPEND&append=true&offset=6' })).status).toBe(200);
    expect((await call({ method: 'POST', path: '/a/log', query: 'op=APPEND&append=true', body: 'g' })).status).toBe(200);
    expect((await open('/a/log')).text).toBe('abcdefg');
  });

  it('appending to a missing file → 404, to a directory → 404', async () => {
    const r = await call({ method: 'POST', path: '/a/missing', query: 'op=APPEND&append=true', body: 'x' });
    expect(r.status).toBe(404);
    expect(remoteException(r)?.exception).toBe('FileNotFoundException');
    await call({ method: 'PUT', path: '/a/d', query: 'op=MKDIRS' });
    expect((await call({ method: 'POST', path: '/a/d', query: 'op=APPEND&append=true', body: 'x' })).status).toBe(404);
  });

  it('leaseid: one writer at a time until syncFlag=CLOSE', async () => {
    await create('/a/leased', '', '&leaseid=L1&syncFlag=DATA');
    const other = await call({ method: 'POST', path: '/a/leased', query: 'op=APPEND&append=true&leaseid=L2', body: 'x' });
    expect(other.status).toBe(403);
    expect(remoteException(other)?.message).toContain('0x83090a16');
    expect((await call({ method: 'POST', path: '/a/leased', query: 'op=APPEND&append=true&leaseid=L1&syncFlag=CLOSE', body: 'y' })).status).toBe(200);
    expect((await call({ method: 'POST', path: '/a/leased', query: 'op=APPEND&append=true&leaseid=L2&syncFlag=CLOSE', body: 'z' })).status).toBe(200);
    expect((await open('/a/leased')).text).toBe('yz');
  });

  it('a lease lapses after the soft limit without writes (crashed writers do not lock files forever)', async () => {
    await create('/a/stale', 'x', '&leaseid=OLD&syncFlag=DATA');
    expect((await call({ method: 'POST', path: '/a/stale', query: 'op=APPEND&append=true&leaseid=NEW', body: 'y' })).status).toBe(403);
    // Age the file past the 60 s soft limit.
    await call({ method: 'PUT', path: '/a/stale', query: `op=SETTIMES&modificationtime=${Date.now() - 61_000}` });
    expect((await call({ method: 'POST', path: '/a/stale', query: 'op=APPEND&append=true&leaseid=NEW&syncFlag=CLOSE', body: 'y' })).status).toBe(200);
    expect((await open('/a/stale')).text).toBe('xy');
  });

  it('serializes concurrent appends to one file', async () => {
    await create('/a/conc', '');
    const parts = Array.from({ length: 20 }, (_, i) => String.fromCharCode(97 + i).repeat(1000));
    const results = await Promise.all(parts.map((p) => call({ method: 'POST', path: '/a/conc', query: 'op=APPEND&append=true', body: p })));
    expect(results.every((r) => r.status === 200)).toBe(true);
    const text = (await open('/a/conc')).text;
    expect(text.length).toBe(20_000);
    expect([...new Set(text.match(/(.)\1{999}/g) ?? [])].length).toBe(20);
  });
});

describe('OPEN', () => {
  it('serves ranges, empty reads at EOF, 400 BadOffsetException beyond EOF, octet-stream', async () => {
    await create('/o/f', '0123456789');
    const r = await open('/o/f', '&offset=2&length=3');
    expect(r.status).toBe(200);
    expect(r.text).toBe('234');
    expect(r.headers.get('content-type')).toBe('application/octet-stream');
    expect((await open('/o/f', '&offset=8&length=100')).text).toBe('89');
    const eof = await open('/o/f', '&offset=10&length=5');
    expect(eof.status).toBe(200);
    expect(eof.text).toBe('');
    const past = await open('/o/f', '&offset=11');
    expect(past.status).toBe(400);
    expect(remoteException(past)?.exception).toBe('BadOffsetException');
    await create('/o/empty', '');
    const e = await open('/o/empty', '&offset=0&length=0');
    expect(e.status).toBe(200);
    expect(e.headers.get('content-length')).toBe('0');
    expect((await open('/o/missing')).status).toBe(404);
  });
});

describe('CONCURRENTAPPEND', () => {
  it('autocreates under /WebHdfsExt (any case) and appends; cannot mix with serial APPEND', async () => {
    const first = await call({ method: 'POST', prefix: '/webhdfsext', path: '/ca/f', query: 'op=CONCURRENTAPPEND&appendMode=autocreate&syncFlag=DATA', body: 'ab' });
    expect(first.status).toBe(200);
    expect((await call({ method: 'POST', prefix: '/WebHdfsExt', path: '/ca/f', query: 'op=CONCURRENTAPPEND', body: 'cd' })).status).toBe(200);
    expect((await open('/ca/f')).text).toBe('abcd');
    const mix = await call({ method: 'POST', path: '/ca/f', query: 'op=APPEND&append=true', body: 'x' });
    expect(mix.status).toBe(400);
    const missing = await call({ method: 'POST', prefix: '/WebHdfsExt', path: '/ca/none', query: 'op=CONCURRENTAPPEND', body: 'x' });
    expect(missing.status).toBe(404);
  });
});

describe('CONCAT and MSCONCAT', () => {
  it('MSCONCAT joins sources given as JSON into the destination and deletes them', async () => {
    await create('/m/p1', 'one-');
    await create('/m/p2', 'two');
    const r = await call({
      method: 'POST', path: '/m/out', query: 'op=MSCONCAT&deleteSourceDirectory=false',
      headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ sources: ['/m/p1', 'm/p2'] }),
    });
    expect(r.status).toBe(200);
    expect((await open('/m/out')).text).toBe('one-two');
    expect((await call({ method: 'GET', path: '/m/p1', query: 'op=GETFILESTATUS' })).status).toBe(404);
  });

  it('MSCONCAT accepts the older text body and deleteSourceDirectory=true removes the source folder', async () => {
    await create('/m/src/a', 'A');
    await create('/m/src/b', 'B');
    const r = await call({ method: 'POST', path: '/m/joined', query: 'op=MSCONCAT&deleteSourceDirectory=true', body: 'sources=/m/src/a,/m/src/b' });
    expect(r.status).toBe(200);
    expect((await open('/m/joined')).text).toBe('AB');
    expect((await call({ method: 'GET', path: '/m/src', query: 'op=GETFILESTATUS' })).status).toBe(404);
  });

  it('MSCONCAT keeps the source folder when the destination lies inside it', async () => {
    await create('/m/keep/a', 'A');
    const r = await call({ method: 'POST', path: '/m/keep/sub/out', query: 'op=MSCONCAT&deleteSourceDirectory=true', body: JSON.stringify({ sources: ['/m/keep/a'] }) });
    expect(r.status).toBe(200);
    expect((await open('/m/keep/sub/out')).text).toBe('A');
  });

  it('CONCAT takes sources in the query; a missing source → 404; an existing destination → 403', async () => {
    await create('/k/x', 'x');
    await create('/k/y', 'y');
    expect((await call({ method: 'POST', path: '/k/xy', query: 'op=CONCAT&sources=%2Fk%2Fx%2C%2Fk%2Fy' })).status).toBe(200);
    expect((await open('/k/xy')).text).toBe('xy');
    const missing = await call({ method: 'POST', path: '/k/z', query: 'op=CONCAT&sources=/k/nope' });
    expect(missing.status).toBe(404);
    await create('/k/p', 'p');
    const exists = await call({ method: 'POST', path: '/k/xy', query: 'op=CONCAT&sources=/k/p' });
    expect(exists.status).toBe(403);
    expect(remoteException(exists)?.exception).toBe('FileAlreadyExistsException');
  });
});
