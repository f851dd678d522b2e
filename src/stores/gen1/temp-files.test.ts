import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../core/store.js';
import { parseLocation, type Gen1Location } from '../../core/uri.js';
import { GEN1_EMULATOR_ADMIN_OID, startGen1Emulator, type Gen1Emulator } from '../../emulators/gen1/index.js';
import { mintEmulatorToken } from './auth.js';
import { createGen1Store, GEN1_TEMP_PREFIX } from './index.js';

/** Raw paged LISTSTATUS names (temp files included: the store hides them). */
async function rawNames(emulator: Gen1Emulator, dir: string): Promise<string[]> {
  const names: string[] = [];
  let after: string | undefined;
  for (;;) {
    const query = `op=LISTSTATUS&api-version=2018-09-01&listSize=100${after === undefined ? '' : `&listAfter=${encodeURIComponent(after)}`}`;
    const res = await fetch(`${emulator.url}/webhdfs/v1/${dir}?${query}`, { headers: { authorization: `Bearer ${mintEmulatorToken(GEN1_EMULATOR_ADMIN_OID, 600)}` } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { FileStatuses: { continuationToken?: string; FileStatus: { pathSuffix: string }[] } };
    names.push(...body.FileStatuses.FileStatus.map((s) => s.pathSuffix));
    const token = body.FileStatuses.continuationToken;
    if (token === undefined || token === '' || body.FileStatuses.FileStatus.length === 0) return names.sort();
    after = token;
  }
}

async function put(store: Store, path: string, text: string): Promise<void> {
  const w = await store.createWriter(path);
  await w.write(0, Buffer.from(text));
  await w.commit({ size: Buffer.byteLength(text) });
}

/** A writer that got data to the service, then was dropped without commit or abort (as if killed). */
async function dropWriter(store: Store, path: string): Promise<void> {
  const w = await store.createWriter(path);
  // The Gen1 writer holds the first piece back until a second arrives: two pieces force CREATE + APPEND.
  await w.write(0, Buffer.from('first piece '));
  await w.write(12, Buffer.from('second piece'));
}

describe('gen1 store removeTempFiles', () => {
  let emulator: Gen1Emulator;
  let store: Store;

  beforeAll(async () => {
    emulator = await startGen1Emulator({ port: 0, inMemory: true });
    // A page size of 2 makes both the raw cleanup listing and the store listings span several pages.
    store = createGen1Store(parseLocation(`${emulator.url}/webhdfs/v1/base`) as Gen1Location, { retryBaseMs: 5, listPageSize: 2 });
    await store.mkdir('');
  });
  afterAll(async () => {
    await store?.close();
    await emulator?.close();
  });

  it('deletes the temp files of dropped writers in that directory only, and nothing else', async () => {
    for (const name of ['a', 'b.txt', 'lakeshift-tmp-x', 'x.lakeshift-tmp-y', 'z']) await put(store, `d/${name}`, `keep ${name}`);
    await store.mkdir('d/sub');
    // A directory that merely has the prefix is not a writer temp file: it stays.
    await store.mkdir(`d/${GEN1_TEMP_PREFIX}dir`);
    await dropWriter(store, 'd/big.bin');
    await dropWriter(store, 'd/a');
    await dropWriter(store, 'd/sub/inner.bin');
    await dropWriter(store, 'other/x.bin');

    const before = await rawNames(emulator, 'base/d');
    expect(before.filter((n) => n.startsWith(GEN1_TEMP_PREFIX))).toHaveLength(3);

    expect(await store.removeTempFiles?.('d')).toBe(2);

    const after = await rawNames(emulator, 'base/d');
    expect(after).toEqual([`${GEN1_TEMP_PREFIX}dir`, 'a', 'b.txt', 'lakeshift-tmp-x', 'sub', 'x.lakeshift-tmp-y', 'z']);
    // Only direct children: the temp files in d/sub and other stay until those directories are cleaned.
    expect((await rawNames(emulator, 'base/d/sub')).filter((n) => n.startsWith(GEN1_TEMP_PREFIX))).toHaveLength(1);
    expect((await rawNames(emulator, 'base/other')).filter((n) => n.startsWith(GEN1_TEMP_PREFIX))).toHaveLength(1);
    // The committed files are untouched.
    const listed: string[] = [];
    for await (const page of store.list('d')) listed.push(...page.map((e) => e.path));
    expect(listed).toEqual(['d/a', 'd/b.txt', 'd/lakeshift-tmp-x', 'd/sub', 'd/x.lakeshift-tmp-y', 'd/z']);
    expect((await store.stat('d/a')).size).toBe('keep a'.length);

    expect(await store.removeTempFiles?.('d/sub')).toBe(1);
    expect(await rawNames(emulator, 'base/d/sub')).toEqual([]);
    expect(await store.removeTempFiles?.('d')).toBe(0);
  });

  it('cleans the root of the store and returns 0 for a missing directory', async () => {
    await dropWriter(store, 'top.bin');
    expect((await rawNames(emulator, 'base')).filter((n) => n.startsWith(GEN1_TEMP_PREFIX))).toHaveLength(1);
    expect(await store.removeTempFiles?.('')).toBe(1);
    expect((await rawNames(emulator, 'base')).filter((n) => n.startsWith(GEN1_TEMP_PREFIX))).toEqual([]);
    expect(await store.removeTempFiles?.('no/such/dir')).toBe(0);
  });
});
