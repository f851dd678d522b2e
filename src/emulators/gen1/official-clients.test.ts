/**
 * Unmodified third-party clients against the emulator: Microsoft's Gen1 data-plane client
 * (npm azure-arm-datalake-store 0.4.2, over HTTPS with a self-signed certificate) and a generic
 * WebHDFS client (npm webhdfs 1.2.0, which relies on the 307 redirect dance).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GEN1_EMULATOR_ADMIN_OID, startGen1Emulator, type Gen1Emulator } from './index.js';
import { call, findPythonWithAdls, hasOpenssl, openText, selfSignedCert, tokenFor } from './test-support.js';

const require = createRequire(import.meta.url);

const opensslMissing = !hasOpenssl();
if (opensslMissing) console.warn('official-clients.test: skipping the HTTPS client suite because openssl is not on PATH');

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lakeshift-gen1-clients-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});



describe.skipIf(opensslMissing)('azure-arm-datalake-store 0.4.2 (DataLakeStoreFileSystemManagementClient) over HTTPS', () => {
  let emu: Gen1Emulator;
  let fsOps: any;
  const account = 'lakeshift';

  beforeAll(async () => {
    const { key, cert } = selfSignedCert(dir);
    emu = await startGen1Emulator({ inMemory: true, certPath: cert, keyPath: key });
    const { DataLakeStoreFileSystemClient } = require('azure-arm-datalake-store');
    const { TokenCredentials } = require('ms-rest');
    const client = new DataLakeStoreFileSystemClient(new TokenCredentials(tokenFor(GEN1_EMULATOR_ADMIN_OID)), {
      requestOptions: { ca: readFileSync(cert) },
    });
    // The client formats https://{accountName}.{suffix}; point it at the emulator's loopback address.
    client.baseUri = emu.url;
    fsOps = client.fileSystem;
  });
  afterAll(async () => {
    await emu?.close();
  });

  it('creates, appends, reads, stats and lists files', async () => {
    expect(await call((cb) => fsOps.mkdirs(account, '/sdk/dir', cb))).toMatchObject({ operationResult: true });
    await call((cb) => fsOps.create(account, '/sdk/dir/hello.txt', { streamContents: Readable.from([Buffer.from('hello ')]), overwrite: true }, cb));
    await call((cb) => fsOps.append(account, '/sdk/dir/hello.txt', Readable.from([Buffer.from('world')]), { offset: 6 }, cb));
    expect(await openText(fsOps, account, '/sdk/dir/hello.txt')).toBe('hello world');
    const st: any = await call((cb) => fsOps.getFileStatus(account, '/sdk/dir/hello.txt', cb));
    expect(st.fileStatus).toMatchObject({ length: 11, type: 'FILE', permission: '770', owner: GEN1_EMULATOR_ADMIN_OID });
    const list: any = await call((cb) => fsOps.listFileStatus(account, '/sdk/dir', cb));
    expect(list.fileStatuses.fileStatus.map((s: any) => s.pathSuffix)).toEqual(['hello.txt']);
    const summary: any = await call((cb) => fsOps.getContentSummary(account, '/sdk', cb));
    expect(summary.contentSummary).toMatchObject({ directoryCount: 2, fileCount: 1, length: 11 });
  });

  it('manages ACLs, renames, concatenates and deletes', async () => {
    await call((cb) => fsOps.setAcl(account, '/sdk/dir/hello.txt', 'user::rwx,group::r-x,other::---,user:abc:r--', cb));
    const acl: any = await call((cb) => fsOps.getAclStatus(account, '/sdk/dir/hello.txt', cb));
    expect(acl.aclStatus.entries).toEqual(['user::rwx', 'user:abc:r--', 'group::r-x', 'mask::r-x', 'other::---']);
    await call((cb) => fsOps.setPermission(account, '/sdk/dir/hello.txt', { permission: '0750' }, cb));
    expect(await call((cb) => fsOps.rename(account, '/sdk/dir/hello.txt', '/sdk/renamed.txt', cb))).toMatchObject({ operationResult: true });
    await call((cb) => fsOps.concurrentAppend(account, '/sdk/ca.txt', Readable.from([Buffer.from('ca')]), { appendMode: 'autocreate' }, cb));
    await call((cb) => fsOps.create(account, '/sdk/part2', { streamContents: Readable.from([Buffer.from('-2')]), overwrite: true }, cb));
    await call((cb) => fsOps.msConcat(account, '/sdk/joined', Readable.from([Buffer.from('sources=/sdk/ca.txt,/sdk/part2')]), cb));
    expect(await openText(fsOps, account, '/sdk/joined')).toBe('ca-2');
    await call((cb) => fsOps.checkAccess(account, '/sdk/joined', { fsaction: 'rwx' }, cb));
    expect(await call((cb) => fsOps.deleteMethod(account, '/sdk', { recursive: true }, cb))).toMatchObject({ operationResult: true });
  });

  it('surfaces RemoteException errors as the typed AdlsError body', async () => {
    const err: any = await call((cb) => fsOps.getFileStatus(account, '/sdk/missing', cb)).catch((e: unknown) => e);
    expect(err.statusCode).toBe(404);
    expect(err.body?.remoteException).toMatchObject({ exception: 'FileNotFoundException', javaClassName: 'java.io.FileNotFoundException' });
  });
});

const python = opensslMissing ? undefined : findPythonWithAdls();
if (!opensslMissing && python === undefined) {
  console.warn('official-clients.test: skipping the Python azure-datalake-store suite (install python3-azure-datalake-store to run it)');
}

const PY_SCRIPT = String.raw`import json, os, sys, time
from azure.datalake.store import core, lib
url, token = sys.argv[1], sys.argv[2]
cred = lib.DataLakeCredential({'tokenType': 'Bearer', 'access': token, 'time': time.time(), 'expiresIn': 3600})
fs = core.AzureDLFileSystem(token=cred, store_name='lakeshift', url_suffix='unused.invalid')
fs.azure.url = url + '/'
out = {}
fs.mkdir('/py/dir')
data = os.urandom(5 * 1024 * 1024 + 123)
with fs.open('/py/dir/big.bin', 'wb') as f:
    f.write(data)
with fs.open('/py/dir/big.bin', 'rb') as f:
    out['roundtrip'] = f.read() == data
out['ls'] = fs.ls('/py/dir')
out['info'] = fs.info('/py/dir/big.bin')
fs.chmod('/py/dir/big.bin', '0750')
fs.modify_acl_entries('/py/dir/big.bin', 'user:abc:r-x')
out['acl'] = fs.get_acl_status('/py/dir/big.bin')
with fs.open('/py/a', 'wb') as f: f.write(b'A')
with fs.open('/py/b', 'wb') as f: f.write(b'B')
fs.concat('/py/ab', ['/py/a', '/py/b'])
out['cat'] = fs.cat('/py/ab').decode()
fs.mv('/py/ab', '/py/moved')
out['exists'] = [fs.exists('/py/moved'), fs.exists('/py/ab')]
out['df'] = fs.df('/py')
out['du'] = fs.du('/py', total=True)
out['access'] = fs.access('/py/moved')
fs.rm('/py', recursive=True)
out['gone'] = fs.exists('/py')
print(json.dumps(out))
`;

describe.skipIf(python === undefined)('azure-datalake-store (Python SDK) over HTTPS', () => {
  it('writes a multi-chunk file, reads it back, lists, sets ACLs, concatenates, moves and deletes', async () => {
    const { key, cert } = selfSignedCert(dir, 'py-');
    const emu = await startGen1Emulator({ inMemory: true, certPath: cert, keyPath: key });
    try {
      const { execFile } = await import('node:child_process');
      const stdout = await new Promise<string>((resolve, reject) => {
        execFile(python ?? 'python3', ['-c', PY_SCRIPT, emu.url, tokenFor(GEN1_EMULATOR_ADMIN_OID)], { env: { ...process.env, REQUESTS_CA_BUNDLE: cert }, timeout: 60_000 },
          (err, out, errOut) => (err ? reject(new Error(`${err.message}\n${errOut}`)) : resolve(out)));
      });
      const out = JSON.parse(stdout);
      expect(out.roundtrip).toBe(true);
      expect(out.ls).toEqual(['py/dir/big.bin']);
      expect(out.info).toMatchObject({ length: 5 * 1024 * 1024 + 123, type: 'FILE' });
      expect(out.acl.entries).toEqual(['user::rwx', 'user:abc:r-x', 'group::r-x', 'mask::r-x', 'other::---']);
      expect(out.cat).toBe('AB');
      expect(out.exists).toEqual([true, false]);
      expect(out.df).toMatchObject({ directoryCount: 2, fileCount: 2 });
      expect(out.access).toBe(true);
      expect(out.gone).toBe(false);
    } finally {
      await emu.close();
    }
  });
});

describe('webhdfs 1.2.0 (generic WebHDFS client, follows 307 redirects)', () => {
  let emu: Gen1Emulator;
  let hdfs: any;
  beforeAll(async () => {
    emu = await startGen1Emulator({ inMemory: true });
    const WebHDFS = require('webhdfs');
    const u = new URL(emu.url);
    hdfs = WebHDFS.createClient({ host: u.hostname, port: u.port, path: '/webhdfs/v1' }, { headers: { Authorization: `Bearer ${tokenFor(GEN1_EMULATOR_ADMIN_OID)}` } });
  });
  afterAll(async () => {
    await emu?.close();
  });

  it('writes, appends, reads, lists, renames and deletes', async () => {
    await call((cb) => hdfs.mkdir('/w/dir', cb));
    await call((cb) => hdfs.writeFile('/w/dir/a.txt', 'generic client', cb));
    await call((cb) => hdfs.appendFile('/w/dir/a.txt', ' + append', cb));
    expect(String(await call((cb) => hdfs.readFile('/w/dir/a.txt', cb)))).toBe('generic client + append');
    const stat: any = await call((cb) => hdfs.stat('/w/dir/a.txt', cb));
    expect(stat).toMatchObject({ type: 'FILE', length: 23 });
    const entries: any[] = await call((cb) => hdfs.readdir('/w/dir', cb));
    expect(entries.map((e) => e.pathSuffix)).toEqual(['a.txt']);
    await call((cb) => hdfs.rename('/w/dir/a.txt', '/w/b.txt', cb));
    expect(await call((cb) => hdfs.exists('/w/b.txt', (exists: boolean) => cb(null, exists)))).toBe(true);
    await call((cb) => hdfs.chmod('/w/b.txt', '0740', cb));
    expect(((await call((cb) => hdfs.stat('/w/b.txt', cb))) as any).permission).toBe('740');
    await call((cb) => hdfs.unlink('/w', true, cb));
    expect(await call((cb) => hdfs.exists('/w', (exists: boolean) => cb(null, exists)))).toBe(false);
  });

  it('reports RemoteException errors from the emulator', async () => {
    const err: any = await call((cb) => hdfs.stat('/nope', cb)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(String(err.message)).toContain('does not exist');
  });
});
