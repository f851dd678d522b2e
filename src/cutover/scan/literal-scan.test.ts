import { describe, expect, it } from 'vitest';
import { PREFILTER_LITERALS } from './engine.js';
import { createAnyCaseFinder } from './literal-scan.js';

/**
 * The SIMD finder must report exactly the offsets where a literal starts in any letter case, as a
 * case-insensitive search of the Latin-1 text does: at every position of a 16-byte block, across
 * block boundaries, up to `end` and not past it, for literals shorter and longer than the four bytes
 * the loop compares.
 */
let seed = 7;
const rand = (n: number): number => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed % n;
};

/** Every start of a literal in [from, end) (the whole literal inside), in any ASCII letter case. */
function expectedStarts(bytes: Buffer, end: number, literals: readonly string[]): number[] {
  const text = bytes.toString('latin1', 0, end).replace(/[A-Z]/g, (c) => c.toLowerCase());
  const out: number[] = [];
  for (let i = 0; i < end; i++) if (literals.some((l) => text.startsWith(l, i))) out.push(i);
  return out;
}

function allStarts(find: (from: number, end: number) => number, end: number): number[] {
  const out: number[] = [];
  for (let at = find(0, end); at >= 0; at = find(at + 1, end)) out.push(at);
  return out;
}

/** Random bytes rich in the literals' letters (either case), other ASCII, high Latin-1 bytes and literal pieces. */
function randomBytes(length: number, literals: readonly string[]): Buffer {
  const alphabet = 'adlskeADLSKE.:/-_ x\n\u00c1\u00e1\u00ff';
  const parts: string[] = [];
  let n = 0;
  while (n < length) {
    let piece: string;
    if (rand(6) === 0) {
      const l = literals[rand(literals.length)] as string;
      piece = [...l].map((c) => (rand(2) === 0 ? c.toUpperCase() : c)).join('').slice(0, 1 + rand(l.length));
    } else {
      piece = alphabet[rand(alphabet.length)] as string;
    }
    parts.push(piece);
    n += piece.length;
  }
  return Buffer.from(parts.join('').slice(0, length), 'latin1');
}

describe('any-case SIMD finder', () => {
  const capacity = 1 << 16;

  it('finds exactly the starts of the prefilter literals, in any case, at every offset and up to end', () => {
    const literals = PREFILTER_LITERALS.anyCase;
    const finder = createAnyCaseFinder(literals, capacity);
    expect(finder, 'WebAssembly SIMD is available on Node 20').toBeDefined();
    if (finder === undefined) return;
    let compared = 0;
    for (let round = 0; round < 200; round++) {
      const bytes = randomBytes(1 + rand(700), literals);
      bytes.copy(finder.buffer);
      // Stale bytes after `end` that would complete a literal must not count.
      finder.buffer.write('dlsake', bytes.length, 'latin1');
      const end = rand(bytes.length + 1);
      const want = expectedStarts(bytes, end, literals);
      expect(allStarts((f, e) => finder.find(f, e), end)).toEqual(want);
      compared += want.length;
    }
    expect(compared).toBeGreaterThan(500);
  });

  it('handles literals longer than four bytes, with non-letters, and a literal at the last byte of a block', () => {
    const literals = ['azuredatalakestore', 'fs.adl', 'adl:/', 'x'];
    const finder = createAnyCaseFinder(literals, capacity);
    if (finder === undefined) throw new Error('no WebAssembly SIMD');
    for (let round = 0; round < 200; round++) {
      const bytes = randomBytes(1 + rand(500), ['azuredatalakestore', 'azuredata', 'fs.adl', 'fs,adl', 'adl:/', 'adl;/']);
      bytes.copy(finder.buffer);
      const end = bytes.length;
      expect(allStarts((f, e) => finder.find(f, e), end)).toEqual(expectedStarts(bytes, end, literals));
    }
    const block = Buffer.alloc(64, 0x20);
    block.write('X', 15, 'latin1');
    block.write('fS.AdL', 30, 'latin1');
    block.copy(finder.buffer);
    expect(allStarts((f, e) => finder.find(f, e), 64)).toEqual([15, 30]);
    // Folding is exact: '@' and '`' are not letters, so '@' does not match a literal's '`' or vice versa.
    const folded = createAnyCaseFinder(['a`b'], capacity);
    if (folded === undefined) throw new Error('no WebAssembly SIMD');
    folded.buffer.write('A@B a`b', 0, 'latin1');
    expect(allStarts((f, e) => folded.find(f, e), 7)).toEqual([4]);
  });

  it('refuses an end past its capacity and literals that are not lower-case printable ASCII', () => {
    const finder = createAnyCaseFinder(['adl'], 1024);
    expect(() => finder?.find(0, 1025)).toThrow(/capacity/);
    expect(() => createAnyCaseFinder(['ADL'], 1024)).toThrow(/lower-case/);
    expect(() => createAnyCaseFinder(['a\nb'], 1024)).toThrow(/lower-case/);
    expect(createAnyCaseFinder([], 1024)).toBeUndefined();
  });
});
