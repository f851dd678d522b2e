import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareNames, comparePaths } from '../../src/core/entry.js';
import type { Store } from '../../src/core/store.js';
import { bytesOf, expectCode, listPages, listPaths, patternBytes, putFile, readBytes, requireCapability, type SuiteContext } from './helpers.js';
import { defineMetadataTests } from './suite-metadata.js';
import { defineAppendTests } from './suite-append.js';
import { defineNamespaceTests } from './suite-namespace.js';

export interface ConformanceOptions {
  /** Chunk size for writes (default 1 KiB; remote stores may use e.g. 64 KiB). */
  chunkSize?: number;
  /** Also run the heavier cases (many concurrent chunks). */
  slow?: boolean;
}

/**
 * Contract points this suite pins down (beyond the doc comments in src/core/store.ts):
 * - openRead: offset == size yields no bytes; offset > size or a negative offset -> invalid-argument;
 *   a length past the end is truncated.
 * - An overwrite: false conflict may surface at createWriter, write or commit, always as already-exists.
 * - A failed commit (size mismatch, gap) -> integrity-mismatch and nothing at the path; abort is idempotent.
 * - rename never replaces a directory (already-exists, even with overwrite); a file only with overwrite.
 * - setAcl fills in a missing mask (union of the group class); getAcl returns base entries, mask and defaults.
 * - Listings: pages never exceed pageSize; recursive listings include implicit directories, in comparePaths order.
 */
/**
 * The store conformance suite: every connector runs it through a dozen-line test file. The factory is
 * called once; each test works in its own fresh directory. Tests skip by capability (printing why),
 * never by store name.
 */
export function runStoreConformance(
  name: string,
  factory: () => Promise<{ store: Store; cleanup(): Promise<void> }>,
  options: ConformanceOptions = {},
): void {
  describe(`store conformance: ${name}`, () => {
    let store: Store | undefined;
    let cleanup: (() => Promise<void>) | undefined;
    let seq = 0;
    beforeAll(async () => {
      const made = await factory();
      store = made.store;
      cleanup = made.cleanup;
    });
    afterAll(async () => {
      await store?.close();
      await cleanup?.();
    });
    const ctx: SuiteContext = {
      name,
      store: () => {
        if (store === undefined) throw new Error(`the ${name} store factory failed; see the beforeAll error`);
        return store;
      },
      fresh: (label) => `t${String(++seq).padStart(3, '0')}-${label}`,
      chunk: () => Math.min(options.chunkSize ?? 1024, ctx.store().capabilities.maxChunkSize),
    };
    defineDataTests(ctx, options);
    defineNamespaceTests(ctx);
    defineMetadataTests(ctx);
    defineAppendTests(ctx);
  });
}

function defineDataTests(ctx: SuiteContext, options: ConformanceOptions): void {
  describe('writing and reading', () => {
    it('round trips the size matrix with chunks written out of order', async () => {
      const store = ctx.store();
      const c = ctx.chunk();
      const dir = ctx.fresh('sizes');
      const parallel = store.capabilities.parallelChunkWrites;
      for (const size of [0, 1, c - 1, c, c + 1, 3 * c + 7]) {
        const data = patternBytes(size, size + 1);
        const path = `${dir}/f-${size}`;
        const entry = await putFile(store, path, data, { chunkSize: c, parallel });
        expect(entry).toMatchObject({ path, kind: 'file', size });
        expect(await store.stat(path)).toMatchObject({ path, kind: 'file', size });
        expect(Buffer.from(await readBytes(store, path)).equals(Buffer.from(data)), `content of ${size}-byte file`).toBe(true);
      }
    });

    it('writes many chunks concurrently', async (t) => {
      const store = ctx.store();
      requireCapability(t, ctx.name, options.slow === true, 'heavy case: run with { slow: true }');
      requireCapability(t, ctx.name, store.capabilities.parallelChunkWrites, 'the store does not accept concurrent chunk writes');
      const c = ctx.chunk();
      const data = patternBytes(40 * c + 3, 7);
      const path = `${ctx.fresh('many')}/big`;
      await putFile(store, path, data, { chunkSize: c, parallel: true });
      expect(Buffer.from(await readBytes(store, path)).equals(Buffer.from(data))).toBe(true);
    });

    it('reads ranges at the start, middle and end, truncating past the end', async () => {
      const store = ctx.store();
      const c = ctx.chunk();
      const size = 3 * c + 7;
      const data = patternBytes(size, 3);
      const path = `${ctx.fresh('range')}/f`;
      await putFile(store, path, data, { chunkSize: c });
      const cases: Array<[number, number | undefined]> = [[0, 10], [0, undefined], [c - 3, c + 5], [size - 5, undefined], [size - 5, 100], [size, undefined]];
      for (const [offset, length] of cases) {
        const got = await readBytes(store, path, length === undefined ? { offset } : { offset, length });
        const want = data.subarray(offset, length === undefined ? size : Math.min(size, offset + length));
        expect(Buffer.from(got).equals(Buffer.from(want)), `range ${offset}+${String(length)}`).toBe(true);
      }
      await expectCode(() => readBytes(store, path, { offset: size + 1 }), 'invalid-argument');
    });

    it('refuses to overwrite without overwrite, replaces with it', async () => {
      const store = ctx.store();
      const path = `${ctx.fresh('overwrite')}/f`;
      await putFile(store, path, bytesOf('first'), { chunkSize: ctx.chunk() });
      await expectCode(() => putFile(store, path, bytesOf('second!'), { chunkSize: ctx.chunk() }), 'already-exists');
      expect(Buffer.from(await readBytes(store, path)).toString()).toBe('first');
      await putFile(store, path, bytesOf('third!!'), { chunkSize: ctx.chunk(), overwrite: true });
      expect(Buffer.from(await readBytes(store, path)).toString()).toBe('third!!');
      expect((await store.stat(path)).size).toBe(7);
    });

    it('makes nothing visible before commit, and nothing after a size mismatch or a gap', async () => {
      const store = ctx.store();
      const c = ctx.chunk();
      const dir = ctx.fresh('commit');
      await putFile(store, `${dir}/other`, bytesOf('x'), { chunkSize: c });
      const writer = await store.createWriter(`${dir}/pending`);
      await writer.write(0, patternBytes(10));
      await expectCode(store.stat(`${dir}/pending`), 'not-found');
      expect(await listPaths(store, dir)).toEqual([`${dir}/other`]);
      await expectCode(writer.commit({ size: 11 }), 'integrity-mismatch');
      await writer.abort();
      await expectCode(store.stat(`${dir}/pending`), 'not-found');

      const gap = await store.createWriter(`${dir}/gap`);
      await gap.write(2 * c, patternBytes(c));
      await gap.write(0, patternBytes(c));
      await expectCode(gap.commit({ size: 3 * c }), 'integrity-mismatch');
      await gap.abort();
      await expectCode(store.stat(`${dir}/gap`), 'not-found');
      expect(await listPaths(store, dir)).toEqual([`${dir}/other`]);
    });

    it('leaves nothing behind after abort (idempotently)', async () => {
      const store = ctx.store();
      const dir = ctx.fresh('abort');
      await store.mkdir(dir);
      const writer = await store.createWriter(`${dir}/f`);
      await writer.write(0, patternBytes(100));
      await writer.abort();
      await writer.abort();
      await expectCode(store.stat(`${dir}/f`), 'not-found');
      expect(await listPaths(store, dir)).toEqual([]);
      await expect(writer.commit({ size: 100 })).rejects.toThrow();
      await expectCode(store.stat(`${dir}/f`), 'not-found');
    });

    it('records the Content-MD5 given at commit', async (t) => {
      const store = ctx.store();
      requireCapability(t, ctx.name, store.capabilities.contentMd5, 'the store does not record Content-MD5');
      const { createHash } = await import('node:crypto');
      const data = patternBytes(ctx.chunk() + 1);
      const md5 = createHash('md5').update(data).digest();
      const path = `${ctx.fresh('md5')}/f`;
      await putFile(store, path, data, { chunkSize: ctx.chunk(), contentMd5: md5 });
      expect((await store.stat(path)).contentMd5).toBe(md5.toString('base64'));
    });
  });

  describe('one-shot writes (commit with the whole content)', () => {
    it('commits a whole file in one call, with its MD5, nothing visible before, parents created', async (t) => {
      const store = ctx.store();
      const max = store.capabilities.oneShotMaxBytes ?? 0;
      requireCapability(t, ctx.name, max > 0, 'the store declares no one-shot writes (capabilities.oneShotMaxBytes)');
      const { createHash } = await import('node:crypto');
      const dir = ctx.fresh('oneshot');
      for (const size of [0, 1, ctx.chunk() + 5]) {
        const data = patternBytes(size, size + 9);
        const md5 = createHash('md5').update(data).digest();
        const path = `${dir}/deep/er/f-${size}`;
        const writer = await store.createWriter(path);
        await expectCode(store.stat(path), 'not-found');
        const entry = await writer.commit({ size, contentMd5: md5, data });
        expect(entry).toMatchObject({ path, kind: 'file', size });
        expect(Buffer.from(await readBytes(store, path)).equals(Buffer.from(data)), `content of ${size}-byte file`).toBe(true);
        if (store.capabilities.contentMd5) expect((await store.stat(path)).contentMd5).toBe(md5.toString('base64'));
      }
      expect((await store.stat(`${dir}/deep/er`)).kind).toBe('directory');
    });

    it('refuses a wrong MD5, a size mismatch and an existing file without overwrite, leaving nothing', async (t) => {
      const store = ctx.store();
      requireCapability(t, ctx.name, (store.capabilities.oneShotMaxBytes ?? 0) > 0, 'the store declares no one-shot writes (capabilities.oneShotMaxBytes)');
      const dir = ctx.fresh('oneshot-bad');
      const data = patternBytes(100, 4);
      const wrongMd5 = new Uint8Array(16).fill(7);
      await expectCode((await store.createWriter(`${dir}/md5`)).commit({ size: 100, contentMd5: wrongMd5, data }), 'integrity-mismatch');
      await expectCode(store.stat(`${dir}/md5`), 'not-found');
      await expectCode((await store.createWriter(`${dir}/size`)).commit({ size: 101, data }), 'integrity-mismatch');
      await expectCode(store.stat(`${dir}/size`), 'not-found');
      await (await store.createWriter(`${dir}/exists`)).commit({ size: 5, data: bytesOf('first') });
      await expectCode((await store.createWriter(`${dir}/exists`)).commit({ size: 6, data: bytesOf('second') }), 'already-exists');
      expect(Buffer.from(await readBytes(store, `${dir}/exists`)).toString()).toBe('first');
      await (await store.createWriter(`${dir}/exists`, { overwrite: true })).commit({ size: 5, data: bytesOf('third') });
      expect(Buffer.from(await readBytes(store, `${dir}/exists`)).toString()).toBe('third');
    });
  });

  describe('listing', () => {
    it('pages a directory of 25 files in name order', async () => {
      const store = ctx.store();
      const dir = ctx.fresh('pages');
      const names = Array.from({ length: 25 }, (_, i) => `file-${String(i).padStart(2, '0')}${i % 3 === 0 ? '.csv' : ''}`);
      for (const n of names) await putFile(store, `${dir}/${n}`, bytesOf(n), { chunkSize: ctx.chunk() });
      const pages = await listPages(store, dir, { pageSize: 7 });
      expect(pages.length).toBeGreaterThan(1);
      for (const page of pages) expect(page.length).toBeLessThanOrEqual(7);
      const entries = pages.flat();
      expect(entries.map((e) => e.path)).toEqual(names.map((n) => `${dir}/${n}`).sort(compareNames));
      for (const e of entries) expect(e).toMatchObject({ kind: 'file', size: e.path.length - dir.length - 1 });
    });

    it('lists recursively in walk order across pages', async () => {
      const store = ctx.store();
      const dir = ctx.fresh('walk');
      const files = ['a/x', 'a/y/z', 'a-b', 'a.b', 'a b/c', 'b', 'c/d/e/f', 'c/d0', 'Z'];
      for (const f of files) await putFile(store, `${dir}/${f}`, bytesOf(f), { chunkSize: ctx.chunk() });
      const expected = new Set<string>();
      for (const f of files) {
        const parts = f.split('/');
        for (let i = 1; i <= parts.length; i++) expected.add(`${dir}/${parts.slice(0, i).join('/')}`);
      }
      const pages = await listPages(store, dir, { recursive: true, pageSize: 3 });
      const paths = pages.flat().map((e) => e.path);
      expect(paths).toEqual([...expected].sort(comparePaths));
      const kinds = new Map(pages.flat().map((e) => [e.path, e.kind]));
      expect(kinds.get(`${dir}/a/y`)).toBe('directory');
      expect(kinds.get(`${dir}/a/y/z`)).toBe('file');
    });

    it('lists a file as itself and refuses missing paths with not-found', async () => {
      const store = ctx.store();
      const dir = ctx.fresh('listfile');
      await putFile(store, `${dir}/f`, bytesOf('abc'), { chunkSize: ctx.chunk() });
      const pages = await listPages(store, `${dir}/f`);
      expect(pages.flat()).toMatchObject([{ path: `${dir}/f`, kind: 'file', size: 3 }]);
      await expectCode(store.stat(`${dir}/missing`), 'not-found');
      await expectCode(listPages(store, `${dir}/missing`), 'not-found');
      await expectCode(listPages(store, `${dir}/missing`, { recursive: true }), 'not-found');
      await expectCode(store.openRead(`${dir}/missing`), 'not-found');
    });
  });

  describe('cancellation', () => {
    it('turns an aborted signal into cancelled on stat, list, openRead and write', async () => {
      const store = ctx.store();
      const dir = ctx.fresh('cancel');
      await putFile(store, `${dir}/f`, bytesOf('data'), { chunkSize: ctx.chunk() });
      const controller = new AbortController();
      controller.abort();
      const signal = controller.signal;
      await expectCode(store.stat(`${dir}/f`, { signal }), 'cancelled');
      await expectCode(listPages(store, dir, { signal }), 'cancelled');
      await expectCode(async () => readBytesWithSignal(store, `${dir}/f`, signal), 'cancelled');
      const writer = await store.createWriter(`${dir}/g`);
      await expectCode(writer.write(0, bytesOf('x'), { signal }), 'cancelled');
      await writer.abort();
      await expectCode(store.stat(`${dir}/g`), 'not-found');
    });
  });
}

async function readBytesWithSignal(store: Store, path: string, signal: AbortSignal): Promise<void> {
  for await (const _ of await store.openRead(path, undefined, { signal })) {
    // drain
  }
}
