import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { comparePaths } from '../core/entry.js';
import { DirectoryStack, type ClosedDirectory } from './directory-stack.js';

interface Item {
  path: string;
  kind: 'file' | 'directory';
  size: number;
  mtimeMs: number;
}

/** Random trees: paths over a tiny alphabet so names collide into shared directories. */
const treeArb = fc
  .array(fc.tuple(fc.array(fc.constantFrom('a', 'b', 'c'), { minLength: 1, maxLength: 4 }), fc.nat(1000), fc.nat(100), fc.boolean()), { maxLength: 40 })
  .map((raw) => {
    const items = new Map<string, Item>();
    for (const [segs, mtime, size, isDir] of raw) {
      for (let i = 1; i < segs.length; i++) {
        const p = segs.slice(0, i).join('/');
        const existing = items.get(p);
        if (existing === undefined) items.set(p, { path: p, kind: 'directory', size: 0, mtimeMs: mtime });
        else if (existing.kind === 'file') return [];
      }
      const p = segs.join('/');
      if (!items.has(p)) items.set(p, { path: p, kind: isDir ? 'directory' : 'file', size: isDir ? 0 : size, mtimeMs: mtime });
    }
    const list = [...items.values()];
    // A file that is also a parent is not a tree: drop such trees.
    if (list.some((x) => x.kind === 'file' && list.some((y) => y.path.startsWith(`${x.path}/`)))) return [];
    return list.sort((x, y) => comparePaths(x.path, y.path));
  });

describe('DirectoryStack', () => {
  it('matches a brute-force computation of subtree totals and maximal inactive folders', () => {
    fc.assert(
      fc.property(treeArb, fc.nat(1000), (items, cutoff) => {
        const closed: ClosedDirectory[] = [];
        const stack = new DirectoryStack({ inactiveBeforeMs: cutoff, topInactive: 1000, onClose: (d) => closed.push(d) });
        for (const it of items) stack.add(it.path, it.kind, it.size, it.mtimeMs);
        stack.finish();

        const dirs = items.filter((x) => x.kind === 'directory');
        const under = (p: string): Item[] => items.filter((x) => x.path.startsWith(`${p}/`));
        expect(closed.map((d) => d.path).sort()).toEqual(dirs.map((d) => d.path).sort());
        for (const d of closed) {
          const sub = under(d.path);
          expect(d.subtreeFiles).toBe(sub.filter((x) => x.kind === 'file').length);
          expect(d.subtreeBytes).toBe(sub.reduce((s, x) => s + x.size, 0));
          expect(d.isEmpty).toBe(sub.length === 0);
        }
        const newest = (d: Item): number => Math.max(d.mtimeMs, ...under(d.path).map((x) => x.mtimeMs));
        const inactive = new Set(dirs.filter((d) => newest(d) < cutoff).map((d) => d.path));
        const maximal = [...inactive].filter((p) => !p.includes('/') || !inactive.has(p.slice(0, p.lastIndexOf('/'))));
        expect(stack.inactive.count).toBe(maximal.length);
        expect(stack.inactiveTop.sorted().map((f) => f.path).sort()).toEqual(maximal.sort());
      }),
      { numRuns: 300 },
    );
  });
});
