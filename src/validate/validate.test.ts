import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryStore, dropMemoryStore } from '../stores/memory/index.js';
import { parseAclSpec } from '../core/acl.js';
import type { Store } from '../core/store.js';
import { validateStores } from './validate.js';

const names: string[] = [];
function mem(name: string): Store {
  names.push(name);
  return createMemoryStore({ kind: 'memory', name, path: '' });
}
afterEach(() => {
  for (const n of names.splice(0)) dropMemoryStore(n);
});

async function put(store: Store, path: string, text: string): Promise<void> {
  const w = await store.createWriter(path, { overwrite: true });
  const data = Buffer.from(text);
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
