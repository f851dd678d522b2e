import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bytesOf, expectCode, putFile, readBytes, requireCapability, type SuiteContext } from './helpers.js';

/** Store.append (capabilities.append): in place, keeps metadata, refuses a wrong expected size. */
export function defineAppendTests(ctx: SuiteContext): void {
  describe('append (capabilities.append)', () => {
    it('appends in place, keeps properties, drops the named ones, and refuses a wrong expected size', async (t) => {
      const store = ctx.store();
      const append = store.append?.bind(store);
      requireCapability(t, ctx.name, store.capabilities.append === true && append !== undefined, 'the store cannot append in place');
      if (append === undefined) return;
      const dir = ctx.fresh('append');
      await putFile(store, `${dir}/f`, bytesOf('hello'), { chunkSize: ctx.chunk(), ...(store.capabilities.properties ? { properties: { keep: 'yes', stale: '1' } } : {}) });
      expect(await append(`${dir}/f`, bytesOf(' world'), { expectedSize: 5, removeProperties: ['stale'] })).toBe(11);
      expect(await append(`${dir}/f`, bytesOf('!'))).toBe(12);
      expect(await append(`${dir}/f`, new Uint8Array(0), { expectedSize: 12 })).toBe(12);
      expect(Buffer.from(await readBytes(store, `${dir}/f`)).toString()).toBe('hello world!');
      const entry = await store.stat(`${dir}/f`);
      expect(entry.size).toBe(12);
      // A whole-file MD5 recorded before the append must not survive it.
      if (entry.contentMd5 !== undefined) expect(entry.contentMd5).toBe(createHash('md5').update('hello world!').digest('base64'));
      if (store.capabilities.properties) expect(await store.getProperties(`${dir}/f`)).toEqual({ keep: 'yes' });
      await expectCode(append(`${dir}/f`, bytesOf('x'), { expectedSize: 5 }), 'precondition-failed');
      expect((await store.stat(`${dir}/f`)).size).toBe(12);
      await expectCode(append(`${dir}/missing`, bytesOf('x')), 'not-found');
      await store.mkdir(`${dir}/d`);
      await expectCode(append(`${dir}/d`, bytesOf('x')), 'invalid-argument');
    });
  });
}
