/**
 * `gateway serve` over the Gen2 emulator, driven by unmodified official Gen1 clients (the Node
 * azure-arm-datalake-store 0.4.2 client and the Python azure-datalake-store SDK, over HTTPS with a
 * self-signed certificate, as the Gen1 emulator's own tests use them). Results are confirmed through the
 * official Gen2 SDK (@azure/storage-file-datalake), never through the gateway itself.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGen2Emulator, type Gen2Emulator } from '../../src/emulators/gen2/index.js';
import { startGatewayServer, type GatewayServer } from '../../src/gateway/server.js';
import type { Store } from '../../src/core/store.js';
import { openGen2, sdkFilesystem, sdkMode, sdkRead } from '../migrate-helpers.js';
import { PY_PROLOGUE, call, findPythonWithAdls, gen1Token, hasOpenssl, openText, runPython, selfSignedCert, USER_OID } from './helpers.js';

const require = createRequire(import.meta.url);
const opensslMissing = !hasOpenssl();
if (opensslMissing) console.warn('gateway serve-clients.test: skipping the HTTPS client suites because openssl is not on PATH');
const python = opensslMissing ? undefined : findPythonWithAdls();
if (!opensslMissing && python === undefined) console.warn('gateway serve-clients.test: skipping the Python suite (install python3-azure-datalake-store to run it)');


describe.skipIf(opensslMissing)('gateway serve over the Gen2 emulator, official Gen1 clients over HTTPS', () => {
  let dir: string;
  let gen2: Gen2Emulator;
  let store: Store;
  let gw: GatewayServer;
  let cert: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lakeshift-gw-clients-'));
    const pem = selfSignedCert(dir);
    cert = pem.cert;
    gen2 = await startGen2Emulator({ inMemory: true });
    store = openGen2(gen2.url, 'gen1');
    gw = await startGatewayServer({ rules: [{ sourcePrefix: '', store, destPath: '' }], certPath: pem.cert, keyPath: pem.key });
  });
  afterAll(async () => {
    await gw?.close();
    await store?.close();
    await gen2?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('azure-arm-datalake-store 0.4.2: files, directories, owners and ACLs land in Gen2', async () => {
    const { DataLakeStoreFileSystemClient } = require('azure-arm-datalake-store');
    const { TokenCredentials } = require('ms-rest');
    const client = new DataLakeStoreFileSystemClient(new TokenCredentials(gen1Token()), { requestOptions: { ca: readFileSync(cert) } });
    client.baseUri = gw.url;
    const fsOps = client.fileSystem;
    const account = 'lakeshift';
    expect(await call((cb) => fsOps.mkdirs(account, '/sdk/dir', cb))).toMatchObject({ operationResult: true });
    await call((cb) => fsOps.create(account, '/sdk/dir/hello.txt', { streamContents: Readable.from([Buffer.from('hello ')]), overwrite: true }, cb));
    await call((cb) => fsOps.append(account, '/sdk/dir/hello.txt', Readable.from([Buffer.from('world')]), { offset: 6 }, cb));
    expect(await openText(fsOps, account, '/sdk/dir/hello.txt')).toBe('hello world');
    const st: any = await call((cb) => fsOps.getFileStatus(account, '/sdk/dir/hello.txt', cb));
    expect(st.fileStatus).toMatchObject({ length: 11, type: 'FILE', permission: '770', owner: USER_OID });
    const list: any = await call((cb) => fsOps.listFileStatus(account, '/sdk/dir', cb));
    expect(list.fileStatuses.fileStatus.map((s: any) => s.pathSuffix)).toEqual(['hello.txt']);
    const summary: any = await call((cb) => fsOps.getContentSummary(account, '/sdk', cb));
    expect(summary.contentSummary).toMatchObject({ directoryCount: 2, fileCount: 1, length: 11 });
    await call((cb) => fsOps.setAcl(account, '/sdk/dir/hello.txt', 'user::rwx,group::r-x,other::---,user:abc:r--', cb));
    const acl: any = await call((cb) => fsOps.getAclStatus(account, '/sdk/dir/hello.txt', cb));
    expect(acl.aclStatus.entries).toEqual(['user::rwx', 'user:abc:r--', 'group::r-x', 'mask::r-x', 'other::---']);
    await call((cb) => fsOps.modifyAclEntries(account, '/sdk/dir', 'default:user:def:r-x', cb));
    await call((cb) => fsOps.setOwner(account, '/sdk/dir', { owner: 'owner-oid', group: 'group-oid' }, cb));
    await call((cb) => fsOps.concurrentAppend(account, '/sdk/ca.txt', Readable.from([Buffer.from('ca')]), { appendMode: 'autocreate' }, cb));
    await call((cb) => fsOps.create(account, '/sdk/part2', { streamContents: Readable.from([Buffer.from('-2')]), overwrite: true }, cb));
    await call((cb) => fsOps.msConcat(account, '/sdk/joined', Readable.from([Buffer.from('sources=/sdk/ca.txt,/sdk/part2')]), cb));
    expect(await openText(fsOps, account, '/sdk/joined')).toBe('ca-2');
    expect(await call((cb) => fsOps.rename(account, '/sdk/dir/hello.txt', '/sdk/renamed.txt', cb))).toMatchObject({ operationResult: true });
    await call((cb) => fsOps.setPermission(account, '/sdk/renamed.txt', { permission: '0750' }, cb));
    const err: any = await call((cb) => fsOps.getFileStatus(account, '/sdk/missing', cb)).catch((e: unknown) => e);
    expect(err.statusCode).toBe(404);
    expect(err.body?.remoteException).toMatchObject({ exception: 'FileNotFoundException', javaClassName: 'java.io.FileNotFoundException' });

    // Independently, through the official Gen2 SDK.
    const fs = sdkFilesystem(gen2.url, 'gen1');
    expect((await sdkRead(fs, 'sdk/renamed.txt')).toString()).toBe('hello world');
    expect((await sdkRead(fs, 'sdk/joined')).toString()).toBe('ca-2');
    expect(await fs.getFileClient('sdk/ca.txt').exists()).toBe(false);
    expect(await fs.getFileClient('sdk/dir/hello.txt').exists()).toBe(false);
    const fileAcl = await fs.getFileClient('sdk/renamed.txt').getAccessControl();
    expect(fileAcl.owner).toBe(USER_OID);
    expect(fileAcl.acl.some((e) => e.accessControlType === 'user' && e.entityId === 'abc')).toBe(true);
    expect(sdkMode(fileAcl.permissions!) & 0o700).toBe(0o700);
    const dirAcl = await fs.getDirectoryClient('sdk/dir').getAccessControl();
    expect(dirAcl).toMatchObject({ owner: 'owner-oid', group: 'group-oid' });
    expect(dirAcl.acl.some((e) => e.defaultScope && e.entityId === 'def')).toBe(true);
    expect((await fs.getDirectoryClient('sdk').getAccessControl()).owner).toBe(USER_OID);

    expect(await call((cb) => fsOps.deleteMethod(account, '/sdk', { recursive: true }, cb))).toMatchObject({ operationResult: true });
    expect(await fs.getDirectoryClient('sdk').exists()).toBe(false);
  });

  it.skipIf(python === undefined)('azure-datalake-store (Python): multi-chunk write, ls paging, ACLs, concat, move, delete', async () => {
    const script = PY_PROLOGUE + String.raw`out = {}
fs.mkdir('/py/dir')
data = os.urandom(5 * 1024 * 1024 + 123)
with fs.open('/py/dir/big.bin', 'wb') as f:
    f.write(data)
with fs.open('/py/dir/big.bin', 'rb') as f:
    out['roundtrip'] = f.read() == data
for i in range(5):
    with fs.open('/py/many/f%d' % i, 'wb') as f: f.write(b'x')
out['paged'] = fs.azure.call('LISTSTATUS', '/py/many', listSize=2)['FileStatuses']['continuationToken']
out['ls'] = fs.ls('/py/dir')
out['many'] = len(fs.ls('/py/many'))
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
fs.set_expiry('/py/moved', 'Absolute', 4102444800000)
out['expiry'] = fs.info('/py/moved').get('msExpirationTime')
print(json.dumps(out))
`;
    const out = await runPython(python ?? 'python3', script, [gw.url, gen1Token()], cert);
    expect(out.roundtrip).toBe(true);
    expect(out.paged).toBe('f1');
    expect(out.ls).toEqual(['py/dir/big.bin']);
    expect(out.many).toBe(5);
    expect(out.info).toMatchObject({ length: 5 * 1024 * 1024 + 123, type: 'FILE' });
    expect(out.acl.entries).toEqual(['user::rwx', 'user:abc:r-x', 'group::r-x', 'mask::r-x', 'other::---']);
    expect(out.cat).toBe('AB');
    expect(out.exists).toEqual([true, false]);
    expect(out.df).toMatchObject({ directoryCount: 3, fileCount: 7 });
    expect(out.expiry).toBe(4102444800000);
    const fs = sdkFilesystem(gen2.url, 'gen1');
    expect((await sdkRead(fs, 'py/dir/big.bin')).length).toBe(5 * 1024 * 1024 + 123);
    expect((await sdkRead(fs, 'py/moved')).toString()).toBe('AB');
    const acl = await fs.getFileClient('py/dir/big.bin').getAccessControl();
    expect(acl.owner).toBe(USER_OID);
    expect(acl.acl.some((e) => e.accessControlType === 'user' && e.entityId === 'abc')).toBe(true);
  }, 90_000);
});
