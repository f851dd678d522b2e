import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAclSpec } from '../../src/core/acl-spec.js';
import { StorageError } from '../../src/core/errors.js';
import type { Store } from '../../src/core/store.js';
import { parseLocation, type MemoryLocation } from '../../src/core/uri.js';
import { flakyStore, reshapeStore } from '../../src/engine/test-stores.js';
import { isBisyncStop } from '../../src/patterns/bisync/errors.js';
import { acquireLease, fenced, releaseLease } from '../../src/patterns/bisync/lease.js';
import { runBisync } from '../../src/patterns/bisync/run.js';
import { pairIdOf } from '../../src/patterns/bisync/state.js';
import { bisyncDb } from '../../src/patterns/bisync/tables.js';
import { createMemoryStore, dropMemoryStore } from '../../src/stores/memory/index.js';
import { openSqliteJobDb, type JobDb } from '../../src/state/db.js';
import { readTree, runScenario, writeFile, type Scenario } from './harness.js';

/**
 * Scenarios that need a wrapped store (faults, concurrent edits, name rules) or a large baseline, and
 * the lease, on memory <-> memory.
 */

/** A view of `store` that runs `hook` (once) the first time `method` is called for `path`. */
function onFirstCall(store: Store, method: 'stat' | 'createWriter', path: string, hook: () => Promise<void>): Store {
  let fired = false;
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      const fn = (value as (...a: unknown[]) => Promise<unknown>).bind(target);
      if (prop !== method) return fn;
      return async (...args: unknown[]) => {
        if (!fired && args[0] === path) {
          fired = true;
          await hook();
        }
        return fn(...args);
      };
    },
  });
}

/** A view of `store` whose listing fails after its first page. */
function failingListing(store: Store): Store {
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      const fn = (value as (...a: unknown[]) => unknown).bind(target);
      if (prop !== 'list') return fn;
      return async function* (...args: unknown[]) {
        const it = fn(...args) as AsyncIterable<unknown[]>;
        for await (const page of it) {
          yield page;
          throw new StorageError('transient', 'injected: the listing broke after one page', { status: 503 });
        }
      };
    },
  });
}

/** A view of `store` that refuses to write `path` (403). */
function forbidding(store: Store, path: string): Store {
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      const fn = (value as (...a: unknown[]) => unknown).bind(target);
      if (prop !== 'createWriter') return fn;
      return async (...args: unknown[]) => {
        if (args[0] === path) throw new StorageError('permission-denied', `injected 403 for '${path}'`, { status: 403, path });
        return fn(...args);
      };
    },
  });
}

const base = { 'a.txt': 'alpha', 'd/b.txt': 'bravo', 'd/c.txt': 'charlie' };
const hundred: Record<string, string> = {};
for (let i = 0; i < 120; i++) hundred[`many/f${i}.txt`] = `file ${i}`;

function scenarios(): Scenario[] {
  return [
    {
      name: '16 the destination changes between listing and write: skipped, then settled next run',
      initial1: base,
      wrap: (p1, p2) => ({ p1, p2: onFirstCall(p2, 'stat', 'a.txt', async () => writeFile(p2, 'a.txt', 'written meanwhile on path2')) }),
      steps: [
        { edits: [{ write: 1, path: 'a.txt', data: 'path1 edit' }], expect: { skipped: 1, side1: { ...base, 'a.txt': 'path1 edit' }, side2: { ...base, 'a.txt': 'written meanwhile on path2' } } },
        { run: { conflictResolve: 'path2' }, expect: { conflicts: 1, both: { ...base, 'a.txt': 'written meanwhile on path2' } } },
      ],
    },
    {
      name: '16b the source changes while it is copied: nothing half-done, settled next run',
      initial1: base,
      wrap: (p1, p2) => ({ p1, p2: onFirstCall(p2, 'createWriter', 'a.txt', async () => writeFile(p1, 'a.txt', 'newer still')) }),
      steps: [
        { edits: [{ write: 1, path: 'a.txt', data: 'path1 edit' }], expect: { skipped: 1, side2: base } },
        { expect: { both: { ...base, 'a.txt': 'newer still' } } },
      ],
    },
    {
      name: '19b a name path2 cannot hold is skipped and reported on every run, never attempted',
      initial1: base,
      wrap: (p1, p2) => ({ p1, p2: reshapeStore(p2, { capabilities: { names: { ...p2.capabilities.names, trailingDot: false } } }) }),
      steps: [
        { edits: [{ write: 1, path: 'bad./x.txt', data: 'dot' }, { write: 1, path: 'ok.txt', data: 'ok' }], expect: { skipped: 1, side2: { ...base, 'ok.txt': 'ok' }, check: (s) => expect(s.skipped[0]?.reason).toMatch(/ends with '\.'/) } },
        { expect: { skipped: 1, planned: { copy: 0 } } },
      ],
    },
    {
      name: '22 transient 503s are retried; a permanent 403 fails one action and the others commit',
      initial1: base,
      wrap: (p1, p2) => ({ p1: flakyStore(p1, 5), p2: forbidding(flakyStore(p2, 4), 'd/c.txt') }),
      steps: [
        { edits: [{ write: 1, path: 'a.txt', data: 'a2' }, { write: 1, path: 'd/b.txt', data: 'b2' }, { write: 1, path: 'd/c.txt', data: 'c2' }], run: { retry: { maxAttempts: 6, baseDelayMs: 1, maxDelayMs: 2 } }, expect: { outcome: 'failures', side2: { ...base, 'a.txt': 'a2', 'd/b.txt': 'b2' }, check: (s) => expect(s.failures.map((f) => f.path)).toEqual(['d/c.txt']) } },
        { run: { retry: { maxAttempts: 6, baseDelayMs: 1, maxDelayMs: 2 } }, expect: { outcome: 'failures', planned: { copy: 1 } } },
      ],
    },
    {
      name: '23 a listing that fails midway stops the run with nothing deleted',
      initial1: base,
      wrap: (p1, p2) => ({ p1, p2: failingListing(p2) }),
      steps: [{ edits: [{ delete: 1, path: 'a.txt' }], expect: { stop: 'listing', side2: base } }],
    },
  ];
}

describe('bisync special scenarios, memory <-> memory', () => {
  let dir: string;
  let jobDb: JobDb;
  let n = 0;
  const open = (): { p1: Store; p2: Store; names: string[] } => {
    n++;
    const names = [`bisync-sp-${n}-1`, `bisync-sp-${n}-2`];
    return { p1: createMemoryStore(parseLocation(`memory://${names[0]}/`) as MemoryLocation), p2: createMemoryStore(parseLocation(`memory://${names[1]}/`) as MemoryLocation), names };
  };
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lakeshift-bisync-sp-'));
    jobDb = await openSqliteJobDb(dir);
  });
  afterAll(async () => {
    await jobDb?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const sc of scenarios()) {
    it(sc.name, async () => {
      const { p1, p2, names } = open();
      try {
        await runScenario({ label: 'memory', p1, p2, jobDb }, sc);
      } finally {
        for (const name of names) dropMemoryStore(name);
      }
    });
  }

  it('08 all files changed (a mass timestamp shift) stops the run; --force passes', async () => {
    const { p1, p2, names } = open();
    try {
      await runScenario({ label: 'memory', p1, p2, jobDb }, { name: '08', initial1: hundred, steps: [{ expect: { planned: { copy: 0 } } }] });
      const shifted = Date.parse('2001-01-01');
      for (const path of Object.keys(hundred)) await p1.setTimes?.(path, { mtimeMs: shifted });
      await expect(runBisync({ path1: p1, path2: p2, jobDb, settleMs: 0 })).rejects.toSatisfy((e) => isBisyncStop(e, 'guard') && /every one of the 120 files on path1 changed/.test(e.message));
      const s = await runBisync({ path1: p1, path2: p2, jobDb, settleMs: 0, force: true });
      expect(s.done).toEqual({ copy: 120 });
      expect(await readTree(p2)).toEqual(hundred);
    } finally {
      for (const name of names) dropMemoryStore(name);
    }
  });

  it('an ACL change alone is a metadata action that carries the ACL, not a copy', async () => {
    const { p1, p2, names } = open();
    try {
      await writeFile(p1, 'acl.txt', 'content');
      // The resync copies onto path2 with the content MD5 recorded, so path2's listing vouches for the content.
      await runBisync({ path1: p1, path2: p2, jobDb, resync: true, settleMs: 0 });
      const user = '7c0d0000-0000-4000-8000-000000000001';
      await p2.setAcl('acl.txt', parseAclSpec(`user::rw-,user:${user}:r--,group::r--,mask::r--,other::---`));
      const s = await runBisync({ path1: p1, path2: p2, jobDb, settleMs: 0 });
      expect(s.planned).toEqual({ meta: 1 });
      expect(s.bytes).toBe(0);
      expect((await p1.getAcl('acl.txt')).entries.some((e) => e.id === user && e.perms === 4)).toBe(true);
      const again = await runBisync({ path1: p1, path2: p2, jobDb, settleMs: 0 });
      expect(again.planned).toEqual({});
    } finally {
      for (const name of names) dropMemoryStore(name);
    }
  });

  it('15 a held lease refuses a second run; a stale one is taken over; a zombie cannot write state', async () => {
    const { p1, p2, names } = open();
    try {
      await writeFile(p1, 'a.txt', 'alpha');
      await runBisync({ path1: p1, path2: p2, jobDb, resync: true, settleMs: 0 });
      const db = await bisyncDb(jobDb);
      const pairId = pairIdOf(p1.displayUri, p2.displayUri);
      let clock = Date.now();
      const zombie = await acquireLease(db, pairId, { ttlMs: 60_000, waitMs: 0, owner: 'other-host:1', now: () => clock });
      await expect(runBisync({ path1: p1, path2: p2, jobDb, settleMs: 0 })).rejects.toSatisfy((e) => isBisyncStop(e, 'locked') && /\(other-host:1\) holds its lease/.test(e.message));
      // The zombie pauses past its expiry; a new run takes the lease over and logs it.
      clock += 61_000;
      const taker = await acquireLease(db, pairId, { ttlMs: 60_000, waitMs: 0, owner: 'new-run', now: () => clock });
      expect(taker.takenOver).toMatch(/took over the stale lease of other-host:1/);
      await expect(fenced(db, jobDb.dialect, zombie, async (trx) => trx.deleteFrom('bisync_entry').where('pair_id', '=', pairId).execute())).rejects.toSatisfy((e) => isBisyncStop(e, 'lease-lost'));
      expect((await db.selectFrom('bisync_entry').select('path').where('pair_id', '=', pairId).execute()).length).toBe(1);
      await releaseLease(db, taker);
      // A lease held by a process of this host that no longer exists is stale at once.
      await acquireLease(db, pairId, { ttlMs: 60_000, waitMs: 0, owner: `${(await import('node:os')).hostname()}:999999`, now: Date.now });
      const s = await runBisync({ path1: p1, path2: p2, jobDb, settleMs: 0 });
      expect(s.leaseTakenOver).toMatch(/no longer exists/);
    } finally {
      for (const name of names) dropMemoryStore(name);
    }
  });
});
