import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataLakeFileSystemClient, StorageSharedKeyCredential } from '@azure/storage-file-datalake';
import { startGen2Emulator, DEV_ACCOUNT, DEV_ACCOUNT_KEY, type Gen2Emulator } from '../../emulators/gen2/index.js';
import { parseLocation, type Gen2Location, type Store } from '../../core/index.js';
import { createGen2Store, TEMP_PREFIX, type Gen2Store } from './index.js';
import { removeGen2TempFiles } from './temp-files.js';

/** Raw names (basename) directly inside `dir`, through the official SDK: temp files included. */
async function rawNames(raw: DataLakeFileSystemClient, dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const page of raw.listPaths({ recursive: false, path: dir }).byPage({ maxPageSize: 3 })) {
    for (const p of page.pathItems ?? []) names.push((p.name ?? '').slice(dir === '' ? 0 : dir.length + 1));
  }
  return names.sort();
}

const temps = (names: string[]): string[] => names.filter((n) => n.startsWith(TEMP_PREFIX));

async function put(store: Store, path: string, text: string): Promise<void> {
  const w = await store.createWriter(path);
  await w.write(0, Buffer.from(text));
  await w.commit({ size: Buffer.byteLength(text) });
}

/** A writer that appended data, then was dropped without commit or abort (as if its process was killed). */
async function dropWriter(store: Store, path: string): Promise<void> {
  const w = await store.createWriter(path);
  await w.write(0, Buffer.from('uncommitted bytes'));
}

describe('Gen2 store removeTempFiles', () => {
  let emulator: Gen2Emulator;
  beforeAll(async () => {
    emulator = await startGen2Emulator({ port: 0, inMemory: true });
  });
  afterAll(async () => {
    await emulator?.close();
  });

  function open(path: string): { store: Gen2Store; raw: DataLakeFileSystemClient } {
    const fs = `t-${randomUUID().slice(0, 12)}`;
    const store = createGen2Store(parseLocation(`${emulator.url}/${DEV_ACCOUNT}/${fs}/${path}`) as Gen2Location, { retryDelayMs: 5, writeApi: 'dfs' });
    const raw = new DataLakeFileSystemClient(`${emulator.url}/${DEV_ACCOUNT}/${fs}`, new StorageSharedKeyCredential(DEV_ACCOUNT, DEV_ACCOUNT_KEY));
    return { store, raw };
  }

  it('deletes the temp files of dropped writers in that directory only, and nothing else', async () => {
    const { store, raw } = open('base');
    for (const name of ['a', 'b.txt', 'lakeshift-tmp-x', 'x.lakeshift-tmp-y', 'z']) await put(store, `d/${name}`, `keep ${name}`);
    await store.mkdir('d/sub');
    await dropWriter(store, 'd/big.bin');
    await dropWriter(store, 'd/a');
    await dropWriter(store, 'd/sub/inner.bin');
    await dropWriter(store, 'other/x.bin');
    expect(temps(await rawNames(raw, 'base/d'))).toHaveLength(2);

    expect(await store.removeTempFiles('d')).toBe(2);

    expect(await rawNames(raw, 'base/d')).toEqual(['a', 'b.txt', 'lakeshift-tmp-x', 'sub', 'x.lakeshift-tmp-y', 'z']);
    // Only direct children: temp files elsewhere stay until their own directory is cleaned.
    expect(temps(await rawNames(raw, 'base/d/sub'))).toHaveLength(1);
    expect(temps(await rawNames(raw, 'base/other'))).toHaveLength(1);
    expect((await store.stat('d/a')).size).toBe('keep a'.length);

    expect(await store.removeTempFiles('d/sub')).toBe(1);
    expect(await rawNames(raw, 'base/d/sub')).toEqual([]);
    expect(await store.removeTempFiles('d')).toBe(0);
    await store.close();
  });

  it('pages through large directories and keeps a directory that merely has the prefix', async () => {
    const { store, raw } = open('');
    for (let i = 0; i < 5; i++) await put(store, `p/f${i}`, `file ${i}`);
    for (let i = 0; i < 3; i++) await dropWriter(store, `p/t${i}.bin`);
    await raw.getDirectoryClient(`p/${TEMP_PREFIX}not-a-writer-file`).create();
    expect(temps(await rawNames(raw, 'p'))).toHaveLength(4);

    // Page size 2: the 9 entries take 5 pages.
    expect(await removeGen2TempFiles(store.client, 'p', 2, undefined)).toBe(3);

    expect(await rawNames(raw, 'p')).toEqual([`${TEMP_PREFIX}not-a-writer-file`, 'f0', 'f1', 'f2', 'f3', 'f4']);
    await store.close();
  });

  it('cleans the filesystem root and returns 0 for a missing directory or filesystem', async () => {
    const { store, raw } = open('');
    expect(await store.removeTempFiles('')).toBe(0);
    await dropWriter(store, 'top.bin');
    expect(temps(await rawNames(raw, ''))).toHaveLength(1);
    expect(await store.removeTempFiles('')).toBe(1);
    expect(temps(await rawNames(raw, ''))).toEqual([]);
    expect(await store.removeTempFiles('no/such/dir')).toBe(0);
    await store.close();
  });
});
