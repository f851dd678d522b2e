import { describe, expect, it } from 'vitest';
import type { AclEntry, AclStatus } from '../core/acl-types.js';
import { translateAcl } from './acl-translate.js';
import { backoffDelay } from './retry.js';
import { StorageError } from '../core/errors.js';
import { ByteBudget, TokenBucket } from './limits.js';
import { createPathFilter } from './filters.js';

const e = (scope: 'access' | 'default', type: AclEntry['type'], id: string, perms: number): AclEntry => ({ scope, type, id, perms });

function status(entries: AclEntry[], permissions = 0o750): AclStatus {
  return { owner: 'o1', group: 'g1', permissions, entries };
}

describe('translateAcl', () => {
  const base = [e('access', 'user', '', 7), e('access', 'group', '', 5), e('access', 'other', '', 0)];

  it('keeps default entries on directories and drops them on files', () => {
    const entries = [...base, e('access', 'user', 'u1', 5), e('access', 'mask', '', 5), e('default', 'user', '', 7), e('default', 'group', '', 5), e('default', 'other', '', 0)];
    expect(translateAcl(status(entries), 'directory').entries.filter((x) => x.scope === 'default')).toHaveLength(3);
    const file = translateAcl(status(entries), 'file');
    expect(file.entries.filter((x) => x.scope === 'default')).toEqual([]);
    expect(file.extended).toBe(true);
  });

  it('maps principals, reports unknown ones and drops entries mapped to nothing', () => {
    const unmapped = new Set<string>();
    const dropped = new Set<string>();
    const identityMap = new Map([['u1', 'U1'], ['o1', 'O1'], ['gone', '']]);
    const t = translateAcl(status([...base, e('access', 'user', 'u1', 5), e('access', 'user', 'u2', 4), e('access', 'group', 'gone', 4), e('access', 'mask', '', 5)]), 'file', { identityMap, unmapped, dropped });
    expect(t.owner).toBe('O1');
    expect(t.group).toBe('g1');
    expect(t.entries.map((x) => x.id).filter((id) => id !== '')).toEqual(['U1', 'u2']);
    expect([...unmapped].sort()).toEqual(['g1', 'u2']);
    expect([...dropped]).toEqual(['gone']);
  });

  it('refuses more than 32 entries per scope with a reason', () => {
    const named = Array.from({ length: 30 }, (_, i) => e('access', 'user', `u${i}`, 4));
    expect(() => translateAcl(status([...base, ...named, e('access', 'mask', '', 7)]), 'file')).toThrow(/34 entries; the destination allows at most 32/);
  });

  it('adds base entries from the mode when the source lists none and keeps the sticky bit', () => {
    const t = translateAcl(status([], 0o1770), 'directory');
    expect(t.entries).toEqual([e('access', 'user', '', 7), e('access', 'group', '', 7), e('access', 'other', '', 0)]);
    expect(t.permissions).toBe(0o1770);
    expect(t.extended).toBe(false);
  });
});

describe('engine helpers', () => {
  it('backoff uses full jitter under an exponential ceiling and honours Retry-After', () => {
    const policy = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 1000 };
    expect(backoffDelay(1, policy, new Error('x'), () => 0.999)).toBe(99);
    expect(backoffDelay(4, policy, new Error('x'), () => 0.5)).toBe(400);
    expect(backoffDelay(10, policy, new Error('x'), () => 0.999)).toBe(999);
    expect(backoffDelay(1, policy, new StorageError('throttled', 'slow down', { retryAfterMs: 5000 }), () => 0.1)).toBe(5000);
  });

  it('the byte budget blocks beyond its capacity and serves waiters in order', async () => {
    const budget = new ByteBudget(100);
    expect(await budget.acquire(60)).toBe(60);
    const order: number[] = [];
    const a = budget.acquire(50).then((n) => order.push(n));
    const b = budget.acquire(10).then((n) => order.push(n));
    await new Promise((r) => setTimeout(r, 5));
    expect(order).toEqual([]);
    budget.release(60);
    await Promise.all([a, b]);
    expect(order).toEqual([50, 10]);
    budget.release(60);
    expect(await budget.acquire(1000)).toBe(100);
  });

  it('the token bucket holds throughput near the cap', async () => {
    const bucket = new TokenBucket(8); // 1 MB/s, 1 MB burst
    const t0 = performance.now();
    for (let i = 0; i < 6; i++) await bucket.take(250_000);
    const ms = performance.now() - t0;
    expect(ms).toBeGreaterThan(350);
    expect(ms).toBeLessThan(3000);
  });

  it('filters: exclude drops subtrees, include selects files, malformed globs are refused', () => {
    const f = createPathFilter(['**/*.csv'], ['tmp', 'raw/skip/**']);
    expect(f.accepts('a/b.csv', 'file')).toBe(true);
    expect(f.accepts('a/b.txt', 'file')).toBe(false);
    expect(f.accepts('a', 'directory')).toBe(true);
    expect(f.accepts('tmp/x/y.csv', 'file')).toBe(false);
    expect(f.accepts('raw/skip/y.csv', 'file')).toBe(false);
    expect(() => createPathFilter(['a/{b,c'])).toThrow(/Malformed --include glob 'a\/\{b,c'/);
    expect(() => createPathFilter([], ['x/[ab'])).toThrow(/Malformed --exclude glob/);
  });
});
