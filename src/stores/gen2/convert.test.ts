import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeProperties, encodeProperties, modeFromPermissions, octalMode, permissionsFromMode } from './convert.js';
import { findCoverageProblem } from './writer.js';
import { checkCreatablePath, gen2NameRules } from './names.js';
import { isStorageError } from '../../core/index.js';

describe('properties encoding for blob metadata', () => {
  it('round trips any keys and values, with metadata-safe encoded names', () => {
    fc.assert(fc.property(fc.dictionary(fc.string({ minLength: 1, maxLength: 20 }), fc.string({ maxLength: 40 })), (props) => {
      const encoded = encodeProperties(props);
      for (const [k, v] of Object.entries(encoded)) {
        expect(k).toMatch(/^[a-z_][a-z0-9_]*$/);
        expect(v).toMatch(/^[\x20-\x7e]*$/);
      }
      // The service lowercases metadata names on the way back; decoding must not care.
      const echoed = Object.fromEntries(Object.entries(encoded).map(([k, v]) => [k.toLowerCase(), v]));
      expect(decodeProperties(echoed)).toEqual(props);
    }));
  });

  it('keeps plain identifiers readable and hides the directory marker', () => {
    expect(encodeProperties({ lakeshift_mtime: '1700000000000' })).toEqual({ lakeshift_mtime: '1700000000000' });
    expect(decodeProperties({ hdi_isfolder: 'true', a: 'b' })).toEqual({ a: 'b' });
    expect(Object.keys(encodeProperties({ hdi_isfolder: 'x' }))[0]).not.toBe('hdi_isfolder');
  });
});

describe('modes', () => {
  it('round trips every 10-bit mode through PathPermissions', () => {
    for (let mode = 0; mode <= 0o1777; mode++) expect(modeFromPermissions(permissionsFromMode(mode))).toBe(mode);
    expect(octalMode(0o1750)).toBe('1750');
    expect(octalMode(0o640)).toBe('0640');
  });
});

describe('writer coverage check', () => {
  it('accepts an exact tiling in any order and names gaps, overlaps and size mismatches', () => {
    expect(findCoverageProblem([{ offset: 5, length: 5 }, { offset: 0, length: 5 }], 10)).toBeUndefined();
    expect(findCoverageProblem([], 0)).toBeUndefined();
    expect(findCoverageProblem([{ offset: 0, length: 4 }, { offset: 5, length: 5 }], 10)).toContain('never written');
    expect(findCoverageProblem([{ offset: 0, length: 6 }, { offset: 5, length: 5 }], 10)).toContain('twice');
    expect(findCoverageProblem([{ offset: 0, length: 10 }], 11)).toContain('not the declared size 11');
  });
});

describe('Gen2 name rules', () => {
  it('refuses what Gen2 alters or rejects, relative to the store base path', () => {
    const rules = gen2NameRules('lake/data');
    expect(rules.maxDepth).toBe(57);
    expect(rules.maxPathLength).toBe(1024 - 'lake/data/'.length);
    for (const bad of ['a/b.', '   ', 'x/\u0001y', Array.from({ length: 58 }, () => 'd').join('/'), 'n'.repeat(1015)]) {
      let err: unknown;
      try { checkCreatablePath(bad, rules); } catch (e) { err = e; }
      expect(isStorageError(err, 'invalid-argument'), bad.slice(0, 30)).toBe(true);
    }
    for (const ok of ['a:b', 'x y/#?%+', 'é/e\u0301', '.hidden', 'back\\slash']) checkCreatablePath(ok, rules);
  });
});
