import { createHmac } from 'node:crypto';
import { createHttpHeaders, createPipelineRequest, type PipelineRequest } from '@azure/core-rest-pipeline';
import { storageSharedKeyCredentialPolicy } from '@azure/storage-common';
import { describe, expect, it } from 'vitest';
import { SharedKeySigner, canonicalResource, compareHeaderNames, stringToSign } from './shared-key.js';

const ACCOUNT = 'acct1';
const KEY = Buffer.from('lakeshift shared key test key 0123456789').toString('base64');

/** What the SDK's own Shared Key policy sends for the request (the oracle): its x-ms-date and Authorization. */
async function sdkSigned(method: string, url: string, headers: Record<string, string>): Promise<{ date: string; auth: string }> {
  const policy = storageSharedKeyCredentialPolicy({ accountName: ACCOUNT, accountKey: Buffer.from(KEY, 'base64') });
  const request = createPipelineRequest({ url, method: method as PipelineRequest['method'], headers: createHttpHeaders(headers) });
  let out = { date: '', auth: '' };
  await policy.sendRequest(request, async (req) => {
    out = { date: req.headers.get('x-ms-date') ?? '', auth: req.headers.get('authorization') ?? '' };
    return { request: req, status: 200, headers: createHttpHeaders() };
  });
  return out;
}

describe('SharedKeySigner', () => {
  const cases: { method: string; target: string; headers: Record<string, string> }[] = [
    { method: 'PUT', target: '/acct1/fs/dir%20a/f%23%3F%2B.txt', headers: { 'x-ms-version': '2026-02-06', 'content-length': '30', 'x-ms-blob-type': 'BlockBlob', 'content-md5': 'AAAAAAAAAAAAAAAAAAAAAA==', 'if-none-match': '*', 'x-ms-meta-lakeshift_mtime': '1700000000000', 'x-ms-meta-a-c': '1', 'x-ms-meta-ab': '2' } },
    { method: 'PATCH', target: '/acct1/fs/d/f?action=setAccessControl', headers: { 'x-ms-version': '2026-02-06', 'content-length': '0', 'x-ms-owner': 'u1', 'x-ms-acl': 'user::rwx,group::r-x,other::---' } },
    { method: 'PUT', target: '/acct1/fs/big?comp=block&blockid=bHMtMDAwMDAwMDAtMDAwMDAwMDAwMDAwMDAwMA%3D%3D', headers: { 'x-ms-version': '2026-02-06', 'content-length': '8388608', 'content-md5': 'AAAAAAAAAAAAAAAAAAAAAA==' } },
    { method: 'PUT', target: '/acct1/fs/d2?resource=directory', headers: { 'x-ms-version': '2026-02-06', 'content-length': '0', 'x-ms-permissions': '0750', 'x-ms-umask': '0000', 'x-ms-properties': 'a=Yg==', 'if-none-match': '*' } },
  ];
  for (const c of cases) {
    it(`signs ${c.method} ${c.target} exactly as the SDK's policy does`, async () => {
      const sdk = await sdkSigned(c.method, `http://127.0.0.1:10000${c.target}`, c.headers);
      const mine = createHmac('sha256', Buffer.from(KEY, 'base64')).update(stringToSign(ACCOUNT, c.method, c.target, { ...c.headers, 'x-ms-date': sdk.date }), 'utf8').digest('base64');
      expect(`SharedKey ${ACCOUNT}:${mine}`).toBe(sdk.auth);
      const signed: Record<string, string> = { ...c.headers };
      new SharedKeySigner(ACCOUNT, KEY).sign(c.method, c.target, signed);
      expect(signed['x-ms-date']).toMatch(/GMT$/);
      expect(signed['authorization']).toMatch(/^SharedKey acct1:[A-Za-z0-9+/]{43}=$/);
    });
  }

  it('sorts hyphenated names as the service does and canonicalises the query', () => {
    expect(['x-ms-meta-ab', 'x-ms-meta-a-c', 'x-ms-date', 'x-ms-acl'].sort(compareHeaderNames)).toEqual(['x-ms-acl', 'x-ms-date', 'x-ms-meta-ab', 'x-ms-meta-a-c']);
    expect(canonicalResource('a', '/a/fs/p?comp=block&blockid=x%3D%3D')).toBe('/a/a/fs/p\nblockid:x==\ncomp:block');
    expect(canonicalResource('a', '/a/fs')).toBe('/a/a/fs');
  });
});
