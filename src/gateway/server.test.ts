import { request } from 'node:http';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StorageError } from '../core/errors.js';
import type { Store } from '../core/store.js';
import { openStore } from '../stores/open-store.js';
import { startGatewayServer, type GatewayServer } from './server.js';

/** Minted here (not with the emulator's helper: the gateway shares no code with the emulators). */
function token(claims: Record<string, unknown>): string {
  const b = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return `${b({ alg: 'none', typ: 'JWT' })}.${b({ aud: 'https://datalake.azure.net/', oid: 'u-1', nbf: now - 60, exp: now + 600, ...claims })}.c2ln`;
}

interface Raw { status: number; body: string; json: any }

function raw(base: string, method: string, path: string, auth: string | undefined, body?: string): Promise<Raw> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, method, path, headers: auth === undefined ? {} : { Authorization: auth } }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => {
        const text = Buffer.concat(parts).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, body: text, json });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('gateway serve: wire behaviour over memory stores', () => {
  let gw: GatewayServer;
  let raw1: Store;
  let other: Store;
  let broken: Store;
  const logLines: string[] = [];
  const good = `Bearer ${token({})}`;

  beforeAll(async () => {
    raw1 = openStore('memory://gw-raw/');
    other = openStore('memory://gw-other/');
    broken = openStore('memory://gw-broken/');
    // A store that fails with a non-StorageError (a bug): the client must get Gen1's shape, no stack.
    broken.stat = () => Promise.reject(new Error('boom at secret-internal-frame'));
    await other.mkdir('outside');
    const written = await raw1.createWriter('data/a.txt');
    await written.write(0, Buffer.from('abc'));
    await written.commit({ size: 3 });
    const sink = new Writable({ write(chunk, _enc, cb) { logLines.push(String(chunk)); cb(); } });
    gw = await startGatewayServer({
      rules: [{ sourcePrefix: 'lake/raw', store: raw1, destPath: 'data' }, { sourcePrefix: 'lake/broken', store: broken, destPath: '' }],
      logger: pino({ level: 'debug' }, sink),
      passThrough: (store) => {
        if (store !== raw1) throw new Error('unexpected store');
        return other;
      },
    });
  });
  afterAll(async () => {
    await gw.close();
  });

  it('maps Gen1 prefixes to store paths, with derived read-only parents', async () => {
    expect((await raw(gw.url, 'GET', '/webhdfs/v1/lake/raw/a.txt?op=OPEN&read=true', good)).body).toBe('abc');
    const root = await raw(gw.url, 'GET', '/webhdfs/v1/lake?op=LISTSTATUS', good);
    expect(root.json.FileStatuses.FileStatus.map((s: any) => s.pathSuffix)).toEqual(['broken', 'raw']);
    expect((await raw(gw.url, 'PUT', '/webhdfs/v1/lake?op=MKDIRS', good)).json).toEqual({ boolean: true });
    expect((await raw(gw.url, 'PUT', '/webhdfs/v1/lake/new?op=MKDIRS', good)).status).toBe(404);
    const create = await raw(gw.url, 'PUT', '/webhdfs/v1/lake?op=CREATE&write=true', good, 'x');
    expect(create.status).toBe(403);
    expect(create.json.RemoteException.exception).toBe('AccessControlException');
    expect((await raw(gw.url, 'GET', '/webhdfs/v1/elsewhere?op=GETFILESTATUS', good)).status).toBe(404);
  });

  it('refuses every path that would leave the mapped area', async () => {
    for (const p of ['/webhdfs/v1/lake/raw/../../x', '/webhdfs/v1/lake/raw/%2E%2E/%2E%2E/outside', '/webhdfs/v1/lake/raw/..%2F..%2Foutside', '/webhdfs/v1/lake/raw/%00x']) {
      const r = await raw(gw.url, 'GET', `${p}?op=GETFILESTATUS`, good);
      expect(r.status, p).toBe(400);
      expect(r.json.RemoteException.exception).toBe('IllegalArgumentException');
    }
    const rename = await raw(gw.url, 'PUT', '/webhdfs/v1/lake/raw/a.txt?op=RENAME&destination=/lake/raw/../../../outside/x', good);
    expect(rename.status).toBe(400);
    expect(await other.stat('outside')).toMatchObject({ kind: 'directory' });
    const cross = await raw(gw.url, 'PUT', '/webhdfs/v1/lake/raw/a.txt?op=RENAME&destination=/lake/broken/a.txt', good);
    expect(cross.json.RemoteException.exception).toBe('UnsupportedOperationException');
  });

  it('authenticates as the Gen1 emulator does, and passes storage tokens through', async () => {
    const cases: [string | undefined, string][] = [
      [undefined, 'no Authorization header'],
      ['Basic abc', 'not a Bearer token'],
      ['Bearer not-a-jwt', 'not a JWT'],
      [`Bearer ${token({ aud: 'https://management.azure.com/' })}`, 'audience'],
      [`Bearer ${token({ exp: Math.floor(Date.now() / 1000) - 3600 })}`, 'expired'],
      [`Bearer ${token({ oid: undefined })}`, 'no oid'],
    ];
    for (const [auth, why] of cases) {
      const r = await raw(gw.url, 'GET', '/webhdfs/v1/lake/raw/a.txt?op=GETFILESTATUS', auth);
      expect(r.status).toBe(401);
      expect(r.json.RemoteException).toMatchObject({ exception: 'SecurityException', javaClassName: 'java.lang.SecurityException' });
      expect(r.json.RemoteException.message).toContain(why);
    }
    // A storage-audience token acts through the pass-through store (here: another memory store).
    const storage = `Bearer ${token({ aud: 'https://storage.azure.com' })}`;
    expect((await raw(gw.url, 'GET', '/webhdfs/v1/lake/raw/a.txt?op=GETFILESTATUS', storage)).status).toBe(404);
    await other.mkdir('data/only-in-other');
    const listed = await raw(gw.url, 'GET', '/webhdfs/v1/lake/raw?op=LISTSTATUS', storage);
    expect(listed.json.FileStatuses.FileStatus.map((s: any) => s.pathSuffix)).toEqual(['only-in-other']);
  });

  it('answers unsupported and malformed requests in Gen1 shape, never 500 nor a stack', async () => {
    const checks: [string, string, number, string][] = [
      ['GET', '/webhdfs/v1/lake/raw?op=NOSUCHOP', 400, 'IllegalArgumentException'],
      ['GET', '/webhdfs/v1/lake/raw?op=GETFILECHECKSUM', 400, 'UnsupportedOperationException'],
      ['GET', '/webhdfs/v1/lake/raw?op=LISTSTATUS&listBefore=z', 400, 'UnsupportedOperationException'],
      ['PUT', '/webhdfs/v1/lake/raw?op=OPEN', 400, 'IllegalArgumentException'],
      ['HEAD', '/webhdfs/v1/lake/raw?op=GETFILESTATUS', 400, ''],
      ['GET', '/webhdfs/v1/lake/raw/%zz?op=GETFILESTATUS', 400, 'IllegalArgumentException'],
      ['GET', '/other/path?op=GETFILESTATUS', 404, 'UnsupportedOperationException'],
      ['POST', '/webhdfs/v1/lake/raw/a.txt?op=APPEND&append=true&offset=1', 400, 'BadOffsetException'],
      ['GET', '/webhdfs/v1/lake/raw/a.txt?op=OPEN&read=true&offset=9', 400, 'BadOffsetException'],
      ['PUT', '/webhdfs/v1/lake/raw/a.txt?op=CREATE&write=true&overwrite=false', 403, 'FileAlreadyExistsException'],
      ['PUT', '/webhdfs/v1/lake/raw/a.txt?op=SETACL&aclspec=user::rwz', 400, 'IllegalArgumentException'],
      ['PUT', '/webhdfs/v1/lake/raw/a.txt?op=SETEXPIRY&expiryOption=RelativeToCreationDate&expireTime=5', 400, 'UnsupportedOperationException'],
      ['GET', '/webhdfs/v1/lake/broken/x?op=GETFILESTATUS', 503, 'IOException'],
    ];
    for (const [method, path, status, exception] of checks) {
      const r = await raw(gw.url, method, path, good);
      expect(r.status, `${method} ${path}`).toBe(status);
      if (method === 'HEAD') continue;
      expect(r.json.RemoteException.exception, path).toBe(exception);
      expect(r.body).not.toMatch(/secret-internal-frame|at .*\.ts:\d+/);
    }
    // The generic WebHDFS redirect for clients that do not send the ADL skip flags.
    const redirect = await raw(gw.url, 'PUT', '/webhdfs/v1/lake/raw/r.txt?op=CREATE', good);
    expect(redirect.status).toBe(307);
  });

  it('emulates concurrent appends safely and never logs tokens', async () => {
    await Promise.all(Array.from({ length: 8 }, (_, i) => raw(gw.url, 'POST', '/WebHdfsExt/lake/raw/ca.log?op=CONCURRENTAPPEND&appendMode=autocreate', good, `line-${i}\n`)));
    const text = (await raw(gw.url, 'GET', '/webhdfs/v1/lake/raw/ca.log?op=OPEN&read=true', good)).body;
    expect(text.split('\n').filter((l) => l !== '').sort()).toEqual(Array.from({ length: 8 }, (_, i) => `line-${i}`));
    const log = logLines.join('');
    expect(log).toContain('gateway.internal_error');
    expect(log).not.toContain(good.slice(7));
    expect(log).not.toContain('Bearer');
  });

  it('refuses requests with a StorageError mapped to the Gen1 exception', async () => {
    raw1.getAcl = () => Promise.reject(new StorageError('permission-denied', 'nope'));
    const r = await raw(gw.url, 'GET', '/webhdfs/v1/lake/raw/a.txt?op=MSGETACLSTATUS', good);
    expect(r.status).toBe(403);
    expect(r.json.RemoteException.message).toContain('0x83090aa2');
  });
});
