import { AccountSASPermissions, AccountSASResourceTypes, AnonymousCredential, BlobServiceClient, ContainerSASPermissions, generateAccountSASQueryParameters, generateBlobSASQueryParameters, StorageSharedKeyCredential, type ContainerClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_ACCOUNT, DEV_ACCOUNT_KEY, startGen2Emulator, type Gen2Emulator } from './index.js';
import { send } from './test-helpers.js';

/** Issue #18: Blob Batch (Delete Blob and Set Blob Tier sub-requests) through BlobBatchClient and raw HTTP. */

let emu: Gen2Emulator;
let blob: BlobServiceClient;
const key = new StorageSharedKeyCredential(DEV_ACCOUNT, DEV_ACCOUNT_KEY);

beforeAll(async () => {
  emu = await startGen2Emulator({});
  blob = new BlobServiceClient(`${emu.url}/${DEV_ACCOUNT}`, key);
});
afterAll(async () => {
  await emu.close();
});

async function containerWith(name: string, blobs: string[]): Promise<ContainerClient> {
  const c = blob.getContainerClient(name);
  await c.create();
  for (const b of blobs) await c.getBlockBlobClient(b).upload(b, b.length);
  return c;
}

async function names(c: ContainerClient): Promise<string[]> {
  const out: string[] = [];
  for await (const b of c.listBlobsFlat()) out.push(b.name);
  return out;
}

/** A batch body as BlobBatch assembles it, for raw requests (Shared Key signatures are not needed: the emulator is anonymous there). */
function rawBatch(boundary: string, parts: string[]): string {
  return `${parts.map((p, i) => `--${boundary}\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\nContent-ID: ${i}\r\n\r\n${p}\r\n\r\n`).join('')}--${boundary}--\r\n`;
}

describe('Blob Batch through BlobBatchClient', () => {
  it('deleteBlobs deletes every blob; each part answers 202 with its Content-ID and request id', async () => {
    const c = await containerWith('batchdel', ['a', 'b', 'dir/c']);
    const clients = ['a', 'b', 'dir/c'].map((n) => c.getBlobClient(n));
    const before = emu.requestCounts().DeleteBlob ?? 0;
    const resp = await blob.getBlobBatchClient().deleteBlobs(clients);
    expect(resp._response.status).toBe(202);
    expect(resp.subResponsesSucceededCount).toBe(3);
    expect(resp.subResponsesFailedCount).toBe(0);
    resp.subResponses.forEach((s, i) => {
      expect(s.status).toBe(202);
      expect(s._request.url).toBe(clients[i]?.url);
      expect(s.headers.get('x-ms-request-id')).toBeTruthy();
      expect(s.headers.get('x-ms-delete-type-permanent')).toBe('true');
    });
    expect((emu.requestCounts().DeleteBlob ?? 0) - before).toBe(3);
    expect(await names(c)).toEqual(['dir']);
  });

  it('a sub-request that fails reports its own status and error code; the others still run', async () => {
    const c = await containerWith('batchpartial', ['x']);
    const resp = await blob.getBlobBatchClient().deleteBlobs([c.getBlobClient('missing'), c.getBlobClient('x')]);
    expect(resp.subResponsesFailedCount).toBe(1);
    expect(resp.subResponses[0]?.status).toBe(404);
    expect(resp.subResponses[0]?.errorCode).toBe('BlobNotFound');
    expect(resp.subResponses[1]?.status).toBe(202);
    expect(await names(c)).toEqual([]);
  });

  it('setBlobsAccessTier sets the tier of each blob (200 per part), container-scoped too', async () => {
    const c = await containerWith('batchtier', ['t1', 't2']);
    const resp = await c.getBlobBatchClient().setBlobsAccessTier([c.getBlobClient('t1'), c.getBlobClient('t2')], 'Cool');
    expect(resp.subResponses.map((s) => s.status)).toEqual([200, 200]);
    expect((await c.getBlobClient('t1').getProperties()).accessTier).toBe('Cool');
    const archive = await blob.getBlobBatchClient().setBlobsAccessTier([c.getBlobClient('t2')], 'Archive');
    expect(archive.subResponses[0]?.status).toBe(200);
    expect((await c.getBlobClient('t2').getProperties()).accessTier).toBe('Archive');
  });

  it('each sub-request is authorized on its own: a SAS without d refuses the delete in its part', async () => {
    const c = await containerWith('batchsas', ['s1', 's2']);
    const sasFor = (perm: string, name: string): string => generateBlobSASQueryParameters({ containerName: 'batchsas', permissions: ContainerSASPermissions.parse(perm), expiresOn: new Date(Date.now() + 3600_000) }, key).toString() + `&_=${name}`;
    const anon = new AnonymousCredential();
    const batch = blob.getBlobBatchClient().createBatch();
    await batch.deleteBlob(`${c.getBlobClient('s1').url}?${sasFor('rd', 's1')}`, anon);
    await batch.deleteBlob(`${c.getBlobClient('s2').url}?${sasFor('r', 's2')}`, anon);
    const resp = await blob.getBlobBatchClient().submitBatch(batch);
    expect(resp.subResponses[0]?.status).toBe(202);
    expect(resp.subResponses[1]?.status).toBe(403);
    expect(resp.subResponses[1]?.errorCode).toBe('AuthorizationPermissionMismatch');
    expect(await names(c)).toEqual(['s2']);
  });

  it('a batch client built on an account SAS URL deletes through sub-requests that carry the SAS', async () => {
    const c = await containerWith('batchacct', ['p']);
    const sas = generateAccountSASQueryParameters({ permissions: AccountSASPermissions.parse('rwdl'), resourceTypes: AccountSASResourceTypes.parse('sco').toString(), services: 'b', expiresOn: new Date(Date.now() + 3600_000) }, key).toString();
    const viaSas = new BlobServiceClient(`${emu.url}/${DEV_ACCOUNT}?${sas}`);
    const resp = await viaSas.getBlobBatchClient().deleteBlobs([viaSas.getContainerClient('batchacct').getBlobClient('p')]);
    expect(resp.subResponses[0]?.status).toBe(202);
    expect(await names(c)).toEqual([]);
  });

  it('one kind of operation per batch and at most 256 sub-requests (the SDK refuses before sending)', async () => {
    const batch = blob.getBlobBatchClient().createBatch();
    await batch.deleteBlob(blob.getContainerClient('k').getBlobClient('a'));
    await expect(batch.setBlobAccessTier(blob.getContainerClient('k').getBlobClient('b'), 'Hot')).rejects.toThrow(/one operation type/);
  });
});

describe('Blob Batch over raw HTTP', () => {
  let anon: Gen2Emulator;
  const post = (path: string, contentType: string | undefined, body: string) =>
    send(anon.url, 'POST', `/${DEV_ACCOUNT}${path}`, contentType === undefined ? {} : { 'Content-Type': contentType }, body);
  const put = (path: string, body = 'x') => send(anon.url, 'PUT', `/${DEV_ACCOUNT}${path}`, { 'x-ms-blob-type': 'BlockBlob' }, body);
  const exists = async (path: string) => (await send(anon.url, 'HEAD', `/${DEV_ACCOUNT}${path}`)).status === 200;
  beforeAll(async () => {
    anon = await startGen2Emulator({ anonymous: true });
    await send(anon.url, 'PUT', `/${DEV_ACCOUNT}/raw?restype=container`);
    await send(anon.url, 'PUT', `/${DEV_ACCOUNT}/other?restype=container`);
  });
  afterAll(async () => {
    await anon.close();
  });

  /** The single part of a refused batch: 202 outside, `400 <code>` inside, nothing run. */
  function expectRefused(r: { status: number; headers: Record<string, string>; text: string }, code: string): void {
    expect(r.status).toBe(202);
    expect(r.headers['content-type']).toMatch(/^multipart\/mixed; boundary=batchresponse_/);
    expect(r.text).toContain('HTTP/1.1 400 ');
    expect(r.text).toContain(`x-ms-error-code: ${code}`);
    expect(r.text.match(/^HTTP\/1\.1 /gm)?.length).toBe(1);
  }

  it('frames the response as Azure does: batchresponse boundary, Content-ID, status line, closing delimiter', async () => {
    await put('/raw/f1');
    const r = await post('?comp=batch', 'multipart/mixed; boundary=batch_1', rawBatch('batch_1', ['DELETE /devstoreaccount1/raw/f1 HTTP/1.1\r\nx-ms-date: now']));
    expect(r.status).toBe(202);
    const boundary = /boundary=(\S+)/.exec(r.headers['content-type'] ?? '')?.[1] ?? '';
    expect(r.text.startsWith(`--${boundary}\r\nContent-Type: application/http\r\nContent-ID: 0\r\n\r\nHTTP/1.1 202 Accepted\r\n`)).toBe(true);
    expect(r.text.endsWith(`--${boundary}--\r\n`)).toBe(true);
    expect(await exists('/raw/f1')).toBe(false);
  });

  it('a quoted, case-insensitive boundary parameter is accepted', async () => {
    await put('/raw/f2');
    const r = await post('?comp=batch', 'multipart/mixed; BOUNDARY="batch_a=b"', rawBatch('batch_a=b', ['DELETE /devstoreaccount1/raw/f2 HTTP/1.1']));
    expect(r.text).toContain('HTTP/1.1 202 Accepted');
    expect(await exists('/raw/f2')).toBe(false);
  });

  it('Content-Type missing is 400 MissingRequiredHeader, not multipart/mixed 400 InvalidHeaderValue', async () => {
    const missing = await post('?comp=batch', undefined, 'x');
    expect([missing.status, missing.headers['x-ms-error-code']]).toEqual([400, 'MissingRequiredHeader']);
    const wrong = await post('?comp=batch', 'application/json', '{}');
    expect([wrong.status, wrong.headers['x-ms-error-code']]).toEqual([400, 'InvalidHeaderValue']);
  });

  it('no boundary or an empty one: InvalidHeaderValue in the part; two boundaries: InvalidInput', async () => {
    expectRefused(await post('?comp=batch', 'multipart/mixed', rawBatch('b', ['DELETE /devstoreaccount1/raw/x HTTP/1.1'])), 'InvalidHeaderValue');
    expectRefused(await post('?comp=batch', 'multipart/mixed; boundary=', rawBatch('b', ['DELETE /devstoreaccount1/raw/x HTTP/1.1'])), 'InvalidHeaderValue');
    expectRefused(await post('?comp=batch', 'multipart/mixed; boundary=a; boundary=b', rawBatch('a', ['DELETE /devstoreaccount1/raw/x HTTP/1.1'])), 'InvalidInput');
  });

  it('malformed bodies fail the whole batch with InvalidInput and delete nothing', async () => {
    await put('/raw/keep');
    const del = 'DELETE /devstoreaccount1/raw/keep HTTP/1.1';
    const cases = [
      'no boundary at all',
      `--b\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n${del}\r\n\r\n`, // no closing delimiter
      '--b--\r\n', // no sub-requests
      `--b\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: binary\r\n\r\n${del}\r\n\r\n--b--\r\n`,
      rawBatch('b', ['DELETE /devstoreaccount1/raw/keep']), // no HTTP version
      rawBatch('b', [`${del}\r\nnot a header`]),
      rawBatch('b', [`${del}\r\nx-ms-date: now\r\n\r\nbody`]),
      rawBatch('b', [del, 'PUT /devstoreaccount1/raw/keep?comp=tier HTTP/1.1\r\nx-ms-access-tier: Cool']), // two kinds
      rawBatch('b', ['GET /devstoreaccount1/raw/keep HTTP/1.1']), // not a batchable operation
      rawBatch('b', Array.from({ length: 257 }, () => del)),
    ];
    for (const body of cases) expectRefused(await post('?comp=batch', 'multipart/mixed; boundary=b', body), 'InvalidInput');
    expect(await exists('/raw/keep')).toBe(true);
  });

  it('256 sub-requests are served', async () => {
    const r = await post('?comp=batch', 'multipart/mixed; boundary=b', rawBatch('b', Array.from({ length: 256 }, (_, i) => `DELETE /devstoreaccount1/raw/none${i} HTTP/1.1`)));
    expect(r.status).toBe(202);
    expect(r.text.split('HTTP/1.1 404 ').length - 1).toBe(256);
  });

  it('a container-scoped batch refuses a sub-request for another container, before running any', async () => {
    await put('/raw/mine');
    await put('/other/theirs');
    const r = await post('/raw?restype=container&comp=batch', 'multipart/mixed; boundary=b', rawBatch('b', ['DELETE /devstoreaccount1/raw/mine HTTP/1.1', 'DELETE /devstoreaccount1/other/theirs HTTP/1.1']));
    expectRefused(r, 'InvalidInput');
    expect(await exists('/raw/mine')).toBe(true);
    expect(await exists('/other/theirs')).toBe(true);
  });

  it('without credentials the batch itself gets 401, whatever its body', async () => {
    const r = await send(emu.url, 'POST', `/${DEV_ACCOUNT}?comp=batch`, { 'Content-Type': 'multipart/mixed; boundary=b' }, 'garbage');
    expect([r.status, r.headers['x-ms-error-code']]).toEqual([401, 'NoAuthenticationInformation']);
  });
});
