import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createMemoryStore, dropMemoryStore } from '../stores/memory/index.js';
import { planLake, seedBytes, seedLake } from './index.js';

describe('seed plan and content', () => {
  const names: string[] = [];
  afterAll(() => {
    for (const n of names) dropMemoryStore(n);
  });
  const memory = () => {
    const name = `seed-unit-${randomUUID()}`;
    names.push(name);
    return createMemoryStore({ kind: 'memory', name, path: '' });
  };
  it('plans bench lakes to the requested size, streaming', () => {
    let files = 0;
    let dirs = 0;
    for (const item of planLake('bench', 20_000)) {
      if (item.kind === 'file') files++;
      else dirs++;
    }
    expect(files).toBeGreaterThanOrEqual(20_000);
    expect(files).toBeLessThan(21_000);
    expect(dirs).toBeGreaterThan(100);
    const first = [...planLake('bench', 500)].map((i) => `${i.path}|${i.size}|${i.mtimeMs}`);
    expect([...planLake('bench', 500)].map((i) => `${i.path}|${i.size}|${i.mtimeMs}`)).toEqual(first);
    let oldest = Number.POSITIVE_INFINITY;
    for (const item of planLake('bench', 20_000)) oldest = Math.min(oldest, item.mtimeMs);
    expect(oldest).toBeGreaterThan(Date.UTC(2000, 0, 1));
  });

  it('refuses bad options', async () => {
    await expect(seedLake(memory(), { profile: 'small', files: 10 })).rejects.toMatchObject({ code: 'invalid-argument' });
    await expect(seedLake(memory(), { profile: 'huge' as 'small' })).rejects.toMatchObject({ code: 'invalid-argument' });
    await expect(seedLake(memory(), { profile: 'bench', files: 0 })).rejects.toMatchObject({ code: 'invalid-argument' });
  });

  it('gives the same bytes for any range of a file', () => {
    const whole = seedBytes('x/y.csv', 1000, 0, 1000);
    expect(Buffer.from(seedBytes('x/y.csv', 1000, 333, 100)).equals(Buffer.from(whole.subarray(333, 433)))).toBe(true);
    expect(Buffer.from(seedBytes('x/z.csv', 1000, 0, 1000)).equals(Buffer.from(whole))).toBe(false);
    expect(Buffer.from(whole).toString('latin1')).toMatch(/^[\x20-\x7e\n]+$/);
  });
});
