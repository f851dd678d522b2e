import {
  AccountSASPermissions, AccountSASResourceTypes, AccountSASServices, BlobServiceClient, RestError, StorageSharedKeyCredential as BlobKey, generateAccountSASQueryParameters,
} from '@azure/storage-blob';
import { DataLakeServiceClient, StorageSharedKeyCredential } from '@azure/storage-file-datalake';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_ACCOUNT, DEV_ACCOUNT_KEY, startGen2Emulator, type Gen2Emulator } from './index.js';
import { send } from './test-helpers.js';

/** Issue #18: Get/Set Blob Service Properties, CORS on preflights and responses. */

let emu: Gen2Emulator;
let blob: BlobServiceClient;
let dl: DataLakeServiceClient;
const raw = (method: string, path: string, headers: Record<string, string> = {}, body?: string) => send(emu.url, method, `/${DEV_ACCOUNT}${path}`, headers, body);

beforeAll(async () => {
  emu = await startGen2Emulator({ anonymous: true });
  const url = `${emu.url}/${DEV_ACCOUNT}`;
  blob = new BlobServiceClient(url, new BlobKey(DEV_ACCOUNT, DEV_ACCOUNT_KEY));
  dl = new DataLakeServiceClient(url, new StorageSharedKeyCredential(DEV_ACCOUNT, DEV_ACCOUNT_KEY));
});
afterAll(async () => {
  await emu.close();
});

describe('service properties through the SDKs', () => {
  it('answers the defaults of a new account, then keeps what was set (elements not sent stay)', async () => {
    const before = await blob.getProperties();
    expect(before.blobAnalyticsLogging).toMatchObject({ read: false, write: false, deleteProperty: false, version: '1.0' });
    expect(before.hourMetrics).toMatchObject({ enabled: true, includeAPIs: true, retentionPolicy: { enabled: true, days: 7 } });
    expect(before.cors ?? []).toEqual([]);
    expect(before.deleteRetentionPolicy).toMatchObject({ enabled: false });
    await blob.setProperties({
      blobAnalyticsLogging: { version: '1.0', read: true, write: true, deleteProperty: false, retentionPolicy: { enabled: true, days: 3 } },
      minuteMetrics: { version: '1.0', enabled: true, includeAPIs: false, retentionPolicy: { enabled: true, days: 2 } },
      cors: [{ allowedOrigins: 'https://app.example', allowedMethods: 'GET,PUT', allowedHeaders: 'x-ms-meta-*,content-type', exposedHeaders: 'x-ms-request-id', maxAgeInSeconds: 600 }],
      defaultServiceVersion: '2021-12-02',
    });
    const after = await blob.getProperties();
    expect(after.blobAnalyticsLogging).toMatchObject({ read: true, write: true, deleteProperty: false, retentionPolicy: { enabled: true, days: 3 } });
    expect(after.minuteMetrics).toMatchObject({ enabled: true, includeAPIs: false, retentionPolicy: { enabled: true, days: 2 } });
    expect(after.hourMetrics).toMatchObject({ enabled: true, retentionPolicy: { enabled: true, days: 7 } });
    expect(after.cors).toEqual([{ allowedOrigins: 'https://app.example', allowedMethods: 'GET,PUT', allowedHeaders: 'x-ms-meta-*,content-type', exposedHeaders: 'x-ms-request-id', maxAgeInSeconds: 600 }]);
    expect(after.defaultServiceVersion).toBe('2021-12-02');
    // The DataLake client reads the same document (it goes through the Blob endpoint).
    const viaDfs = await dl.getProperties();
    expect(viaDfs.cors?.[0]?.allowedOrigins).toBe('https://app.example');
    await dl.setProperties({ deleteRetentionPolicy: { enabled: true, days: 5 } });
    const both = await blob.getProperties();
    expect(both.deleteRetentionPolicy).toMatchObject({ enabled: true, days: 5 });
    expect(both.cors).toHaveLength(1);
    await blob.setProperties({ deleteRetentionPolicy: { enabled: false }, cors: [] });
    expect((await blob.getProperties()).cors ?? []).toEqual([]);
  });
});

describe('CORS', () => {
  it('answers preflights by the rules and adds CORS headers to matching responses', async () => {
    await blob.setProperties({
      cors: [
        { allowedOrigins: 'https://app.example', allowedMethods: 'GET,PUT', allowedHeaders: 'x-ms-meta-*,content-type', exposedHeaders: 'x-ms-request-id,etag', maxAgeInSeconds: 600 },
        { allowedOrigins: '*', allowedMethods: 'HEAD', allowedHeaders: '', exposedHeaders: '', maxAgeInSeconds: 5 },
      ],
    });
    await raw('PUT', '/corsbox?restype=container');
    await raw('PUT', '/corsbox/a.txt', { 'x-ms-blob-type': 'BlockBlob' }, 'abc');
    const ok = await raw('OPTIONS', '/corsbox/a.txt', { Origin: 'https://app.example', 'Access-Control-Request-Method': 'PUT', 'Access-Control-Request-Headers': 'x-ms-meta-team, content-type' });
    expect(ok.status).toBe(200);
    expect(ok.headers['access-control-allow-origin']).toBe('https://app.example');
    expect(ok.headers['access-control-allow-methods']).toBe('PUT');
    expect(ok.headers['access-control-allow-headers']).toBe('x-ms-meta-team,content-type');
    expect(ok.headers['access-control-max-age']).toBe('600');
    expect(ok.headers['access-control-allow-credentials']).toBe('true');
    const wrongHeader = await raw('OPTIONS', '/corsbox/a.txt', { Origin: 'https://app.example', 'Access-Control-Request-Method': 'PUT', 'Access-Control-Request-Headers': 'x-ms-version' });
    expect([wrongHeader.status, wrongHeader.headers['x-ms-error-code']]).toEqual([403, 'CorsPreflightFailure']);
    const wrongOrigin = await raw('OPTIONS', '/corsbox/a.txt', { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'GET' });
    expect([wrongOrigin.status, wrongOrigin.headers['x-ms-error-code']]).toEqual([403, 'CorsPreflightFailure']);
    const wildcard = await raw('OPTIONS', '/corsbox/a.txt', { Origin: 'https://any.example', 'Access-Control-Request-Method': 'HEAD' });
    expect([wildcard.status, wildcard.headers['access-control-allow-origin'], wildcard.headers['access-control-allow-credentials']]).toEqual([200, '*', undefined]);
    const noMethod = await raw('OPTIONS', '/corsbox/a.txt', { Origin: 'https://app.example' });
    expect(noMethod.status).toBe(400);
    // Actual requests: matching origin and method get the headers; others get none.
    const get = await raw('GET', '/corsbox/a.txt', { Origin: 'https://app.example' });
    expect([get.status, get.text]).toEqual([200, 'abc']);
    expect(get.headers['access-control-allow-origin']).toBe('https://app.example');
    expect(get.headers['access-control-expose-headers']).toBe('x-ms-request-id,etag');
    expect(get.headers['vary']).toBe('Origin');
    const missing = await raw('GET', '/corsbox/missing.txt', { Origin: 'https://app.example' });
    expect([missing.status, missing.headers['access-control-allow-origin']]).toEqual([404, 'https://app.example']);
    const evil = await raw('GET', '/corsbox/a.txt', { Origin: 'https://evil.example' });
    expect(evil.headers['access-control-allow-origin']).toBeUndefined();
    const plain = await raw('GET', '/corsbox/a.txt');
    expect(plain.headers['access-control-allow-origin']).toBeUndefined();
    await blob.setProperties({ cors: [] });
    const off = await raw('OPTIONS', '/corsbox/a.txt', { Origin: 'https://app.example', 'Access-Control-Request-Method': 'GET' });
    expect(off.status).toBe(403);
  });
});

describe('service properties: error cases on the wire', () => {
  it('refuses malformed or invalid documents and changes nothing', async () => {
    const put = (body: string) => raw('PUT', '/?restype=service&comp=properties', { 'Content-Type': 'application/xml' }, body);
    const broken = await put('<StorageServiceProperties><Logging>');
    expect([broken.status, broken.headers['x-ms-error-code']]).toEqual([400, 'InvalidXmlDocument']);
    const wrongRoot = await put('<Other/>');
    expect([wrongRoot.status, wrongRoot.headers['x-ms-error-code']]).toEqual([400, 'InvalidXmlDocument']);
    const days = await put('<StorageServiceProperties><DeleteRetentionPolicy><Enabled>true</Enabled><Days>400</Days></DeleteRetentionPolicy></StorageServiceProperties>');
    expect([days.status, days.headers['x-ms-error-code']]).toEqual([400, 'InvalidXmlNodeValue']);
    const noDays = await put('<StorageServiceProperties><DeleteRetentionPolicy><Enabled>true</Enabled></DeleteRetentionPolicy></StorageServiceProperties>');
    expect(noDays.status).toBe(400);
    const method = await put('<StorageServiceProperties><Cors><CorsRule><AllowedOrigins>*</AllowedOrigins><AllowedMethods>GET,FETCH</AllowedMethods><AllowedHeaders></AllowedHeaders><ExposedHeaders></ExposedHeaders><MaxAgeInSeconds>1</MaxAgeInSeconds></CorsRule></Cors></StorageServiceProperties>');
    expect([method.status, method.headers['x-ms-error-code']]).toEqual([400, 'InvalidXmlNodeValue']);
    const rule = '<CorsRule><AllowedOrigins>*</AllowedOrigins><AllowedMethods>GET</AllowedMethods><AllowedHeaders/><ExposedHeaders/><MaxAgeInSeconds>1</MaxAgeInSeconds></CorsRule>';
    const six = await put(`<StorageServiceProperties><Cors>${rule.repeat(6)}</Cors></StorageServiceProperties>`);
    expect(six.status).toBe(400);
    const flag = await put('<StorageServiceProperties><Logging><Version>1.0</Version><Read>yes</Read></Logging></StorageServiceProperties>');
    expect([flag.status, flag.headers['x-ms-error-code']]).toEqual([400, 'InvalidXmlNodeValue']);
    const now = await raw('GET', '/?restype=service&comp=properties');
    expect(now.status).toBe(200);
    expect(now.text).toContain('<DeleteRetentionPolicy><Enabled>false</Enabled>');
    expect(now.text).toContain('<Cors></Cors>');
    // A well-formed body with CDATA and a BOM parses.
    const ok = await put('\uFEFF<?xml version="1.0" encoding="utf-8"?><StorageServiceProperties><DefaultServiceVersion><![CDATA[2020-10-02]]></DefaultServiceVersion></StorageServiceProperties>');
    expect(ok.status).toBe(202);
    expect((await raw('GET', '/?restype=service&comp=properties')).text).toContain('<DefaultServiceVersion>2020-10-02</DefaultServiceVersion>');
  });

  it('keeps the properties of a persistent data folder across restarts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gen2-props-'));
    try {
      const first = await startGen2Emulator({ anonymous: true, location: dir });
      const put = await send(first.url, 'PUT', `/${DEV_ACCOUNT}/?restype=service&comp=properties`, {}, '<StorageServiceProperties><DeleteRetentionPolicy><Enabled>true</Enabled><Days>9</Days></DeleteRetentionPolicy></StorageServiceProperties>');
      expect(put.status).toBe(202);
      await first.close();
      const second = await startGen2Emulator({ anonymous: true, location: dir });
      const got = await send(second.url, 'GET', `/${DEV_ACCOUNT}/?restype=service&comp=properties`);
      expect(got.text).toContain('<DeleteRetentionPolicy><Enabled>true</Enabled><Days>9</Days>');
      await second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an account SAS needs the service resource type, and write permission to set', async () => {
    const sas = (resourceTypes: string, permissions: string): string =>
      generateAccountSASQueryParameters(
        { expiresOn: new Date(Date.now() + 3600_000), permissions: AccountSASPermissions.parse(permissions), resourceTypes: AccountSASResourceTypes.parse(resourceTypes).toString(), services: AccountSASServices.parse('b').toString() },
        new BlobKey(DEV_ACCOUNT, DEV_ACCOUNT_KEY),
      ).toString();
    const viaSas = (token: string) => new BlobServiceClient(`${emu.url}/${DEV_ACCOUNT}?${token}`);
    expect((await viaSas(sas('s', 'r')).getProperties()).hourMetrics?.enabled).toBe(true);
    const noService = await viaSas(sas('co', 'rwdl')).getProperties().then(() => undefined, (e: unknown) => (e instanceof RestError ? e.statusCode : e));
    expect(noService).toBe(403);
    const readOnly = await viaSas(sas('s', 'r')).setProperties({ defaultServiceVersion: '2021-12-02' }).then(() => undefined, (e: unknown) => (e instanceof RestError ? e.statusCode : e));
    expect(readOnly).toBe(403);
  });
});
