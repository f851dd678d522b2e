import { describe, expect, it } from 'vitest';
import { AccountSASPermissions, AccountSASResourceTypes, AccountSASServices, StorageSharedKeyCredential, generateAccountSASQueryParameters } from '@azure/storage-file-datalake';
import { isStorageError, parseLocation, type Gen2Location } from '../../core/index.js';
import { DEV_ACCOUNT_KEY, parseConnectionString, selectCredential } from './credentials.js';

const real = parseLocation('abfss://data@acct1.dfs.core.windows.net/lake') as Gen2Location;
const dev = parseLocation('http://127.0.0.1:10999/devstoreaccount1/data/lake') as Gen2Location;
const otherLoopback = parseLocation('http://127.0.0.1:10999/someacct/data') as Gen2Location;
const KEY = Buffer.alloc(64, 7).toString('base64');

function accountSas(): string {
  return generateAccountSASQueryParameters({
    expiresOn: new Date(Date.now() + 3600_000),
    permissions: AccountSASPermissions.parse('rwdlac'),
    resourceTypes: AccountSASResourceTypes.parse('sco').toString(),
    services: AccountSASServices.parse('b').toString(),
  }, new StorageSharedKeyCredential('acct1', KEY)).toString();
}

describe('selectCredential', () => {
  it('uses an explicit account key (Shared Key) before anything else but a TokenCredential', () => {
    const c = selectCredential(real, { accountKey: KEY, sas: accountSas() }, { AZURE_STORAGE_SAS_TOKEN: 'sv=1&sig=x' });
    expect(c).toMatchObject({ kind: 'shared-key', account: 'acct1', key: KEY, source: 'the accountKey option' });
  });

  it('uses a SAS generated with generateAccountSASQueryParameters, with or without a leading ?', () => {
    const sas = accountSas();
    expect(selectCredential(real, { sas: `?${sas}` }, {})).toEqual({ kind: 'sas', sas, source: 'the sas option' });
    const withUriSas = parseLocation(`https://acct1.dfs.core.windows.net/data/lake?${sas}`) as Gen2Location;
    expect(selectCredential(withUriSas, {}, {})).toEqual({ kind: 'sas', sas, source: 'the location URI' });
  });

  it('refuses a SAS without a signature and a key that is not base64, without echoing them', () => {
    let err: unknown;
    try { selectCredential(real, { sas: 'sv=2020-02-10&se=2030-01-01' }, {}); } catch (e) { err = e; }
    expect(isStorageError(err, 'invalid-argument')).toBe(true);
    expect(String((err as Error).message)).toContain('sig=');
    try { selectCredential(real, { accountKey: 'not base64 secret!!' }, {}); } catch (e) { err = e; }
    expect(isStorageError(err, 'invalid-argument')).toBe(true);
    expect(String((err as Error).message)).not.toContain('secret');
  });

  it('takes Shared Key or SAS out of a connection string and checks the account name', () => {
    const conn = `DefaultEndpointsProtocol=https;AccountName=acct1;AccountKey=${KEY};EndpointSuffix=core.windows.net`;
    expect(selectCredential(real, { connectionString: conn }, {})).toMatchObject({ kind: 'shared-key', key: KEY });
    expect(selectCredential(real, {}, { AZURE_STORAGE_CONNECTION_STRING: `AccountName=acct1;SharedAccessSignature=?sv=1&sig=abc` }))
      .toMatchObject({ kind: 'sas', sas: 'sv=1&sig=abc', source: 'AZURE_STORAGE_CONNECTION_STRING' });
    let err: unknown;
    try { selectCredential(real, { connectionString: `AccountName=other;AccountKey=${KEY}` }, {}); } catch (e) { err = e; }
    expect(isStorageError(err, 'invalid-argument')).toBe(true);
    expect(String((err as Error).message)).toContain("'other'");
    expect(String((err as Error).message)).not.toContain(KEY);
  });

  it('parses UseDevelopmentStorage and values containing =', () => {
    expect(parseConnectionString('UseDevelopmentStorage=true')).toMatchObject({ accountName: 'devstoreaccount1', accountKey: DEV_ACCOUNT_KEY });
    expect(parseConnectionString(`AccountName=a;AccountKey=${KEY}`).accountKey).toBe(KEY);
  });

  it('reads AZURE_STORAGE_KEY only for the matching AZURE_STORAGE_ACCOUNT, then AZURE_STORAGE_SAS_TOKEN', () => {
    expect(selectCredential(real, {}, { AZURE_STORAGE_KEY: KEY })).toMatchObject({ kind: 'shared-key', source: 'AZURE_STORAGE_KEY' });
    expect(selectCredential(real, {}, { AZURE_STORAGE_KEY: KEY, AZURE_STORAGE_ACCOUNT: 'ACCT1' })).toMatchObject({ kind: 'shared-key' });
    expect(selectCredential(real, {}, { AZURE_STORAGE_KEY: KEY, AZURE_STORAGE_ACCOUNT: 'other', AZURE_STORAGE_SAS_TOKEN: 'sv=1&sig=z' }))
      .toMatchObject({ kind: 'sas', sas: 'sv=1&sig=z' });
  });

  it('defaults to the well-known key for a loopback devstoreaccount1 URL, anonymous for other loopback accounts, DefaultAzureCredential otherwise', () => {
    expect(selectCredential(dev, {}, {})).toMatchObject({ kind: 'shared-key', account: 'devstoreaccount1', key: DEV_ACCOUNT_KEY });
    expect(selectCredential(otherLoopback, {}, {})).toMatchObject({ kind: 'anonymous' });
    expect(selectCredential(real, {}, {})).toMatchObject({ kind: 'default-azure' });
  });

  it('prefers a TokenCredential when one is given', () => {
    const credential = { getToken: async () => ({ token: 't', expiresOnTimestamp: Date.now() + 60_000 }) };
    expect(selectCredential(real, { credential, accountKey: KEY }, {})).toMatchObject({ kind: 'token', credential });
  });
});
