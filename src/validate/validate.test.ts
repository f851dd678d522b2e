import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryStore, dropMemoryStore } from '../stores/memory/index.js';
import { parseAclSpec } from '../core/acl.js';
import { StorageError } from '../core/errors.js';
import type { Entry } from '../core/entry.js';
import type { ListOptions, ReadRange, Store } from '../core/store.js';
import { RANGE_BYTES } from './content-compare.js';
import { validateStores } from './validate.js';

const names: string[] = [];
function mem(name: string): Store {
  names.push(name);
  return createMemoryStore({ kind: 'memory', name, path: '' });
}
afterEach(() => {
  for (const n of names.splice(0)) dropMemoryStore(n);
});

async function put(store: Store, path: string, text: string | Uint8Array): Promise<void> {
  const w = await store.createWriter(path, { overwrite: true });
  const data = typeof text === 'string' ? Buffer.from(text) : text;
  if (data.length > 0) await w.write(0, data);
  await w.commit({ size: data.length });
}

async function twin(): Promise<{ a: Store; b: Store }> {
  const a = mem(`va-${Math.random()}`);
  const b = mem(`vb-${Math.random()}`);
  for (const s of [a, b]) {
    await s.mkdir('d/empty');
    await put(s, 'd/x.txt', 'hello');
    await put(s, 'top', '');
    await s.setAcl('d', parseAclSpec('user::rwx,user:u1:r-x,group::r-x,mask::r-x,other::---,default:user::rwx,default:group::r-x,default:other::---'));
    await s.setOwner('d/x.txt', 'oid-owner', 'oid-group');
  }
  return { a, b };
}

describe('validateStores', () => {
  it('reports no differences for identical trees, with checksums and ACLs', async () => {
    const { a, b } = await twin();
    const r = await validateStores(a, b, { checksum: true });
    expect(r.differences).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.checked).toMatchObject({ files: 2, directories: 2 });
    expect(r.checked.bytesHashed).toBe(10);
  });

  it('finds missing, extra, type, size and content differences', async () => {
    const { a, b } = await twin();
    await put(a, 'only-source', 'x');
    await put(b, 'only-dest', 'x');
    await b.remove('top');
    await b.mkdir('top');
    await put(b, 'd/x.txt', 'HELLO');
    await b.setOwner('d/x.txt', 'oid-owner', 'oid-group');
    const r = await validateStores(a, b, { checksum: true, acl: false, owner: false });
    const kinds = r.differences.map((d) => `${d.kind}:${d.path}`).sort();
    expect(kinds).toEqual(['checksum:d/x.txt', 'extra:only-dest', 'missing:only-source', 'type:top']);
    expect(r.ok).toBe(false);
    await put(b, 'd/x.txt', 'hello!');
    const r2 = await validateStores(a, b, { acl: false, owner: false });
    expect(r2.byKind.size).toBe(1);
  });

  it('finds owner, permission and ACL differences, and maps identities', async () => {
    const { a, b } = await twin();
    await b.setOwner('d/x.txt', 'other-owner', undefined);
    await b.setPermissions('d/x.txt', 0o600);
    await b.setAcl('d', parseAclSpec('user::rwx,user:u2:r-x,group::r-x,mask::r-x,other::---'));
    const r = await validateStores(a, b);
    const kinds = r.differences.map((d) => `${d.kind}:${d.path}`).sort();
    expect(kinds).toContain('owner:d/x.txt');
    expect(kinds).toContain('permissions:d/x.txt');
    expect(kinds).toContain('acl:d');
    const mapped = await validateStores(a, b, { identityMap: new Map([['oid-owner', 'other-owner']]), permissions: false, acl: false });
    expect(mapped.differences.filter((d) => d.kind === 'owner')).toEqual([]);
  });

  it('samples deterministically and counts what it left out', async () => {
    const { a, b } = await twin();
    for (let i = 0; i < 50; i++) {
      await put(a, `s/f${i}`, `${i}`);
      await put(b, `s/f${i}`, `${i}`);
    }
    const r1 = await validateStores(a, b, { samplePercent: 20 });
    const r2 = await validateStores(a, b, { samplePercent: 20 });
    expect(r1.checked.files).toBe(r2.checked.files);
    expect(r1.checked.files + r1.checked.notSampled).toBe(52);
    expect(r1.checked.files).toBeGreaterThan(0);
    expect(r1.checked.files).toBeLessThan(52);
  });

  it('treats source names the destination cannot hold as expected-missing, not as differences', async () => {
    const { a, b } = await twin();
    await put(a, 'bad./inner', 'x');
    const strict: Store = new Proxy(b, {
      get(target, prop, receiver) {
        if (prop === 'capabilities') return { ...target.capabilities, names: { ...target.capabilities.names, trailingDot: false } };
        return Reflect.get(target, prop, receiver) as unknown;
      },
    });
    const r = await validateStores(a, strict, {});
    expect(r.differences).toEqual([]);
    expect(r.skippedByName.count).toBe(2);
    expect(r.skippedByName.examples[0]?.reason).toMatch(/ends with '\.'/);
  });
});

interface Observed {
  store: Store;
  getAcl: string[];
  reads: { path: string; range: ReadRange | undefined }[];
}

/**
 * Wraps a store: records getAcl and openRead calls; `listed` may rewrite each listed entry (to act
 * like a listing that reports less than the memory store does); `read` may replace openRead.
 */
function observe(inner: Store, hooks: { listed?: (e: Entry) => Entry; read?: Store['openRead'] } = {}): Observed {
  const seen: Observed = { store: inner, getAcl: [], reads: [] };
  seen.store = new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === 'getAcl') {
        return (path: string, options?: object) => {
          seen.getAcl.push(path);
          return target.getAcl(path, options);
        };
      }
      if (prop === 'openRead') {
        return (path: string, range?: ReadRange, options?: object) => {
          seen.reads.push({ path, range });
          return hooks.read !== undefined ? hooks.read(path, range, options) : target.openRead(path, range, options);
        };
      }
      if (prop === 'list' && hooks.listed !== undefined) {
        const rewrite = hooks.listed;
        return async function* (path: string, options?: ListOptions) {
          for await (const page of target.list(path, options)) yield page.map(rewrite);
        };
      }
      return Reflect.get(target, prop, receiver) as unknown;
    },
  });
  return seen;
}

const md5 = (data: Uint8Array): string => createHash('md5').update(data).digest('base64');

function pattern(n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + (i >> 11)) & 0xff;
  return b;
}

describe('validateStores: ACLs from listings', () => {
  it('does not fetch ACLs of files whose listings show no extended ACL, but always of directories', async () => {
    const { a, b } = await twin();
    const oa = observe(a);
    const ob = observe(b);
    const r = await validateStores(oa.store, ob.store, { checksum: true });
    expect(r.differences).toEqual([]);
    // The root, 'd' and 'd/empty'; files 'd/x.txt' and 'top' come from the listings.
    expect(oa.getAcl.sort()).toEqual(['', 'd', 'd/empty']);
    expect(ob.getAcl.sort()).toEqual(['', 'd', 'd/empty']);
  });

  it('reports an ACL difference on a file, whichever side has the extended ACL', async () => {
    for (const side of ['source', 'dest'] as const) {
      const { a, b } = await twin();
      await (side === 'source' ? a : b).setAcl('d/x.txt', parseAclSpec('user::rw-,user:u9:r--,group::r--,mask::r--,other::---'));
      const r = await validateStores(a, b);
      expect(r.differences.map((d) => `${d.kind}:${d.path}`)).toContain('acl:d/x.txt');
    }
  });

  it('fetches the ACLs of a file when a listing does not say whether it has an extended ACL', async () => {
    const { a, b } = await twin();
    await b.setAcl('d/x.txt', parseAclSpec('user::rw-,user:u9:r--,group::r--,mask::r--,other::---'));
    // A listing that leaves hasAcl out: validate cannot trust the mode bits alone.
    const ob = observe(b, { listed: ({ hasAcl: _drop, ...rest }) => rest });
    const r = await validateStores(a, ob.store);
    expect(ob.getAcl).toContain('d/x.txt');
    expect(r.differences.map((d) => `${d.kind}:${d.path}`)).toContain('acl:d/x.txt');
  });

  it('reports a default-ACL difference on a directory even when both listings say no extended ACL', async () => {
    const { a, b } = await twin();
    await a.mkdir('p');
    await b.mkdir('p');
    await b.setAcl('p', parseAclSpec('user::rwx,group::r-x,other::---,default:user::rwx,default:user:u7:r-x,default:group::r-x,default:mask::r-x,default:other::---'));
    // Like Gen2 listings, whose '+' marks extended access entries only: a default ACL does not show.
    const quiet = (e: Entry): Entry => (e.kind === 'directory' ? { ...e, hasAcl: false } : e);
    const r = await validateStores(observe(a, { listed: quiet }).store, observe(b, { listed: quiet }).store);
    expect(r.differences.map((d) => `${d.kind}:${d.path}`)).toEqual(['acl:p']);
  });

  it('reports changed mode bits as an ACL difference when permissions are not compared on their own', async () => {
    const { a, b } = await twin();
    await b.setPermissions('top', 0o600);
    const withPerms = await validateStores(a, b);
    expect(withPerms.differences.filter((d) => d.path === 'top').map((d) => d.kind)).toEqual(['permissions']);
    const aclOnly = await validateStores(a, b, { permissions: false });
    expect(aclOnly.differences.filter((d) => d.path === 'top').map((d) => d.kind)).toEqual(['acl']);
    const neither = await validateStores(a, b, { permissions: false, acl: false });
    expect(neither.differences.filter((d) => d.path === 'top')).toEqual([]);
  });
});

describe('validateStores: content', () => {
  it('reads each side with the size the listing gave, in ranges for large files', async () => {
    const { a, b } = await twin();
    const size = 2 * RANGE_BYTES + 5;
    const data = pattern(size);
    await put(a, 'big', data);
    await put(b, 'big', data);
    await put(a, 'empty', '');
    await put(b, 'empty', '');
    const oa = observe(a);
    const ob = observe(b);
    const r = await validateStores(oa.store, ob.store, { checksum: true });
    expect(r.ok).toBe(true);
    expect(r.checked.bytesHashed).toBe(2 * (size + 5));
    for (const o of [oa, ob]) {
      const ranges = o.reads.map((x) => `${x.path}@${x.range?.offset}+${x.range?.length}`).sort();
      // No read without a length, none of the empty file.
      expect(ranges).toEqual([`big@${2 * RANGE_BYTES}+5`, `big@${RANGE_BYTES}+${RANGE_BYTES}`, `big@0+${RANGE_BYTES}`, 'd/x.txt@0+5'].sort());
    }
  });

  it('reports a difference in any range of a large file with both whole-file MD5s', async () => {
    const { a, b } = await twin();
    const size = 2 * RANGE_BYTES + 5;
    const data = pattern(size);
    await put(a, 'big', data);
    for (const at of [0, RANGE_BYTES - 1, RANGE_BYTES + 17, size - 1]) {
      const other = Buffer.from(data);
      other[at] = (other[at] ?? 0) ^ 0x10;
      await put(b, 'big', other);
      const r = await validateStores(a, b, { checksum: true });
      expect(r.differences).toEqual([{ path: 'big', kind: 'checksum', expected: md5(data), actual: md5(other), detail: 'the content differs (MD5)' }]);
    }
  });

  it('reports an error, not a pass, when ranged reads differ but whole files match', async () => {
    const { a, b } = await twin();
    // A destination whose ranged reads come back short: a store fault or a file changing meanwhile.
    const ob = observe(b, {
      read: async (path, range, options) => {
        const stream = await b.openRead(path, range, options);
        if (range?.length === undefined) return stream;
        return (async function* () {
          for await (const part of stream) yield part.subarray(0, Math.max(0, part.byteLength - 1));
        })();
      },
    });
    const r = await validateStores(a, ob.store, { checksum: true, acl: false });
    expect(r.ok).toBe(false);
    expect(r.differences.map((d) => `${d.kind}:${d.path}`)).toEqual(['error:d/x.txt']);
    expect(r.differences[0]?.detail).toMatch(/changed during validation/);
  });

  it('turns a failing read into an error difference and checks the other files', async () => {
    const { a, b } = await twin();
    await put(a, 'other', 'same');
    await put(b, 'other', 'same');
    const ob = observe(b, {
      read: async (path, range, options) => {
        if (path === 'd/x.txt') throw new Error('disk on fire');
        return b.openRead(path, range, options);
      },
    });
    const r = await validateStores(a, ob.store, { checksum: true });
    expect(r.differences.map((d) => `${d.kind}:${d.path}`)).toEqual(['error:d/x.txt']);
    expect(r.differences[0]?.detail).toMatch(/disk on fire/);
    expect(ob.reads.map((x) => x.path)).toContain('other');
  });

  it('throws cancelled when the signal is aborted', async () => {
    const { a, b } = await twin();
    const controller = new AbortController();
    controller.abort();
    await expect(validateStores(a, b, { checksum: true, signal: controller.signal })).rejects.toMatchObject({ code: 'cancelled' });
  });
});

describe('validateStores: order across listing pages', () => {
  it('skips descendants of a directory the destination cannot hold when they come in a later page', async () => {
    const a = mem(`va-${Math.random()}`);
    const b = mem(`vb-${Math.random()}`);
    // 999 files sort before 'bad.', so 'bad.' ends the first page of 1000 and 'bad./inner' starts the next.
    for (let i = 0; i < 999; i++) {
      const name = `a${String(i).padStart(4, '0')}`;
      await put(a, name, 'x');
      await put(b, name, 'x');
    }
    await put(a, 'bad./inner', 'x');
    const strict: Store = new Proxy(b, {
      get(target, prop, receiver) {
        if (prop === 'capabilities') return { ...target.capabilities, names: { ...target.capabilities.names, trailingDot: false } };
        return Reflect.get(target, prop, receiver) as unknown;
      },
    });
    const r = await validateStores(a, strict, { concurrency: 4 });
    expect(r.differences).toEqual([]);
    expect(r.skippedByName.count).toBe(2);
    expect(r.checked.files).toBe(999);
  });
});

describe('validateStores: passing errors', () => {
  /** A store whose first `failures` getProperties/openRead calls throw the given error. */
  function flaky(store: Store, failures: number, code: 'transient' | 'permission-denied'): Store {
    let left = failures;
    const fail = (): void => {
      if (left > 0) {
        left--;
        throw new StorageError(code, `injected ${code}`);
      }
    };
    return new Proxy(store, {
      get(target, prop, receiver) {
        const value: unknown = Reflect.get(target, prop, receiver);
        if ((prop === 'getProperties' || prop === 'openRead') && typeof value === 'function') {
          return async (...args: unknown[]) => {
            fail();
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          };
        }
        return value;
      },
    });
  }

  it('compares a pair again after a retryable error and reports nothing twice', async () => {
    const { a, b } = await twin();
    await put(b, 'top', 'z');
    await put(b, 'd/x.txt', 'HELLO');
    await b.setOwner('d/x.txt', 'oid-owner', 'oid-group');
    const report = await validateStores(a, flaky(b, 2, 'transient'), { checksum: true });
    expect(report.byKind.error ?? 0).toBe(0);
    // The real differences are found once each, not once per attempt.
    expect(report.differences.map((d) => `${d.path} ${d.kind}`).sort()).toEqual(['d/x.txt checksum', 'top size']);
  });

  it('reports a pair as an error when the error is not retryable, or keeps coming back', async () => {
    const { a, b } = await twin();
    const denied = await validateStores(a, flaky(b, 1, 'permission-denied'), { checksum: true });
    expect(denied.byKind.error).toBe(1);
    const persistent = await validateStores(a, flaky(b, 100, 'transient'), { checksum: true });
    expect(persistent.byKind.error ?? 0).toBeGreaterThan(0);
    expect(persistent.differences.every((d) => d.kind === 'error' && d.detail?.includes('injected transient'))).toBe(true);
  });
});
