import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { formatAclSpec, parseAclSpec } from '../../core/acl.js';
import { isStorageError } from '../../core/errors.js';
import type { Store } from '../../core/store.js';
import { createMemoryStore, dropMemoryStore } from './index.js';

const names: string[] = [];
function open(path = '', options = {}): { name: string; store: Store } {
  const name = `unit-${randomUUID()}`;
  names.push(name);
  return { name, store: createMemoryStore({ kind: 'memory', name, path }, options) };
}

afterEach(() => {
  for (const n of names.splice(0)) dropMemoryStore(n);
});

async function put(store: Store, path: string, text: string, permissions?: number): Promise<void> {
  const w = await store.createWriter(path, permissions === undefined ? {} : { permissions });
  await w.write(0, Buffer.from(text));
  await w.commit({ size: Buffer.byteLength(text) });
}

describe('memory store', () => {
  it('shares one tree between stores of the same name until dropped', async () => {
    const { name, store } = open();
    await put(store, 'data/f', 'shared');
    const sub = createMemoryStore({ kind: 'memory', name, path: 'data' });
    expect((await sub.stat('f')).size).toBe(6);
    expect(await store.stat('data')).toMatchObject({ kind: 'directory' });
    dropMemoryStore(name);
    const fresh = createMemoryStore({ kind: 'memory', name, path: '' });
    await expect(fresh.stat('data')).rejects.toSatisfy((e) => isStorageError(e, 'not-found'));
  });

  it('creates the base path and scopes every path under it', async () => {
    const { name, store } = open('a/b');
    expect((await store.stat('')).kind).toBe('directory');
    await put(store, 'x', '1');
    const whole = createMemoryStore({ kind: 'memory', name, path: '' });
    const paths: string[] = [];
    for await (const page of whole.list('', { recursive: true })) paths.push(...page.map((e) => e.path));
    expect(paths).toEqual(['a', 'a/b', 'a/b/x']);
    expect(store.displayUri).toBe(`memory://${name}/a/b`);
  });

  it('applies the umask only without explicit permissions, owner $superuser by default', async () => {
    const { store } = open();
    await put(store, 'default', 'x');
    await put(store, 'explicit', 'x', 0o666);
    await store.mkdir('dir');
    expect(await store.stat('default')).toMatchObject({ permissions: 0o640, owner: '$superuser', group: '$superuser' });
    expect((await store.stat('explicit')).permissions).toBe(0o666);
    expect((await store.stat('dir')).permissions).toBe(0o750);
    const other = open('', { umask: 0o022, owner: 'me', group: 'us' }).store;
    await put(other, 'f', 'x');
    expect(await other.stat('f')).toMatchObject({ permissions: 0o644, owner: 'me', group: 'us' });
  });

  it('inherits a default ACL into new files and (implicit) directories', async () => {
    const { store } = open();
    await store.mkdir('p');
    await store.setAcl('p', parseAclSpec('user::rwx,group::r-x,other::---,default:user::rwx,default:group:g:r-x,default:group::r--,default:other::rwx'));
    await put(store, 'p/q/f', 'x');
    expect(formatAclSpec((await store.getAcl('p/q')).entries)).toBe(
      'user::rwx,group::r--,group:g:r-x,mask::r-x,other::---,default:user::rwx,default:group::r--,default:group:g:r-x,default:mask::r-x,default:other::rwx',
    );
    expect(formatAclSpec((await store.getAcl('p/q/f')).entries)).toBe('user::rw-,group::r--,group:g:r-x,mask::r--,other::---');
  });

  it('refuses to remove or rename the root, to move a directory into itself, and writers after commit', async () => {
    const { store } = open();
    await put(store, 'd/f', 'x');
    await expect(store.remove('', { recursive: true })).rejects.toSatisfy((e) => isStorageError(e, 'invalid-argument'));
    await expect(store.rename('d', 'd/inner')).rejects.toSatisfy((e) => isStorageError(e, 'invalid-argument'));
    await expect(store.stat('d/')).rejects.toSatisfy((e) => isStorageError(e, 'invalid-argument'));
    const w = await store.createWriter('g');
    await w.commit({ size: 0 });
    await expect(w.write(0, Buffer.from('late'))).rejects.toSatisfy((e) => isStorageError(e, 'invalid-argument'));
    await expect(w.commit({ size: 0 })).rejects.toSatisfy((e) => isStorageError(e, 'invalid-argument'));
  });

  it('keeps the ACL, owner and properties of a renamed file and changes its etag', async () => {
    const { store } = open();
    await put(store, 'f', 'x');
    await store.setOwner('f', 'o', 'g');
    await store.setProperties('f', { k: 'v' });
    const before = (await store.stat('f')).etag;
    await store.rename('f', 'deep/g');
    const after = await store.stat('deep/g');
    expect(after).toMatchObject({ owner: 'o', group: 'g' });
    expect(after.etag).not.toBe(before);
    expect(await store.getProperties('deep/g')).toEqual({ k: 'v' });
  });
});
