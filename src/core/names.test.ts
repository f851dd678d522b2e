import { describe, expect, it } from 'vitest';
import { nameRejection } from './names.js';
import type { NameRules } from './store.js';

const strict: NameRules = {
  maxSegmentBytes: 255, maxDepth: 59, colon: false, trailingDot: false, onlyWhitespace: false,
  controlCharacters: false, distinctUnicodeForms: true, backslash: true,
};

describe('nameRejection', () => {
  it.each([
    ['a/b.', /ends with '\.'/],
    ['a/   ', /only of spaces or tabs/],
    ['a/x:y', /contains ':'/],
    ['a/x\u0001', /control character/],
    [Array.from({ length: 60 }, () => 'd').join('/'), /60 segments deep/],
    [`a/${'n'.repeat(256)}`, /longer than 255 bytes/],
  ])('rejects %s', (path, why) => {
    expect(nameRejection(path, strict)).toMatch(why);
  });

  it('accepts awkward but legal names', () => {
    for (const p of ['a b/c%d', 'x#y/+z', '.hidden', 'e\u0301', 'é', Array.from({ length: 59 }, () => 'd').join('/')]) {
      expect(nameRejection(p, strict)).toBeUndefined();
    }
  });

  it('accepts everything when the rules allow it', () => {
    const lax: NameRules = { ...strict, colon: true, trailingDot: true, onlyWhitespace: true, controlCharacters: true, maxDepth: 1000 };
    expect(nameRejection('a./ /b:c', lax)).toBeUndefined();
  });
});
