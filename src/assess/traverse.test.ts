import { describe, expect, it } from 'vitest';
import { readAhead } from './traverse.js';

async function* numbers(n: number, log: string[], failAt?: number): AsyncIterable<number> {
  try {
    for (let i = 0; i < n; i++) {
      log.push(`produce ${i}`);
      if (i === failAt) throw new Error(`boom at ${i}`);
      yield i;
    }
  } finally {
    log.push('closed');
  }
}

describe('readAhead', () => {
  it('yields every item in order, requesting the next before handing on the current', async () => {
    const log: string[] = [];
    const seen: number[] = [];
    for await (const x of readAhead(numbers(3, log))) {
      log.push(`consume ${x}`);
      seen.push(x);
    }
    expect(seen).toEqual([0, 1, 2]);
    expect(log.indexOf('produce 1')).toBeLessThan(log.indexOf('consume 0'));
  });

  it('passes errors through and closes the source when the consumer stops early', async () => {
    await expect(async () => {
      for await (const _ of readAhead(numbers(5, [], 2))) void _;
    }).rejects.toThrow('boom at 2');
    const log: string[] = [];
    for await (const x of readAhead(numbers(5, log))) if (x === 1) break;
    expect(log).toContain('closed');
  });
});
