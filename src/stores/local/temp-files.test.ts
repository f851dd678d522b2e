import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../core/store.js';
import { PART_PREFIX } from './errors.js';
import { createLocalStore } from './index.js';

let root: string;
let store: Store;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'lakeshift-local-temp-'));
  store = createLocalStore({ kind: 'local', root, path: '' }, { fsync: false });
});

afterEach(async () => {
  await store.close();
  await rm(root, { recursive: true, force: true });
});

async function put(path: string, text: string): Promise<void> {
  const w = await store.createWriter(path);
  await w.write(0, Buffer.from(text));
  await w.commit({ size: Buffer.byteLength(text) });
}

/** A writer that wrote a chunk, then was dropped without commit or abort (as if its process was killed). */
async function dropWriter(path: string): Promise<void> {
  const w = await store.createWriter(path);
  await w.write(0, Buffer.from('uncommitted bytes'));
}

async function names(rel: string): Promise<string[]> {
  return (await readdir(join(root, rel))).sort();
}

const parts = (list: string[]): string[] => list.filter((n) => n.startsWith(PART_PREFIX));

describe('local store removeTempFiles', () => {
  it('deletes the temp files of dropped writers in that directory only, and nothing else', async () => {
    for (const name of ['a', 'b.txt', 'lakeshift-part-x', 'x.lakeshift-part-y']) await put(`d/${name}`, `keep ${name}`);
    await mkdir(join(root, 'd', `${PART_PREFIX}dir`));
    await put('d/sub/kept', 'kept');
    await dropWriter('d/big.bin');
    await dropWriter('d/a');
    await dropWriter('d/sub/inner.bin');
    expect(parts(await names('d'))).toHaveLength(3);

    expect(await store.removeTempFiles?.('d')).toBe(2);

    // The directory with the prefix is not a writer file: it stays (hidden from listings as before).
    expect(await names('d')).toEqual([`${PART_PREFIX}dir`, 'a', 'b.txt', 'lakeshift-part-x', 'sub', 'x.lakeshift-part-y']);
    expect(parts(await names('d/sub'))).toHaveLength(1);
    expect(await store.removeTempFiles?.('d/sub')).toBe(1);
    expect(await names('d/sub')).toEqual(['kept']);
    expect((await store.stat('d/a')).size).toBe('keep a'.length);
    expect(await store.removeTempFiles?.('d')).toBe(0);
  });

  it('also sweeps the sidecar staging area used when the parent did not exist, and tolerates missing dirs', async () => {
    await dropWriter('new/dir/file.bin');
    const staging = join(root, '.lakeshift', 'tmp');
    expect(parts(await readdir(staging))).toHaveLength(1);
    await writeFile(join(staging, 'not-ours'), 'x');
    expect(await store.removeTempFiles?.('new/dir')).toBe(1);
    expect(await readdir(staging)).toEqual(['not-ours']);
    expect(await store.removeTempFiles?.('')).toBe(0);
    expect(await store.removeTempFiles?.('no/such/dir')).toBe(0);
  });
});
