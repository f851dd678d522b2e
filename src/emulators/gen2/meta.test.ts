import { afterEach, describe, expect, it } from 'vitest';
import { MetaDb, type NewPath } from './meta.js';

let db: MetaDb | undefined;
afterEach(() => db?.close());

const open = (): MetaDb => (db = new MetaDb(undefined));

function item(fs: string, path: string, isDir: boolean): NewPath {
  const i = path.lastIndexOf('/');
  return {
    account: 'acct', fs, path, parent: i < 0 ? '' : path.slice(0, i), is_dir: isDir ? 1 : 0, size: 0, etag: 'e', modified: 0, created: 0,
    owner: 'o', grp: 'g', acl: '', default_acl: '', sticky: 0, metadata: '{}', headers: '{}', md5: null, extents: '[]', lease: null,
  };
}

function pathsOf(m: MetaDb, fs: string): { path: string; parent: string }[] {
  return m.byPrefix('acct', fs, '', '', 100).map((r) => ({ path: r.path, parent: r.parent }));
}

describe('MetaDb.movePath', () => {
  it('moves the item, its subtree and its uncommitted blocks, and nothing that only shares the prefix', () => {
    const m = open();
    for (const [p, dir] of [['a', true], ['a/b', true], ['a/b/c', false], ['a.txt', false], ['a0', false], ['ab', false], ['x', true]] as const) m.insertPath(item('fs', p, dir));
    m.putBlock('acct', 'fs', 'a/b/staged', 'id1', 'chunk1', 1);
    m.putBlock('acct', 'fs', 'a.txt', 'id2', 'chunk2', 1);
    const row = m.getPath('acct', 'fs', 'a');
    if (!row) throw new Error('fixture row missing');
    m.tx(() => m.movePath(row, 'fs', 'x/y', 'x'));
    expect(pathsOf(m, 'fs')).toEqual([
      { path: 'a.txt', parent: '' }, { path: 'a0', parent: '' }, { path: 'ab', parent: '' },
      { path: 'x', parent: '' }, { path: 'x/y', parent: 'x' }, { path: 'x/y/b', parent: 'x/y' }, { path: 'x/y/b/c', parent: 'x/y/b' },
    ]);
    expect(m.blocks('acct', 'fs', 'x/y/b/staged').map((b) => b.block_id)).toEqual(['id1']);
    expect(m.blocks('acct', 'fs', 'a/b/staged')).toEqual([]);
    expect(m.blocks('acct', 'fs', 'a.txt').map((b) => b.block_id)).toEqual(['id2']);
  });

  it('cuts names with characters outside the BMP at the right place and moves across filesystems', () => {
    const m = open();
    for (const [p, dir] of [['\u{1F600}', true], ['\u{1F600}/\u{1F4A9}', true], ['\u{1F600}/\u{1F4A9}/f', false]] as const) m.insertPath(item('one', p, dir));
    m.insertPath(item('two', '', true));
    const row = m.getPath('acct', 'one', '\u{1F600}');
    if (!row) throw new Error('fixture row missing');
    m.tx(() => m.movePath(row, 'two', 'z', ''));
    expect(pathsOf(m, 'one')).toEqual([]);
    expect(pathsOf(m, 'two')).toEqual([{ path: 'z', parent: '' }, { path: 'z/\u{1F4A9}', parent: 'z' }, { path: 'z/\u{1F4A9}/f', parent: 'z/\u{1F4A9}' }]);
  });
});

describe('MetaDb reference counts', () => {
  it('replaceStaged changes counts by their net amount and reports chunks nobody references', () => {
    const m = open();
    const id = m.insertPath(item('fs', 'f', false));
    expect(m.putStaged(id, 0, 'c1', 4)).toEqual([]);
    expect(m.putStaged(id, 4, 'c2', 4)).toEqual([]);
    expect(m.putStaged(id, 8, 'c3', 4)).toEqual([]);
    // c1 and part of c2 committed, the rest of c2 kept staged, c3 dropped.
    const old = m.staged(id);
    const dead = m.replaceStaged(id, old, [{ position: 6, chunk: 'c2', chunk_off: 2, len: 2 }], ['c1', 'c2']);
    expect(dead).toEqual(['c3']);
    expect(m.staged(id)).toEqual([{ position: 6, chunk: 'c2', chunk_off: 2, len: 2 }]);
    // c1: one reference (extent); c2: two (extent and staged row).
    expect(m.adjustRefs([], ['c1'])).toEqual(['c1']);
    expect(m.adjustRefs([], ['c2'])).toEqual([]);
    expect(m.adjustRefs([], ['c2'])).toEqual(['c2']);
  });
});

describe('MetaDb filesystem rows', () => {
  it('serves filesystem rows that follow updates, deletes and rolled-back transactions', () => {
    const m = open();
    const row = { account: 'acct', name: 'fs', etag: 'e1', modified: 1, created: 1, metadata: '{}', lease: null };
    m.insertFs(row);
    expect(m.getFs('acct', 'fs')?.etag).toBe('e1');
    m.updateFs({ ...row, etag: 'e2' });
    expect(m.getFs('acct', 'fs')?.etag).toBe('e2');
    expect(() =>
      m.tx(() => {
        m.updateFs({ ...row, etag: 'e3' });
        expect(m.getFs('acct', 'fs')?.etag).toBe('e3');
        throw new Error('roll back');
      }),
    ).toThrow('roll back');
    expect(m.getFs('acct', 'fs')?.etag).toBe('e2');
    m.tx(() => m.deleteFs('acct', 'fs'));
    expect(m.getFs('acct', 'fs')).toBeUndefined();
    m.insertFs({ ...row, etag: 'e4' });
    expect(m.getFs('acct', 'fs')?.etag).toBe('e4');
  });
});
