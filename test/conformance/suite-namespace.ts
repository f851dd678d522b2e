import { describe, expect, it } from 'vitest';
import { compareNames } from '../../src/core/entry.js';
import { nameRejection } from '../../src/core/names.js';
import { bytesOf, expectCode, listPaths, putFile, readBytes, requireCapability, type SuiteContext } from './helpers.js';

async function text(ctx: SuiteContext, path: string): Promise<string> {
  return Buffer.from(await readBytes(ctx.store(), path)).toString('utf8');
}

/** mkdir, remove, rename, nasty names. */
export function defineNamespaceTests(ctx: SuiteContext): void {
  describe('directories', () => {
    it('creates directories with parents, idempotently, and lists empty ones', async (t) => {
      const store = ctx.store();
      requireCapability(t, ctx.name, store.capabilities.emptyDirectories, 'the store keeps no empty directories');
      const dir = ctx.fresh('mkdir');
      await store.mkdir(`${dir}/a/b/c`);
      await store.mkdir(`${dir}/a/b/c`);
      await store.mkdir(`${dir}/a`);
      expect(await store.stat(`${dir}/a/b/c`)).toMatchObject({ kind: 'directory', size: 0 });
      expect(await listPaths(store, dir, { recursive: true })).toEqual([`${dir}/a`, `${dir}/a/b`, `${dir}/a/b/c`]);
      expect(await listPaths(store, `${dir}/a/b/c`)).toEqual([]);
    });

    it('refuses a directory where a file is (already-exists)', async () => {
      const store = ctx.store();
      const dir = ctx.fresh('mkfile');
      await putFile(store, `${dir}/f`, bytesOf('x'), { chunkSize: ctx.chunk() });
      await expectCode(store.mkdir(`${dir}/f`), 'already-exists');
      expect(await store.stat(`${dir}/f`)).toMatchObject({ kind: 'file', size: 1 });
    });

    it('removes files, empty and (recursively) non-empty directories', async (t) => {
      const store = ctx.store();
      const dir = ctx.fresh('remove');
      await putFile(store, `${dir}/f`, bytesOf('x'), { chunkSize: ctx.chunk() });
      await putFile(store, `${dir}/full/sub/g`, bytesOf('y'), { chunkSize: ctx.chunk() });
      await store.remove(`${dir}/f`);
      await expectCode(store.stat(`${dir}/f`), 'not-found');
      await expectCode(store.remove(`${dir}/f`), 'not-found');
      await expectCode(store.remove(`${dir}/full`), 'not-empty');
      expect(await text(ctx, `${dir}/full/sub/g`)).toBe('y');
      await store.remove(`${dir}/full`, { recursive: true });
      await expectCode(store.stat(`${dir}/full`), 'not-found');
      await expectCode(store.stat(`${dir}/full/sub/g`), 'not-found');
      requireCapability(t, ctx.name, store.capabilities.emptyDirectories, 'the store keeps no empty directories');
      await store.mkdir(`${dir}/empty`);
      await store.remove(`${dir}/empty`);
      await expectCode(store.stat(`${dir}/empty`), 'not-found');
    });
  });

  describe('rename', () => {
    it('moves a file and a directory with its children', async () => {
      const store = ctx.store();
      const dir = ctx.fresh('rename');
      await putFile(store, `${dir}/f`, bytesOf('file'), { chunkSize: ctx.chunk() });
      await store.rename(`${dir}/f`, `${dir}/g`);
      await expectCode(store.stat(`${dir}/f`), 'not-found');
      expect(await text(ctx, `${dir}/g`)).toBe('file');

      await putFile(store, `${dir}/d/x`, bytesOf('x'), { chunkSize: ctx.chunk() });
      await putFile(store, `${dir}/d/sub/y`, bytesOf('y'), { chunkSize: ctx.chunk() });
      await store.rename(`${dir}/d`, `${dir}/e`);
      await expectCode(store.stat(`${dir}/d`), 'not-found');
      expect(await listPaths(store, `${dir}/e`, { recursive: true })).toEqual([`${dir}/e/sub`, `${dir}/e/sub/y`, `${dir}/e/x`]);
      expect(await text(ctx, `${dir}/e/sub/y`)).toBe('y');
      await expectCode(store.rename(`${dir}/missing`, `${dir}/other`), 'not-found');
    });

    it('replaces an existing file only with overwrite, and never a directory', async () => {
      const store = ctx.store();
      const dir = ctx.fresh('renameover');
      await putFile(store, `${dir}/a`, bytesOf('aaa'), { chunkSize: ctx.chunk() });
      await putFile(store, `${dir}/b`, bytesOf('bb'), { chunkSize: ctx.chunk() });
      await putFile(store, `${dir}/d/child`, bytesOf('c'), { chunkSize: ctx.chunk() });
      await expectCode(store.rename(`${dir}/a`, `${dir}/b`), 'already-exists');
      expect(await text(ctx, `${dir}/a`)).toBe('aaa');
      expect(await text(ctx, `${dir}/b`)).toBe('bb');
      await store.rename(`${dir}/a`, `${dir}/b`, { overwrite: true });
      await expectCode(store.stat(`${dir}/a`), 'not-found');
      expect(await text(ctx, `${dir}/b`)).toBe('aaa');
      await expectCode(store.rename(`${dir}/b`, `${dir}/d`, { overwrite: true }), 'already-exists');
      expect(await text(ctx, `${dir}/d/child`)).toBe('c');
    });
  });

  describe('names', () => {
    it('round trips nasty names the store accepts', async () => {
      const store = ctx.store();
      const rules = store.capabilities.names;
      const nfc = 'caf\u00e9';
      const nfd = 'cafe\u0301';
      const candidates = [
        'with space', 'per%cent', '%41%2F', 'hash#tag', 'question?mark', 'plus+sign', 'co:lon', nfc, '\u65e5\u672c\u8a9e', 'emoji-\u{1F600}',
        '.leading-dot', 'trailing-dot.', '   ', 'semi;colon', "quote'd", 'amp&ersand=eq', 'x'.repeat(rules.maxSegmentBytes),
      ];
      if (rules.distinctUnicodeForms) candidates.push(nfd);
      const accepted = candidates.filter((n) => nameRejection(n, rules) === undefined);
      const refused = candidates.filter((n) => !accepted.includes(n));
      if (refused.length > 0) console.info(`[conformance ${ctx.name}] names not tried (refused by the store's name rules): ${JSON.stringify(refused.map((n) => n.slice(0, 20)))}`);
      if (!rules.distinctUnicodeForms) console.info(`[conformance ${ctx.name}] NFD spelling not tried: the store does not keep NFC and NFD apart`);
      const dir = ctx.fresh('names');
      for (const n of accepted) await putFile(store, `${dir}/${n}`, bytesOf(`content of ${n}`), { chunkSize: 4096 });
      await putFile(store, `${dir}/sub dir #1/inner %20?`, bytesOf('inner'), { chunkSize: 4096 });
      const expected = [...accepted, 'sub dir #1'].sort(compareNames).map((n) => `${dir}/${n}`);
      expect(await listPaths(store, dir)).toEqual(expected);
      for (const n of accepted) {
        expect(await store.stat(`${dir}/${n}`)).toMatchObject({ path: `${dir}/${n}`, kind: 'file' });
        expect(await text(ctx, `${dir}/${n}`)).toBe(`content of ${n}`);
      }
      expect(await listPaths(store, `${dir}/sub dir #1`)).toEqual([`${dir}/sub dir #1/inner %20?`]);
      expect(await text(ctx, `${dir}/sub dir #1/inner %20?`)).toBe('inner');
    });
  });

  describe('error mapping', () => {
    it('maps missing paths to not-found and bad ranges to invalid-argument', async () => {
      const store = ctx.store();
      const dir = ctx.fresh('errors');
      await putFile(store, `${dir}/f`, bytesOf('abc'), { chunkSize: ctx.chunk() });
      await expectCode(store.stat(`${dir}/nope/deeper`), 'not-found');
      await expectCode(store.remove(`${dir}/nope`, { recursive: true }), 'not-found');
      await expectCode(() => readBytes(store, `${dir}/f`, { offset: 4 }), 'invalid-argument');
      await expectCode(() => readBytes(store, `${dir}/f`, { offset: -1 }), 'invalid-argument');
    });
  });
}
