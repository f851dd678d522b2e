import type { TokenCredential } from '@azure/identity';
import { parseLocation, type StoreLocation } from '../core/uri.js';
import type { Store } from '../core/store.js';
import { createMemoryStore } from './memory/index.js';
import { createLocalStore } from './local/index.js';
import { createGen1Store } from './gen1/index.js';
import { createGen2Store } from './gen2/index.js';

/** Credentials and tuning for opening any store from a URI. Secrets here are never logged. */
export interface OpenStoreOptions {
  /** Bearer token for Gen1 (`--gen1-token`, LAKESHIFT_GEN1_TOKEN). */
  gen1Token?: string;
  /** Shared Key for Gen2 (`--account-key`, AZURE_STORAGE_KEY). */
  accountKey?: string;
  /** SAS for Gen2 when the URI does not carry one (AZURE_STORAGE_SAS_TOKEN). */
  sas?: string;
  /** Gen2 connection string (AZURE_STORAGE_CONNECTION_STRING). */
  connectionString?: string;
  /** Any @azure/identity credential (DefaultAzureCredential when none is given for real accounts). */
  credential?: TokenCredential;
  /** Destinations may create a missing Gen2 filesystem; sources never do. */
  role?: 'source' | 'dest';
  concurrency?: number;
  chunkSize?: number;
}

/** Opens the store a location names. Throws StorageError('invalid-argument') for malformed URIs. */
export function openLocation(location: StoreLocation, options: OpenStoreOptions = {}): Store {
  const env = process.env;
  switch (location.kind) {
    case 'memory':
      return createMemoryStore(location);
    case 'local':
      return createLocalStore(location);
    case 'gen1': {
      const token = options.gen1Token ?? env['LAKESHIFT_GEN1_TOKEN'];
      return createGen1Store(location, {
        ...(token === undefined || token === '' ? {} : { token }),
        ...(options.credential === undefined ? {} : { credential: options.credential }),
        ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
      });
    }
    case 'gen2': {
      const accountKey = options.accountKey ?? env['AZURE_STORAGE_KEY'];
      const sas = options.sas ?? env['AZURE_STORAGE_SAS_TOKEN'];
      const connectionString = options.connectionString ?? env['AZURE_STORAGE_CONNECTION_STRING'];
      return createGen2Store(location, {
        ...(accountKey === undefined || accountKey === '' ? {} : { accountKey }),
        ...(sas === undefined || sas === '' ? {} : { sas: sas.replace(/^\?/, '') }),
        ...(connectionString === undefined || connectionString === '' ? {} : { connectionString }),
        ...(options.credential === undefined ? {} : { credential: options.credential }),
        ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
        ...(options.chunkSize === undefined ? {} : { chunkSize: options.chunkSize }),
        createFilesystem: options.role === 'dest',
      });
    }
  }
}

/** Parses a URI as users write it and opens its store. */
export function openStore(uri: string, options: OpenStoreOptions = {}): Store {
  return openLocation(parseLocation(uri), options);
}
