import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { BlobServiceClient, newPipeline, StorageSharedKeyCredential, type RequestPolicy, type RequestPolicyFactory, type WebResource } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crc64Base64 } from './crc64.js';
import { startGen2Emulator, type Gen2Emulator } from './index.js';
import { send, refusal } from './test-helpers.js';

/**
 * Issue #18 defects 2, 3, 4 and 6: Put Block List bodies read with an XML parser, transactional CRC-64,
 * the MD5 rules of Put Blob and Put Block, block id lengths. SDK calls, raw HTTP for error details.
 */

const ACCOUNT = 'integrity1';
const KEY = Buffer.alloc(64, 5).toString('base64');

let emu: Gen2Emulator;
let svc: BlobServiceClient;
const raw = (method: string, path: string, headers: Record<string, string> = {}, body?: string | Buffer): ReturnType<typeof send> => send(emu.url, method, `/${ACCOUNT}${path}`, headers, body);
const md5 = (s: string | Buffer): string => createHash('md5').update(s).digest('base64');
const id = (n: number, width = 6): string => Buffer.from(String(n).padStart(width, '0')).toString('base64');

/** A client whose every request carries `extra` headers (signed, since they are set before the signing policy). */
function clientWith(extra: Record<string, string>): BlobServiceClient {
  const pipeline = newPipeline(new StorageSharedKeyCredential(ACCOUNT, KEY), { retryOptions: { maxTries: 1 } });
  const addHeaders: RequestPolicyFactory = {
    create: (next: RequestPolicy): RequestPolicy => ({
      sendRequest: (request: WebResource) => {
        for (const [k, v] of Object.entries(extra)) request.headers.set(k, v);
        return next.sendRequest(request);
      },
    }),
  };
  pipeline.factories.unshift(addHeaders);
  return new BlobServiceClient(`${emu.url}/${ACCOUNT}`, pipeline);
}

beforeAll(async () => {
  emu = await startGen2Emulator({ accounts: [{ name: ACCOUNT, key: KEY }], anonymous: true });
  svc = new BlobServiceClient(`${emu.url}/${ACCOUNT}`, new StorageSharedKeyCredential(ACCOUNT, KEY));
  await svc.getContainerClient('ccc').create();
});
afterAll(async () => {
  await emu.close();
});

describe('#2 Put Block List bodies are parsed as XML', () => {
  it('commitBlockList([]) (a self-closing <BlockList/>) creates an empty block blob', async () => {
    const blob = svc.getContainerClient('ccc').getBlockBlobClient('empty-list');
    await blob.commitBlockList([]);
    const props = await blob.getProperties();
    expect(props.contentLength).toBe(0);
    expect(props.blobType).toBe('BlockBlob');
    expect((await blob.downloadToBuffer()).length).toBe(0);
  });

  it('accepts a BOM, an XML declaration, comments, whitespace and CDATA around the block ids', async () => {
    const blob = svc.getContainerClient('ccc').getBlockBlobClient('styled-list');
    await blob.stageBlock(id(1), 'ab', 2);
    await blob.stageBlock(id(2), 'cd', 2);
    const body = `\uFEFF<?xml version="1.0" encoding="utf-8"?>\n<!-- two blocks -->\n<BlockList>\n  <Uncommitted>${id(2)}</Uncommitted>\n  <Latest><![CDATA[${id(1)}]]></Latest>\n</BlockList>\n`;
    expect((await raw('PUT', '/ccc/styled-list?comp=blocklist', {}, body)).status).toBe(201);
    expect((await blob.downloadToBuffer()).toString()).toBe('cdab');
  });

  it('refuses malformed XML, another root and unknown elements with Azure codes, leaving the blob as it was', async () => {
    const blob = svc.getContainerClient('ccc').getBlockBlobClient('kept');
    await blob.upload('original', 8);
    await blob.stageBlock(id(7), 'new', 3);
    const cases: [string, number, string][] = [
      ['', 400, 'InvalidXmlDocument'],
      ['<BlockList><Latest>x</BlockList>', 400, 'InvalidXmlDocument'],
      ['<BlockList><Latest>x</Latest></BlockList><extra/>', 400, 'InvalidXmlDocument'],
      ['<Blocks/>', 400, 'InvalidXmlDocument'],
      ['<!DOCTYPE BlockList [<!ENTITY e "x">]><BlockList><Latest>&e;</Latest></BlockList>', 400, 'InvalidXmlDocument'],
      [`<BlockList><Block>${id(7)}</Block></BlockList>`, 400, 'UnsupportedXmlNode'],
      [`<BlockList><Latest><Id>${id(7)}</Id></Latest></BlockList>`, 400, 'UnsupportedXmlNode'],
      ['<BlockList><Latest>bm90LXN0YWdlZA==</Latest></BlockList>', 400, 'InvalidBlockList'],
    ];
    for (const [body, status, code] of cases) {
      const res = await raw('PUT', '/ccc/kept?comp=blocklist', {}, body);
      expect([body, res.status, res.headers['x-ms-error-code']]).toEqual([body, status, code]);
    }
    expect((await blob.downloadToBuffer()).toString()).toBe('original');
    const staged = await blob.getBlockList('uncommitted');
    expect(staged.uncommittedBlocks?.map((b) => b.name)).toEqual([id(7)]);
  });
});

describe('#3 transactional CRC-64 (x-ms-content-crc64)', () => {
  const data = Buffer.from('Hello Azure!');
  const good = crc64Base64(data);
  const bad = crc64Base64(Buffer.from('something else'));

  it('Put Block checks the CRC-64 and returns the computed one when asked (SDK)', async () => {
    const blob = svc.getContainerClient('ccc').getBlockBlobClient('crc-block');
    const ok = await blob.stageBlock(id(1), data, data.length, { transactionalContentCrc64: Buffer.from(good, 'base64') });
    expect(Buffer.from(ok.xMsContentCrc64 ?? new Uint8Array()).toString('base64')).toBe(good);
    const wrong = await refusal(() => blob.stageBlock(id(2), data, data.length, { transactionalContentCrc64: Buffer.from(bad, 'base64') }));
    expect(wrong).toEqual({ status: 400, code: 'Crc64Mismatch' });
    const list = await blob.getBlockList('uncommitted');
    expect(list.uncommittedBlocks?.map((b) => b.name)).toEqual([id(1)]);
  });

  it('Put Blob checks the CRC-64 (SDK with the header added) and returns it', async () => {
    const blob = clientWith({ 'x-ms-content-crc64': good }).getContainerClient('ccc').getBlockBlobClient('crc-blob');
    const ok = await blob.upload(data, data.length);
    expect(Buffer.from(ok.contentMD5 ?? new Uint8Array()).toString('base64')).toBe(md5(data));
    const res = await raw('PUT', '/ccc/crc-blob2', { 'x-ms-blob-type': 'BlockBlob', 'x-ms-content-crc64': good }, data);
    expect(res.status).toBe(201);
    expect(res.headers['x-ms-content-crc64']).toBe(good);
    const wrong = clientWith({ 'x-ms-content-crc64': bad }).getContainerClient('ccc').getBlockBlobClient('crc-blob');
    expect(await refusal(() => wrong.upload('other', 5))).toEqual({ status: 400, code: 'Crc64Mismatch' });
    expect((await svc.getContainerClient('ccc').getBlobClient('crc-blob').downloadToBuffer()).toString()).toBe('Hello Azure!');
  });

  it('refuses a malformed CRC-64 and a CRC-64 sent with an MD5, storing nothing (raw HTTP)', async () => {
    const cases: [string, Record<string, string>, string][] = [
      ['/ccc/crc-raw', { 'x-ms-blob-type': 'BlockBlob', 'x-ms-content-crc64': bad }, 'Crc64Mismatch'],
      ['/ccc/crc-raw', { 'x-ms-blob-type': 'BlockBlob', 'x-ms-content-crc64': 'AAAA' }, 'InvalidCrc64'],
      ['/ccc/crc-raw', { 'x-ms-blob-type': 'BlockBlob', 'x-ms-content-crc64': 'not base64!' }, 'InvalidCrc64'],
      ['/ccc/crc-raw', { 'x-ms-blob-type': 'BlockBlob', 'x-ms-content-crc64': good, 'Content-MD5': md5(data) }, 'BothCrc64AndMd5HeaderPresent'],
      ['/ccc/crc-raw', { 'x-ms-blob-type': 'BlockBlob', 'x-ms-content-crc64': good, 'x-ms-blob-content-md5': md5(data) }, 'BothCrc64AndMsMd5HeaderPresent'],
      [`/ccc/crc-raw?comp=block&blockid=${encodeURIComponent(id(1))}`, { 'x-ms-content-crc64': Buffer.alloc(16).toString('base64') }, 'InvalidCrc64'],
      [`/ccc/crc-raw?comp=block&blockid=${encodeURIComponent(id(1))}`, { 'x-ms-content-crc64': good, 'Content-MD5': md5(data) }, 'BothCrc64AndMd5HeaderPresent'],
    ];
    for (const [path, headers, code] of cases) {
      const res = await raw('PUT', path, headers, data);
      expect([path, res.status, res.headers['x-ms-error-code']]).toEqual([path, 400, code]);
    }
    const mismatch = await raw('PUT', '/ccc/crc-raw', { 'x-ms-blob-type': 'BlockBlob', 'x-ms-content-crc64': bad }, data);
    expect(mismatch.text).toContain(`<UserSpecifiedCrc>${bad}</UserSpecifiedCrc><ServerCalculatedCrc>${good}</ServerCalculatedCrc>`);
    expect((await raw('HEAD', '/ccc/crc-raw')).status).toBe(404);
    expect((await raw('GET', '/ccc/crc-raw?comp=blocklist&blocklisttype=all')).status).toBe(404);
  });
});

describe('#4 MD5 rules', () => {
  it('Put Blob: a correct x-ms-blob-content-md5 wins over a wrong Content-MD5, and is stored', async () => {
    const data = 'md5 wins';
    const wrongTransactional = clientWith({ 'Content-MD5': md5('not the body') }).getContainerClient('ccc').getBlockBlobClient('md5-wins');
    await wrongTransactional.upload(data, data.length, { blobHTTPHeaders: { blobContentMD5: Buffer.from(md5(data), 'base64') } });
    const props = await svc.getContainerClient('ccc').getBlobClient('md5-wins').getProperties();
    expect(Buffer.from(props.contentMD5 ?? new Uint8Array()).toString('base64')).toBe(md5(data));
    // The blob MD5 is checked against the body too: a wrong one fails even with a right Content-MD5.
    const res = await raw('PUT', '/ccc/md5-wins', { 'x-ms-blob-type': 'BlockBlob', 'Content-MD5': md5('other'), 'x-ms-blob-content-md5': md5('not other') }, 'other');
    expect([res.status, res.headers['x-ms-error-code']]).toEqual([400, 'Md5Mismatch']);
    expect((await svc.getContainerClient('ccc').getBlobClient('md5-wins').downloadToBuffer()).toString()).toBe(data);
  });

  it('x-ms-blob-content-md5 that is not 16 bytes of base64 gets 400 InvalidMd5 (Put Blob, Put Block List, Set Blob Properties)', async () => {
    const blob = svc.getContainerClient('ccc').getBlockBlobClient('md5-bad');
    await blob.upload('keep', 4);
    const short = Buffer.from('short').toString('base64');
    const requests: [string, Record<string, string>, string | undefined][] = [
      ['/ccc/md5-bad', { 'x-ms-blob-type': 'BlockBlob', 'x-ms-blob-content-md5': short }, 'new'],
      ['/ccc/md5-bad', { 'x-ms-blob-type': 'BlockBlob', 'x-ms-blob-content-md5': '%%%notbase64%%%' }, 'new'],
      ['/ccc/md5-bad?comp=blocklist', { 'x-ms-blob-content-md5': short }, '<BlockList/>'],
      ['/ccc/md5-bad?comp=properties', { 'x-ms-blob-content-md5': short }, undefined],
    ];
    for (const [path, headers, body] of requests) {
      const res = await raw('PUT', path, headers, body);
      expect([path, res.status, res.headers['x-ms-error-code']]).toEqual([path, 400, 'InvalidMd5']);
    }
    expect((await blob.downloadToBuffer()).toString()).toBe('keep');
  });

  it('Put Block with a Content-MD5 of the wrong length gets InvalidMd5; a wrong digest Md5Mismatch (SDK)', async () => {
    const blob = svc.getContainerClient('ccc').getBlockBlobClient('md5-block');
    expect(await refusal(() => blob.stageBlock(id(1), 'abc', 3, { transactionalContentMD5: Buffer.from('12345678') }))).toEqual({ status: 400, code: 'InvalidMd5' });
    expect(await refusal(() => blob.stageBlock(id(1), 'abc', 3, { transactionalContentMD5: Buffer.from(md5('abd'), 'base64') }))).toEqual({ status: 400, code: 'Md5Mismatch' });
    const ok = await blob.stageBlock(id(1), 'abc', 3, { transactionalContentMD5: Buffer.from(md5('abc'), 'base64') });
    expect(Buffer.from(ok.contentMD5 ?? new Uint8Array()).toString('base64')).toBe(md5('abc'));
  });
});

describe('empty integrity headers count as absent (issue #15 rule)', () => {
  it('x-ms-content-crc64, Content-MD5 and x-ms-blob-content-md5 sent empty change nothing', async () => {
    const empty = { 'x-ms-content-crc64': '', 'Content-MD5': '', 'x-ms-blob-content-md5': '' };
    const put = await raw('PUT', '/ccc/empty-hdr', { 'x-ms-blob-type': 'BlockBlob', ...empty }, 'abc');
    expect(put.status).toBe(201);
    expect(put.headers['content-md5']).toBe(md5('abc'));
    expect(put.headers['x-ms-content-crc64']).toBeUndefined();
    expect((await raw('PUT', `/ccc/empty-hdr?comp=block&blockid=${encodeURIComponent(id(1))}`, empty, 'abc')).status).toBe(201);
    expect((await raw('PUT', '/ccc/empty-hdr?comp=blocklist', empty, `<BlockList><Latest>${id(1)}</Latest></BlockList>`)).status).toBe(201);
    expect((await raw('PUT', '/ccc/empty-hdr?comp=properties', empty)).status).toBe(200);
    expect((await raw('HEAD', '/ccc/empty-hdr')).headers['content-md5']).toBeUndefined();
  });
});

describe('#6 block ids of one blob share one length', () => {
  it('a block id whose decoded length differs from the staged ones gets 400 InvalidBlobOrBlock (SDK)', async () => {
    const blob = svc.getContainerClient('ccc').getBlockBlobClient('id-length');
    await blob.stageBlock(id(1, 6), 'a', 1);
    await blob.stageBlock(id(1, 6), 'b', 1); // restaging the same id is fine
    expect(await refusal(() => blob.stageBlock(id(2, 8), 'c', 1))).toEqual({ status: 400, code: 'InvalidBlobOrBlock' });
    await blob.stageBlock(id(2, 6), 'c', 1);
    await blob.commitBlockList([id(1, 6), id(2, 6)]);
    expect((await blob.downloadToBuffer()).toString()).toBe('bc');
    // After the commit no block is uncommitted: a new length starts a new set.
    await blob.stageBlock(id(3, 10), 'd', 1);
  });
});

describe('#8 bad input never gets a 500 nor changes data', () => {
  it('random block list bodies and integrity headers get 4xx (or commit), the blob stays intact otherwise', async () => {
    const blob = svc.getContainerClient('ccc').getBlockBlobClient('fuzzed');
    await blob.upload('stable', 6);
    await blob.stageBlock(id(1), 'x', 1);
    const pieces = fc.constantFrom('<', '>', '/', '<BlockList>', '</BlockList>', '<Latest>', '</Latest>', '<Committed>', '</Committed>', id(1), '<![CDATA[', ']]>', '&amp;', '&', '<!--', '-->', ' ', '\uFEFF');
    const headerValue = fc.oneof(fc.constant(''), fc.constant('AAAAAAAAAAA='), fc.string({ maxLength: 30 }).filter((v) => /^[\x20-\x7e]*$/.test(v)));
    await fc.assert(
      fc.asyncProperty(fc.array(pieces, { maxLength: 12 }).map((a) => a.join('')), headerValue, headerValue, async (body, crc, md5Value) => {
        const res = await raw('PUT', '/ccc/fuzzed?comp=blocklist', { 'x-ms-content-crc64': crc, 'x-ms-blob-content-md5': md5Value }, body);
        expect(res.status === 201 || (res.status >= 400 && res.status < 500), `${res.status} ${res.text}`).toBe(true);
        const now = (await blob.downloadToBuffer()).toString();
        if (res.status !== 201) expect(now).toMatch(/^(stable|x|)$/);
        const put = await raw('PUT', `/ccc/fuzzed-put`, { 'x-ms-blob-type': 'BlockBlob', 'x-ms-content-crc64': crc, 'Content-MD5': md5Value }, body);
        expect(put.status === 201 || (put.status >= 400 && put.status < 500), `${put.status} ${put.text}`).toBe(true);
      }),
      { numRuns: 150 },
    );
  });
});
