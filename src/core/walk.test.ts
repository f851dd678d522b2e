import { describe, expect, it } from 'vitest';
import { march } from './walk.js';
import type { Entry } from './entry.js';

const f = (path: string): Entry => ({ path, kind: 'file', size: 1, mtimeMs: 0 });
async function* pages(...ps: Entry[][]): AsyncIterable<Entry[]> {
  for (const p of ps) yield p;
}
async function collect<T>(it: AsyncIterable<T[]>): Promise<T[]> {
  const out: T[] = [];
  for await (const b of it) out.push(...b);
  return out;
}

describe('march', () => {
  it('pairs equal paths and reports one-sided ones in walk order', async () => {
    const items = await collect(
      march(pages([f('a'), f('a/x')], [f('b')]), pages([f('a')], [f('a/y'), f('b'), f('c')]), 2),
    );
    expect(items.map((i) => `${i.path}:${i.left ? 'L' : ''}${i.right ? 'R' : ''}`)).toEqual([
      'a:LR', 'a/x:L', 'a/y:R', 'b:LR', 'c:R',
    ]);
  });

  it('sorts a directory before its descendants and siblings by code unit', async () => {
    const items = await collect(march(pages([f('a'), f('a/b'), f('a b')]), pages([])));
    expect(items.map((i) => i.path)).toEqual(['a', 'a/b', 'a b']);
  });

  it('refuses an out-of-order side instead of giving a wrong answer', async () => {
    await expect(collect(march(pages([f('b'), f('a')]), pages([])))).rejects.toThrow(/out of order/);
  });
});

describe('compareNames', () => {
  it('orders by code point like UTF-8 bytes, not by UTF-16 units', async () => {
    const { compareNames } = await import('./entry.js');
    const names = ['\u{1F600}', '\uFF21', 'a', 'A', ' '];
    const byBytes = [...names].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    expect([...names].sort(compareNames)).toEqual(byBytes);
  });
});

describe('compareWalkOrder', () => {
  it('orders like comparePaths without splitting paths', async () => {
    const { comparePaths } = await import('./entry.js');
    const { compareWalkOrder } = await import('./walk.js');
    const alphabet = ['a', 'b', '/', '.', '-', ' ', '\t', '0', 'A', '~', '\u00e9', '\uFF21', '\u{1F600}', '\u{10FFFF}'];
    let seed = 7;
    const next = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const randomPath = (): string => {
      const segments = Array.from({ length: 1 + next(3) }, () => Array.from({ length: 1 + next(3) }, () => alphabet[next(alphabet.length)]).join('').replaceAll('/', 'c'));
      return segments.join('/');
    };
    const paths = ['', ...Array.from({ length: 250 }, randomPath)];
    const sign = (n: number): number => Math.sign(n);
    for (const x of paths) for (const y of paths) expect(sign(compareWalkOrder(x, y)), `${JSON.stringify(x)} vs ${JSON.stringify(y)}`).toBe(sign(comparePaths(x, y)));
  });
});
