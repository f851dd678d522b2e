import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { DataLakeServiceClient, StorageSharedKeyCredential as DataLakeCredential } from '@azure/storage-file-datalake';
import { startAuthTestServer, contextFor, type AuthTestServer, type Recorded } from './auth-test-server.js';
import { compareHeaderNamesEnUs, compareOrdinal } from './canonical.js';
import { authenticate } from './index.js';
import type { AuthRequest } from './types.js';

const ACCOUNT = 'devstoreaccount1';
const KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
const OTHER_KEY = Buffer.alloc(64, 7).toString('base64');
const accounts = new Map([
  [ACCOUNT, Buffer.from(KEY, 'base64')],
  ['otheraccount', Buffer.from(OTHER_KEY, 'base64')],
]);
const retryOptions = { maxTries: 1 };

let server: AuthTestServer;

beforeAll(async () => {
  server = await startAuthTestServer({ accounts, anonymous: false, superusers: new Set(), permission: 'r', resourceType: 'o' });
});
afterAll(async () => {
  await server.close();
});

/** Runs `action` (errors from canned responses ignored) and returns what the server recorded meanwhile. */
async function recordDuring(action: () => Promise<unknown>): Promise<Recorded[]> {
  const from = server.records.length;
  await action().catch(() => undefined);
  return server.records.slice(from);
}

function expectAllAccepted(records: Recorded[]): void {
  expect(records.length).toBeGreaterThan(0);
  for (const r of records) {
    expect(r.result, `${r.request.method} ${r.request.rawUrl}`).toMatchObject({ ok: true, principal: { kind: 'shared-key', oid: '$superuser', superuser: true } });
  }
}

function reauth(request: AuthRequest, changes: Partial<AuthRequest> = {}, nowMs?: number) {
  const changed = { ...request, ...changes };
  const context = contextFor(changed.rawUrl, { ...server.base, ...(nowMs === undefined ? {} : { nowMs }) }, changed.headers);
  return authenticate(changed, context);
}

describe('Shared Key signed by @azure/storage-blob', () => {
  const blobService = () => new BlobServiceClient(`${server.url}/${ACCOUNT}`, new StorageSharedKeyCredential(ACCOUNT, KEY), { retryOptions });

  it('accepts service, container and blob operations with awkward names, metadata and query values', async () => {
    const svc = blobService();
    const container = svc.getContainerClient('fs1');
    const blob = container.getBlockBlobClient('dir with space/ünïcödé+%#?name=.txt');
    const records = await recordDuring(async () => {
      await svc.getProperties().catch(() => undefined);
      // Hyphenated metadata names sort differently in the en-US collation the SDK uses than in code-unit order.
      await container.create({ metadata: { 'a-c': '1', ab: '2', Zeta: '  padded' } }).catch(() => undefined);
      await blob.upload(Buffer.from('hello'), 5, { blobHTTPHeaders: { blobContentType: 'text/plain', blobContentLanguage: 'en' } }).catch(() => undefined);
      await blob.download(3, 2).catch(() => undefined);
      const pages = container.listBlobsFlat({ prefix: 'a+b c=d&e' }).byPage({ maxPageSize: 5 });
      await pages.next().catch(() => undefined);
      await blob.setMetadata({ k: 'v' }).catch(() => undefined);
      await blob.delete().catch(() => undefined);
    });
    expect(records.length).toBeGreaterThanOrEqual(7);
    expectAllAccepted(records);
  });

  it('refuses a forged signature, the wrong key, an unknown account and a mismatched account with 403 AuthenticationFailed', async () => {
    const [good] = await recordDuring(() => blobService().getContainerClient('fs1').getProperties());
    expect(good?.result.ok).toBe(true);
    const request = (good as Recorded).request;
    const auth = String(request.headers.authorization);
    const sig = auth.slice(auth.indexOf(':') + 1);
    const flipped = (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1);
    const forged = reauth(request, { headers: { ...request.headers, authorization: `SharedKey ${ACCOUNT}:${flipped}` } });
    expect(forged).toMatchObject({ ok: false, status: 403, code: 'AuthenticationFailed' });
    expect(JSON.stringify(forged)).not.toContain(sig);

    const [wrongKey] = await recordDuring(() =>
      new BlobServiceClient(`${server.url}/${ACCOUNT}`, new StorageSharedKeyCredential(ACCOUNT, OTHER_KEY), { retryOptions }).getContainerClient('fs1').getProperties(),
    );
    expect(wrongKey?.result).toMatchObject({ ok: false, status: 403, code: 'AuthenticationFailed' });

    const [unknown] = await recordDuring(() =>
      new BlobServiceClient(`${server.url}/nosuchaccount`, new StorageSharedKeyCredential('nosuchaccount', KEY), { retryOptions }).getContainerClient('fs1').getProperties(),
    );
    expect(unknown?.result).toMatchObject({ ok: false, status: 403, code: 'AuthenticationFailed' });

    // Signed correctly for otheraccount, but sent to devstoreaccount1's URL.
    const [mismatch] = await recordDuring(() =>
      new BlobServiceClient(`${server.url}/${ACCOUNT}`, new StorageSharedKeyCredential('otheraccount', OTHER_KEY), { retryOptions }).getContainerClient('fs1').getProperties(),
    );
    expect(mismatch?.result).toMatchObject({ ok: false, status: 403, code: 'AuthenticationFailed' });
  });

  it('refuses a tampered path, query or signed header, and a date more than 15 minutes off', async () => {
    const [good] = await recordDuring(() => blobService().getContainerClient('fs1').getBlockBlobClient('a/b.txt').getProperties());
    const request = (good as Recorded).request;
    expect(reauth(request).ok).toBe(true);
    expect(reauth(request, { rawUrl: request.rawUrl.replace('/a/b.txt', '/a/c.txt') })).toMatchObject({ status: 403, code: 'AuthenticationFailed' });
    expect(reauth(request, { rawUrl: `${request.rawUrl}${request.rawUrl.includes('?') ? '&' : '?'}comp=metadata` })).toMatchObject({ status: 403, code: 'AuthenticationFailed' });
    expect(reauth(request, { headers: { ...request.headers, 'x-ms-version': '2019-02-02' } })).toMatchObject({ status: 403, code: 'AuthenticationFailed' });
    expect(reauth(request, { method: 'DELETE' })).toMatchObject({ status: 403, code: 'AuthenticationFailed' });
    const sentAt = Date.parse(String(request.headers['x-ms-date']));
    expect(reauth(request, {}, sentAt + 14 * 60_000).ok).toBe(true);
    expect(reauth(request, {}, sentAt + 16 * 60_000)).toMatchObject({ status: 403, code: 'AuthenticationFailed' });
    expect(reauth(request, {}, sentAt - 16 * 60_000)).toMatchObject({ status: 403, code: 'AuthenticationFailed' });
    const { ['x-ms-date']: _dropped, ...withoutDate } = request.headers;
    expect(reauth(request, { headers: withoutDate })).toMatchObject({ status: 403, code: 'AuthenticationFailed' });
    expect(reauth(request, { headers: { ...request.headers, authorization: 'Basic dXNlcjpwdw==' } })).toMatchObject({ status: 400, code: 'InvalidAuthenticationInfo' });
  });
});

describe('Shared Key signed by @azure/storage-file-datalake', () => {
  it('accepts DFS create, append, flush, access control, move and delete', async () => {
    const svc = new DataLakeServiceClient(`${server.url}/${ACCOUNT}`, new DataLakeCredential(ACCOUNT, KEY), { retryOptions });
    const fs = svc.getFileSystemClient('fs2');
    const records = await recordDuring(async () => {
      await fs.create().catch(() => undefined);
      await fs.getDirectoryClient('d 1/ñ').create().catch(() => undefined);
      const file = fs.getFileClient('d 1/ñ/data file.bin');
      await file.create().catch(() => undefined);
      await file.append(Buffer.alloc(10, 1), 0, 10).catch(() => undefined);
      await file.flush(10, { close: true }).catch(() => undefined);
      await file.getAccessControl().catch(() => undefined);
      await file.setPermissions({ owner: { read: true, write: true, execute: false }, group: { read: true, write: false, execute: false }, other: { read: false, write: false, execute: false }, stickyBit: false, extendedAcls: false }).catch(() => undefined);
      await file.move('d 1/moved.bin').catch(() => undefined);
      await fs.getFileClient('d 1/moved.bin').delete().catch(() => undefined);
    });
    expect(records.length).toBeGreaterThanOrEqual(8);
    expectAllAccepted(records);
  });
});

describe('Shared Key variants of other client generations', () => {
  const key = Buffer.from(KEY, 'base64');
  const sign = (s: string): string => createHmac('sha256', key).update(s, 'utf8').digest('base64');
  const date = new Date().toUTCString();
  const headers = {
    'content-encoding': 'gzip',
    'content-language': 'de',
    'content-length': '0',
    'x-ms-date': date,
    'x-ms-version': '2021-08-06',
    'x-ms-meta-a-c': '1',
    'x-ms-meta-ab': '2',
  };
  const rawUrl = `/${ACCOUNT}/fs/dir/file?comp=metadata&timeout=30`;
  const resource = `/${ACCOUNT}/${ACCOUNT}/fs/dir/file\ncomp:metadata\ntimeout:30`;
  const ordinalHeaders = `x-ms-date:${date}\nx-ms-meta-a-c:1\nx-ms-meta-ab:2\nx-ms-version:2021-08-06\n`;
  const run = (authorization: string) =>
    authenticate({ method: 'PUT', rawUrl, headers: { ...headers, authorization }, secure: false }, contextFor(rawUrl, server.base));

  it('accepts the documented field order (Content-Encoding first) with code-unit header order, as Go/.NET/Python sign', () => {
    const sts = `PUT\ngzip\nde\n\n\n\n\n\n\n\n\n\n${ordinalHeaders}${resource}`;
    expect(run(`SharedKey ${ACCOUNT}:${sign(sts)}`).ok).toBe(true);
  });

  it('accepts the JavaScript order (Content-Language first)', () => {
    const sts = `PUT\nde\ngzip\n\n\n\n\n\n\n\n\n\n${ordinalHeaders}${resource}`;
    expect(run(`SharedKey ${ACCOUNT}:${sign(sts)}`).ok).toBe(true);
  });

  it('refuses a Content-Length of 0 signed as "0" (empty since 2015-02-21)', () => {
    const sts = `PUT\ngzip\nde\n0\n\n\n\n\n\n\n\n\n${ordinalHeaders}${resource}`;
    expect(run(`SharedKey ${ACCOUNT}:${sign(sts)}`)).toMatchObject({ ok: false, code: 'AuthenticationFailed' });
  });

  it('accepts Shared Key Lite', () => {
    const sts = `PUT\n\n\n\n${ordinalHeaders}/${ACCOUNT}/${ACCOUNT}/fs/dir/file?comp=metadata`;
    expect(run(`SharedKeyLite ${ACCOUNT}:${sign(sts)}`).ok).toBe(true);
  });
});

describe('header collation', () => {
  it('sorts like the service: hyphens ignored first, punctuation before digits before letters', () => {
    const names = ['x-ms-meta-a-c', 'x-ms-meta-ab', 'x-ms-meta-a_b', 'x-ms-meta-a1', 'x-ms-date', 'x-ms-blob-type', 'x-ms-blob-content-type'];
    expect([...names].sort(compareHeaderNamesEnUs)).toEqual([
      'x-ms-blob-content-type', 'x-ms-blob-type', 'x-ms-date', 'x-ms-meta-a_b', 'x-ms-meta-a1', 'x-ms-meta-ab', 'x-ms-meta-a-c',
    ]);
    expect([...names].sort(compareOrdinal).indexOf('x-ms-meta-a-c')).toBeLessThan([...names].sort(compareOrdinal).indexOf('x-ms-meta-ab'));
    expect(compareHeaderNamesEnUs('x-ms-ab', 'x-ms-a-b')).toBeLessThan(0);
  });
});
