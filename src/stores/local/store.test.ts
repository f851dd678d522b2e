import { chmod, mkdir, mkdtemp, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { aclEquivalent, formatAclSpec, parseAclSpec } from '../../core/acl.js';
import { isStorageError } from '../../core/errors.js';
import type { Entry } from '../../core/entry.js';
import type { Store } from '../../core/store.js';
import { createLocalStore, isSpecialFile } from './index.js';
import { mapOsError } from './errors.js';

let root: string;
let store: Store;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'lakeshift-local-'));
  store = createLocalStore({ kind: 'local', root, path: '' });
});

afterEach(async () => {
  await store.close();
  await chmod(root, 0o700).catch(() => undefined);
  await rm(root, { recursive: true, force: true });
});

async function put(path: string, text: string, contentMd5?: Uint8Array): Promise<Entry> {
  const w = await store.createWriter(path);
  await w.write(0, Buffer.from(text));
  return w.commit({ size: Buffer.byteLength(text), ...(contentMd5 === undefined ? {} : { contentMd5 }) });
}

async function all(path: string, recursive = true): Promise<string[]> {
  const out: string[] = [];
  for await (const page of store.list(path, { recursive })) out.push(...page.map((e) => e.path));
  return out;
}

describe('local store', () => {
  it('does not create the sidecar when only reading', async () => {
    await writeFile(join(root, 'plain'), 'abc');
    expect((await store.stat('plain')).size).toBe(3);
    expect(await all('')).toEqual(['plain']);
    await store.getAcl('plain');
    expect(existsSync(join(root, '.lakeshift'))).toBe(false);
  });

  it('hides the sidecar and in-progress temp files from listings', async () => {
    await put('a/b', 'x');
    await store.setOwner('a/b', 'owner-oid', undefined);
    expect(existsSync(join(root, '.lakeshift', 'meta.sqlite3'))).toBe(true);
    const w = await store.createWriter('a/pending');
    await w.write(0, Buffer.from('partial'));
    expect((await readdir(join(root, 'a'))).some((n) => n.startsWith('.lakeshift-part-'))).toBe(true);
    expect(await all('')).toEqual(['a', 'a/b']);
    await w.abort();
    expect(await readdir(join(root, 'a'))).toEqual(['b']);
    await expect(store.stat('.lakeshift')).rejects.toSatisfy((e) => isStorageError(e, 'invalid-argument'));
  });

  it('stages writers under .lakeshift/tmp when the parent does not exist yet, creating it only at commit', async () => {
    const w = await store.createWriter('new/deep/file');
    await w.write(0, Buffer.from('hello'));
    expect(existsSync(join(root, 'new'))).toBe(false);
    await w.commit({ size: 5 });
    expect(await all('')).toEqual(['new', 'new/deep', 'new/deep/file']);
    expect(await readdir(join(root, '.lakeshift', 'tmp'))).toEqual([]);
  });

  it('skips symlinks and special files and reports them via isSpecialFile', async () => {
    await put('real', 'r');
    await symlink(join(root, 'real'), join(root, 'link'));
    await symlink(root, join(root, 'dirlink'));
    expect(await all('')).toEqual(['real']);
    expect(await isSpecialFile(join(root, 'link'))).toBe(true);
    expect(await isSpecialFile(join(root, 'real'))).toBe(false);
    await expect(store.stat('link')).rejects.toSatisfy((e) => isStorageError(e, 'not-supported'));
  });

  it('keeps mode bits natively, named and default entries in the sidecar, and children inherit', async () => {
    await store.mkdir('d');
    const acl = parseAclSpec('user::rwx,user:bob:r-x,group::r--,other::---,default:user::rwx,default:user:bob:rwx,default:group::r-x,default:other::r-x');
    await store.setAcl('d', acl);
    expect((await stat(join(root, 'd'))).mode & 0o777).toBe(0o750);
    await put('d/child', 'c');
    await store.mkdir('d/sub');
    const child = await store.getAcl('d/child');
    expect(formatAclSpec(child.entries)).toBe('user::rw-,user:bob:rwx,group::r-x,mask::rw-,other::---');
    expect((await stat(join(root, 'd/child'))).mode & 0o777).toBe(0o660);
    const sub = await store.getAcl('d/sub');
    expect(sub.entries.filter((e) => e.scope === 'default')).toHaveLength(5);
    // chmod outside lakeshift stays authoritative for the base entries.
    await chmod(join(root, 'd/child'), 0o600);
    const after = await store.getAcl('d/child');
    expect(after.entries.find((e) => e.type === 'mask')?.perms).toBe(0);
    expect(after.permissions).toBe(0o600);
  });

  it('moves sidecar metadata with renames and forgets it on remove', async () => {
    await put('d/x', 'x');
    await store.setOwner('d/x', 'oid-1', 'oid-2');
    await store.setProperties('d/x', { k: 'v' });
    await store.rename('d', 'e');
    expect(await store.getAcl('e/x')).toMatchObject({ owner: 'oid-1', group: 'oid-2' });
    expect(await store.getProperties('e/x')).toEqual({ k: 'v' });
    await put('d\u00e9\u{1F600}/inner/y', 'y');
    await put('d\u00e9\u{1F600}0', 'sibling');
    await store.setOwner('d\u00e9\u{1F600}/inner/y', 'oid-3', undefined);
    await store.setOwner('d\u00e9\u{1F600}0', 'oid-4', undefined);
    await store.rename('d\u00e9\u{1F600}', 'e/moved');
    expect((await store.getAcl('e/moved/inner/y')).owner).toBe('oid-3');
    expect((await store.getAcl('d\u00e9\u{1F600}0')).owner).toBe('oid-4');
    await store.remove('e', { recursive: true });
    await put('e/x', 'again');
    expect(await store.getProperties('e/x')).toEqual({});
    expect((await store.getAcl('e/x')).owner).not.toBe('oid-1');
  });

  it('reports a recorded Content-MD5 only while the file is unchanged', async () => {
    const md5 = createHash('md5').update('hello').digest();
    await put('f', 'hello', md5);
    expect((await store.stat('f')).contentMd5).toBe(md5.toString('base64'));
    await writeFile(join(root, 'f'), 'changed outside');
    expect((await store.stat('f')).contentMd5).toBeUndefined();
  });

  it('changes the etag when sidecar-only metadata changes', async () => {
    await put('f', 'x');
    const before = (await store.stat('f')).etag;
    await new Promise((r) => setTimeout(r, 15));
    await store.setProperties('f', { a: 'b' });
    expect((await store.stat('f')).etag).not.toBe(before);
  });

  it('maps OS errors to StorageError codes', async () => {
    expect(mapOsError(Object.assign(new Error('x'), { code: 'ENOENT' }), 'p').code).toBe('not-found');
    expect(mapOsError(Object.assign(new Error('x'), { code: 'EEXIST' }), 'p').code).toBe('already-exists');
    expect(mapOsError(Object.assign(new Error('x'), { code: 'ENOTEMPTY' }), 'p').code).toBe('not-empty');
    expect(mapOsError(Object.assign(new Error('x'), { code: 'EPERM' }), 'p').code).toBe('permission-denied');
    const odd = mapOsError(Object.assign(new Error('x'), { code: 'EWEIRD' }), 'p');
    expect([odd.code, odd.retryable]).toEqual(['transient', false]);
    await put('locked/f', 'x');
    await chmod(join(root, 'locked'), 0o000);
    const isRoot = process.getuid?.() === 0;
    if (isRoot) console.info('local store: EACCES check skipped: running as root, permissions are not enforced');
    else await expect(all('locked')).rejects.toSatisfy((e) => isStorageError(e, 'permission-denied'));
    await chmod(join(root, 'locked'), 0o700);
  });

  it('refuses names Linux cannot hold', async () => {
    await expect(store.createWriter('x'.repeat(256))).rejects.toSatisfy((e) => isStorageError(e, 'invalid-argument'));
    await expect(store.mkdir('a\0b')).rejects.toSatisfy((e) => isStorageError(e, 'invalid-argument'));
    await expect(store.stat('/abs')).rejects.toSatisfy((e) => isStorageError(e, 'invalid-argument'));
  });

  it('commits with fsync on and keeps an equivalent ACL after setAcl', async () => {
    await mkdir(join(root, 'pre'));
    await put('pre/f', 'synced');
    const acl = parseAclSpec('user::rw-,group:g1:r--,group::r--,other::---');
    await store.setAcl('pre/f', acl);
    expect(aclEquivalent((await store.getAcl('pre/f')).entries, acl)).toBe(true);
    expect((await store.stat('pre/f')).hasAcl).toBe(true);
  });
});
