import { StorageError, type Gen2Location } from '../../core/index.js';
import type { Gen2StoreOptions } from './options.js';
import type { TokenCredential } from '@azure/identity';

/** Account and key of the storage emulators (public, documented by Microsoft; not a secret). */
export const DEV_ACCOUNT_NAME = 'devstoreaccount1';
export const DEV_ACCOUNT_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

/** The credential the store will use, and where it came from (for messages; never the secret itself). */
export type CredentialChoice =
  | { kind: 'shared-key'; account: string; key: string; source: string }
  | { kind: 'sas'; sas: string; source: string }
  | { kind: 'token'; credential: TokenCredential; source: string }
  | { kind: 'default-azure'; source: string }
  | { kind: 'anonymous'; source: string };

export interface ConnectionStringParts {
  accountName?: string;
  accountKey?: string;
  sas?: string;
  useDevelopmentStorage: boolean;
}

function badInput(message: string): StorageError {
  return new StorageError('invalid-argument', message);
}

/**
 * Parses `Key=Value;Key=Value` storage connection strings (keys case-insensitive; values may contain '=').
 * Throws invalid-argument naming the malformed part by position, never echoing secrets.
 */
export function parseConnectionString(text: string): ConnectionStringParts {
  const out: ConnectionStringParts = { useDevelopmentStorage: false };
  const parts = text.split(';').map((p) => p.trim()).filter((p) => p !== '');
  parts.forEach((part, index) => {
    const eq = part.indexOf('=');
    if (eq <= 0) throw badInput(`The storage connection string is malformed: part ${index + 1} has no 'Key=Value' form. Copy it again from the portal (Access keys).`);
    const key = part.slice(0, eq).toLowerCase();
    const value = part.slice(eq + 1);
    if (key === 'accountname') out.accountName = value;
    else if (key === 'accountkey') out.accountKey = value;
    else if (key === 'sharedaccesssignature') out.sas = value.replace(/^\?/, '');
    else if (key === 'usedevelopmentstorage') out.useDevelopmentStorage = value.toLowerCase() === 'true';
  });
  if (out.useDevelopmentStorage) {
    out.accountName ??= DEV_ACCOUNT_NAME;
    out.accountKey ??= DEV_ACCOUNT_KEY;
  }
  return out;
}

function checkKey(key: string, source: string): string {
  const k = key.trim();
  if (k === '' || !/^[A-Za-z0-9+/]+={0,2}$/.test(k) || k.length % 4 !== 0) {
    throw badInput(`The account key from ${source} is not valid base64. Copy key1 or key2 of the storage account again.`);
  }
  return k;
}

function fromConnectionString(location: Gen2Location, text: string, source: string): CredentialChoice {
  const parts = parseConnectionString(text);
  if (parts.accountName !== undefined && parts.accountName.toLowerCase() !== location.account.toLowerCase()) {
    throw badInput(`The connection string from ${source} is for account '${parts.accountName}', but the location names account '${location.account}'. Use the matching connection string or location.`);
  }
  if (parts.accountKey !== undefined) return { kind: 'shared-key', account: location.account, key: checkKey(parts.accountKey, source), source };
  if (parts.sas !== undefined && parts.sas !== '') return { kind: 'sas', sas: parts.sas, source };
  throw badInput(`The connection string from ${source} holds neither AccountKey nor SharedAccessSignature.`);
}

function sasChoice(sas: string, source: string): CredentialChoice {
  const s = sas.trim().replace(/^\?/, '');
  if (s === '' || !/(^|&)sig=/.test(s)) throw badInput(`The SAS from ${source} has no signature (sig=…). Generate the SAS again and pass the whole query string.`);
  return { kind: 'sas', sas: s, source };
}

/**
 * Chooses credentials, first match wins:
 * options.credential, options.accountKey, options.sas, options.connectionString, the URI's SAS,
 * AZURE_STORAGE_CONNECTION_STRING, AZURE_STORAGE_KEY (when AZURE_STORAGE_ACCOUNT is unset or names this
 * account), AZURE_STORAGE_SAS_TOKEN, the well-known devstoreaccount1 key for a loopback devstoreaccount1
 * URL, anonymous access for other loopback URLs (emulators in anonymous mode), and DefaultAzureCredential
 * for real accounts. Throws invalid-argument for malformed secrets.
 */
export function selectCredential(location: Gen2Location, options: Gen2StoreOptions, env: Readonly<Record<string, string | undefined>>): CredentialChoice {
  if (options.credential !== undefined) return { kind: 'token', credential: options.credential, source: 'the credential option' };
  if (options.accountKey !== undefined) return { kind: 'shared-key', account: location.account, key: checkKey(options.accountKey, 'the accountKey option'), source: 'the accountKey option' };
  if (options.sas !== undefined) return sasChoice(options.sas, 'the sas option');
  if (options.connectionString !== undefined) return fromConnectionString(location, options.connectionString, 'the connectionString option');
  if (location.sas !== undefined) return sasChoice(location.sas, 'the location URI');
  const envConn = env['AZURE_STORAGE_CONNECTION_STRING'];
  if (envConn !== undefined && envConn.trim() !== '') return fromConnectionString(location, envConn, 'AZURE_STORAGE_CONNECTION_STRING');
  const envKey = env['AZURE_STORAGE_KEY'];
  const envAccount = env['AZURE_STORAGE_ACCOUNT'];
  if (envKey !== undefined && envKey.trim() !== '' && (envAccount === undefined || envAccount === '' || envAccount.toLowerCase() === location.account.toLowerCase())) {
    return { kind: 'shared-key', account: location.account, key: checkKey(envKey, 'AZURE_STORAGE_KEY'), source: 'AZURE_STORAGE_KEY' };
  }
  const envSas = env['AZURE_STORAGE_SAS_TOKEN'];
  if (envSas !== undefined && envSas.trim() !== '') return sasChoice(envSas, 'AZURE_STORAGE_SAS_TOKEN');
  if (location.loopback && location.account === DEV_ACCOUNT_NAME) {
    return { kind: 'shared-key', account: DEV_ACCOUNT_NAME, key: DEV_ACCOUNT_KEY, source: 'the well-known emulator key' };
  }
  if (location.loopback) return { kind: 'anonymous', source: 'no credentials (loopback emulator)' };
  return { kind: 'default-azure', source: 'DefaultAzureCredential (environment, managed identity, Azure CLI, …)' };
}
