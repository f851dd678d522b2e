import { DataLakeServiceClient, StorageSharedKeyCredential, type DataLakeFileSystemClient } from '@azure/storage-file-datalake';
import type { Entry } from '../src/core/entry.js';
import type { Store } from '../src/core/store.js';
import { parseLocation, type Gen1Location, type Gen2Location } from '../src/core/uri.js';
import { DEV_ACCOUNT, DEV_ACCOUNT_KEY } from '../src/emulators/gen2/index.js';
import { createGen1Store } from '../src/stores/gen1/index.js';
import { createGen2Store } from '../src/stores/gen2/index.js';

/** Shared by the migrate end-to-end suites: store openers and independent checks through the official SDK. */

export function gen1Uri(url: string, path: string): string {
  return `${url}/webhdfs/v1/${path}`;
}

export function gen2Uri(url: string, fs: string, path = ''): string {
  return `${url}/${DEV_ACCOUNT}/${fs}${path === '' ? '' : `/${path}`}`;
}

export function openGen1(url: string, path: string): Store {
  return createGen1Store(parseLocation(gen1Uri(url, path)) as Gen1Location, { retryBaseMs: 5 });
}

export function openGen2(url: string, fs: string): Store {
  return createGen2Store(parseLocation(gen2Uri(url, fs)) as Gen2Location, { createFilesystem: true, retryDelayMs: 5 });
}

/** The official SDK's view of a filesystem on the Gen2 emulator. */
export function sdkFilesystem(url: string, fs: string): DataLakeFileSystemClient {
  const service = new DataLakeServiceClient(`${url}/${DEV_ACCOUNT}`, new StorageSharedKeyCredential(DEV_ACCOUNT, DEV_ACCOUNT_KEY));
  return service.getFileSystemClient(fs);
}

export async function sdkRead(fs: DataLakeFileSystemClient, path: string): Promise<Buffer> {
  const res = await fs.getFileClient(path).read();
  const parts: Buffer[] = [];
  const body = res.readableStreamBody;
  if (body === undefined) return Buffer.alloc(0);
  for await (const chunk of body) parts.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  return Buffer.concat(parts);
}

export async function storeRead(store: Store, path: string): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const p of await store.openRead(path)) parts.push(p);
  return Buffer.concat(parts);
}

export async function walkAll(store: Store, path = ''): Promise<Entry[]> {
  const out: Entry[] = [];
  for await (const page of store.list(path, { recursive: true, pageSize: 1000 })) out.push(...page.filter((e) => e.path !== path));
  return out;
}

/** Every SDK-listed path of a filesystem (recursive), with kind. */
export async function sdkPaths(fs: DataLakeFileSystemClient): Promise<Map<string, { isDirectory: boolean; size: number }>> {
  const out = new Map<string, { isDirectory: boolean; size: number }>();
  for await (const p of fs.listPaths({ recursive: true })) {
    if (p.name !== undefined) out.set(p.name, { isDirectory: p.isDirectory === true, size: Number(p.contentLength ?? 0) });
  }
  return out;
}

/** Octal mode from the SDK's permissions object. */
export function sdkMode(p: { owner: { read: boolean; write: boolean; execute: boolean }; group: { read: boolean; write: boolean; execute: boolean }; other: { read: boolean; write: boolean; execute: boolean }; stickyBit: boolean }): number {
  const bits = (r: { read: boolean; write: boolean; execute: boolean }): number => (r.read ? 4 : 0) | (r.write ? 2 : 0) | (r.execute ? 1 : 0);
  return (p.stickyBit ? 0o1000 : 0) | (bits(p.owner) << 6) | (bits(p.group) << 3) | bits(p.other);
}
