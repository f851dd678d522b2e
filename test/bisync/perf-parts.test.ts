import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/core/store.js';
import { parseLocation, type MemoryLocation } from '../../src/core/uri.js';
import { runBisync } from '../../src/patterns/bisync/index.js';
import { GroupCommit } from '../../src/patterns/bisync/commits.js';
import { acquireLease } from '../../src/patterns/bisync/lease.js';
import { readAhead } from '../../src/patterns/bisync/listing.js';
import { loadBaseline } from '../../src/patterns/bisync/state.js';
import { bisyncDb } from '../../src/patterns/bisync/tables.js';
import { openSqliteJobDb, type JobDb } from '../../src/state/db.js';
import { createMemoryStore, dropMemoryStore } from '../../src/stores/memory/index.js';
import { writeFile } from './harness.js';
import { baselineRow } from './harness.js';

/** The two parts bisync's speed work added: the listing read-ahead and the group commit of baseline rows. */

describe('readAhead', () => {
  it('yields every page in order, asks for pages ahead of the consumer, and delivers an error after the pages before it', async () => {
    let requested = 0;
    async function* pages(): AsyncIterable<number> {
      for (let i = 0; i < 5; i++) {
        requested++;
        await new Promise((r) => setTimeout(r, 1));
        if (i === 3) throw new Error('listing broke at page 3');
        yield i;
      }
    }
    const got: number[] = [];
    let requestedAtFirst = -1;
    await expect((async () => {
      for await (const p of readAhead(pages(), 2)) {
        if (requestedAtFirst < 0) {
          await new Promise((r) => setTimeout(r, 20));
          requestedAtFirst = requested;
        }
        got.push(p);
      }
    })()).rejects.toThrow('listing broke at page 3');
    expect(got).toEqual([0, 1, 2]);
    // While the consumer was busy with page 0, pages 1 and 2 were already being fetched.
    expect(requestedAtFirst).toBeGreaterThanOrEqual(3);
  });

  it('stops the source when the consumer stops early', async () => {
    let closed = false;
    async function* pages(): AsyncIterable<number> {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        closed = true;
      }
    }
    for await (const p of readAhead(pages(), 2)) if (p === 2) break;
    expect(closed).toBe(true);
  });
});

describe('GroupCommit', () => {
  let dir = '';
  let jobDb: JobDb | undefined;
  afterEach(async () => {
    await jobDb?.close();
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  const row = baselineRow;

  it('commits concurrent actions in shared transactions, each resolved only once its rows are in, drops before puts per action', async () => {
    dir = mkdtempSync(join(tmpdir(), 'lakeshift-bisync-group-'));
    jobDb = await openSqliteJobDb(dir);
    const db = await bisyncDb(jobDb);
    const lease = await acquireLease(db, 'pair', { ttlMs: 60_000, waitMs: 0, owner: 'test', now: Date.now });
    const commits = new GroupCommit(db, 'sqlite', lease, 'pair', 'run1');
    await commits.commit([row('old')], []);
    const checks = Array.from({ length: 50 }, (_, i) => commits.commit([row(`f${i}`)], []).then(async () => (await loadBaseline(db, 'pair')).has(`f${i}`)));
    // A rename in the same stream: the old row dropped and the new one put, in one action.
    checks.push(commits.commit([row('new')], ['old']).then(async () => !(await loadBaseline(db, 'pair')).has('old')));
    expect(await Promise.all(checks)).toEqual(checks.map(() => true));
    const rows = await loadBaseline(db, 'pair');
    expect(rows.size).toBe(51);
    expect(rows.has('new')).toBe(true);
    // 52 commits: the first alone, the rest gathered while one transaction was being written.
    expect(commits.transactions).toBeLessThan(10);
  });

  it('rejects every action of a group whose lease was taken over, and writes none of their rows', async () => {
    dir = mkdtempSync(join(tmpdir(), 'lakeshift-bisync-group-'));
    jobDb = await openSqliteJobDb(dir);
    const db = await bisyncDb(jobDb);
    const lease = await acquireLease(db, 'pair', { ttlMs: 60_000, waitMs: 0, owner: 'test', now: Date.now });
    await db.updateTable('bisync_lease').set({ token: 'someone-else' }).where('pair_id', '=', 'pair').execute();
    const commits = new GroupCommit(db, 'sqlite', lease, 'pair', 'run1');
    const results = await Promise.allSettled([commits.commit([row('a')], []), commits.commit([row('b')], [])]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect((await loadBaseline(db, 'pair')).size).toBe(0);
  });
});

describe('requests per changed file', () => {
  let dir = '';
  let jobDb: JobDb | undefined;
  afterEach(async () => {
    await jobDb?.close();
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  /** A store whose stat calls are counted (everything else passes through). */
  function counted(store: Store): { store: Store; stats: () => number } {
    let n = 0;
    const proxy = new Proxy(store, {
      get(target, prop, receiver) {
        const v: unknown = Reflect.get(target, prop, receiver);
        if (prop === 'stat' && typeof v === 'function') return (...a: unknown[]) => { n++; return (v as (...x: unknown[]) => unknown).apply(target, a); };
        return typeof v === 'function' ? (v as (...x: unknown[]) => unknown).bind(target) : v;
      },
    });
    return { store: proxy, stats: () => n };
  }

  it('a small changed file costs one stat of each side before its commit and one of the target after it', async () => {
    dir = mkdtempSync(join(tmpdir(), 'lakeshift-bisync-requests-'));
    jobDb = await openSqliteJobDb(dir);
    const tag = `${process.pid}-${Date.now()}`;
    const p1 = counted(createMemoryStore(parseLocation(`memory://bisync-req1-${tag}/`) as MemoryLocation));
    const p2 = counted(createMemoryStore(parseLocation(`memory://bisync-req2-${tag}/`) as MemoryLocation));
    try {
      for (let i = 0; i < 20; i++) await writeFile(p1.store, `d/f${i}.txt`, `v0 ${i}`);
      await runBisync({ path1: p1.store, path2: p2.store, jobDb, resync: true, settleMs: 0 });
      await new Promise((r) => setTimeout(r, 5));
      for (let i = 0; i < 5; i++) await writeFile(p1.store, `d/f${i}.txt`, `v1 ${i}`);
      const before = { 1: p1.stats(), 2: p2.stats() };
      const s = await runBisync({ path1: p1.store, path2: p2.store, jobDb, settleMs: 0 });
      expect(s.done).toEqual({ copy: 5 });
      // path1 (source): the pre-commit check; path2 (target): the pre-commit check and the read-back.
      expect(p1.stats() - before[1]).toBe(5);
      expect(p2.stats() - before[2]).toBe(10);
    } finally {
      dropMemoryStore(`bisync-req1-${tag}`);
      dropMemoryStore(`bisync-req2-${tag}`);
    }
  });
});
