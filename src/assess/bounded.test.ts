import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CappedList, TopN, sizeBucketIndex, sizeBucketLowerBound } from './bounded.js';
import { assignFilesystemNames, deriveFilesystemName, isValidFilesystemName } from './filesystem-name.js';

describe('bounded aggregations', () => {
  it('TopN keeps exactly the largest scores, largest first', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -1000, max: 1000 })), fc.integer({ min: 0, max: 10 }), (scores, n) => {
        const top = new TopN<number>(n);
        for (const s of scores) top.offer(s, s);
        expect(top.sorted()).toEqual([...scores].sort((a, b) => b - a).slice(0, n));
      }),
    );
  });

  it('CappedList counts everything and keeps the first examples', () => {
    const list = new CappedList<number>(3);
    for (let i = 0; i < 10; i++) list.add(i);
    expect(list).toMatchObject({ count: 10, items: [0, 1, 2] });
  });

  it('size buckets are log2 ranges', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 50 }), (size) => {
        const i = sizeBucketIndex(size);
        expect(size).toBeGreaterThanOrEqual(sizeBucketLowerBound(i));
        expect(size).toBeLessThan(sizeBucketLowerBound(i + 1));
      }),
    );
    expect(sizeBucketIndex(0)).toBe(0);
  });
});

describe('filesystem names', () => {
  it('derives a valid name from any folder name, and distinct names for a list', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 80 }), { maxLength: 20 }), (folders) => {
        for (const f of folders) expect(isValidFilesystemName(deriveFilesystemName(f)), JSON.stringify(f)).toBe(true);
        const unique = [...new Set(folders)];
        const names = [...assignFilesystemNames(unique).values()];
        expect(new Set(names).size).toBe(unique.length);
        for (const n of names) expect(isValidFilesystemName(n)).toBe(true);
      }),
    );
    expect(deriveFilesystemName('Sales Data 2024')).toBe('sales-data-2024');
    expect(deriveFilesystemName('Café')).toBe('cafe');
    expect(deriveFilesystemName('x')).toBe('x-fs');
    expect([...assignFilesystemNames(['Raw', 'raw', 'RAW']).values()]).toEqual(['raw', 'raw-2', 'raw-3']);
  });
});
