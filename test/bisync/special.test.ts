import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAclSpec } from '../../src/core/acl-spec.js';
import type { Store } from '../../src/core/store.js';
import { parseLocation, type MemoryLocation } from '../../src/core/uri.js';
import { isBisyncStop } from '../../src/patterns/bisync/errors.js';
import { acquireLease, fenced, releaseLease } from '../../src/patterns/bisync/lease.js';
import { runBisync } from '../../src/patterns/bisync/run.js';
import { pairIdOf } from '../../src/patterns/bisync/state.js';
import { bisyncDb } from '../../src/patterns/bisync/tables.js';
import { createMemoryStore, dropMemoryStore } from '../../src/stores/memory/index.js';
import { openSqliteJobDb, type JobDb } from '../../src/state/db.js';
import { runScenario, writeFile } from './harness.js';
import { wrappedScenarios } from './special-scenarios.js';

/**
 * Scenarios that need a wrapped store (faults, concurrent edits, name rules) or a large baseline, and
 * the lease, on memory <-> memory.
 */

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

  for (const sc of wrappedScenarios()) {
    it(sc.name, async () => {
      const { p1, p2, names } = open();
      try {
        await runScenario({ label: 'memory', p1, p2, jobDb }, sc);
      } finally {
        for (const name of names) dropMemoryStore(name);
      }
    });
  }

  it('08 the all-changed guard applies from 100 baseline files by default', async () => {
    const { p1, p2, names } = open();
    try {
      const many: Record<string, string> = {};
      for (let i = 0; i < 120; i++) many[`many/f${i}.txt`] = `file ${i}`;
      await runScenario({ label: 'memory', p1, p2, jobDb }, {
        name: '08 default threshold', initial1: many,
        steps: [
          { edits: [{ touchAll: 1, mtimeMs: Date.parse('2001-01-01') }], expect: { stop: 'guard' } },
          { run: { force: true }, expect: { planned: { meta: 120, copy: 0 }, both: many } },
        ],
      });
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

  it('15b two concurrent runs: one runs, the other stops clearly; --lock-wait waits for a lease to free', async () => {
    const { p1, p2, names } = open();
    try {
      for (let i = 0; i < 30; i++) await writeFile(p1, `f${i}.txt`, `file ${i}`);
      await runBisync({ path1: p1, path2: p2, jobDb, resync: true, settleMs: 0 });
      for (let i = 0; i < 30; i++) await writeFile(p2, `f${i}.txt`, `changed on path2 ${i}`);
      const both = await Promise.allSettled([runBisync({ path1: p1, path2: p2, jobDb, settleMs: 0 }), runBisync({ path1: p1, path2: p2, jobDb, settleMs: 0 })]);
      expect(both.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const refused = both.find((r) => r.status === 'rejected');
      expect(refused?.status === 'rejected' && isBisyncStop(refused.reason, 'locked')).toBe(true);
      const db = await bisyncDb(jobDb);
      await acquireLease(db, pairIdOf(p1.displayUri, p2.displayUri), { ttlMs: 400, waitMs: 0, owner: 'other-host:7', now: Date.now });
      const waited = await runBisync({ path1: p1, path2: p2, jobDb, settleMs: 0, lockWaitMs: 10_000 });
      expect(waited.leaseTakenOver).toMatch(/other-host:7 \(expired/);
    } finally {
      for (const name of names) dropMemoryStore(name);
    }
  });

  it('25 check-sync: a baseline that no longer describes the sides is reported (exit 1) until --resync', async () => {
    const { p1, p2, names } = open();
    try {
      await writeFile(p1, 'a.txt', 'alpha');
      await writeFile(p1, 'b.txt', 'bravo');
      await runBisync({ path1: p1, path2: p2, jobDb, resync: true, settleMs: 0 });
      // Tamper: path2's file changes and the state is edited to match it, so neither side looks changed.
      await writeFile(p2, 'a.txt', 'tampered!');
      const e = await p2.stat('a.txt');
      const db = await bisyncDb(jobDb);
      await db.updateTable('bisync_entry').set({ p2_size: e.size, p2_mtime_ms: e.mtimeMs, p2_version: e.etag ?? null })
        .where('pair_id', '=', pairIdOf(p1.displayUri, p2.displayUri)).where('path', '=', 'a.txt').execute();
      const s = await runBisync({ path1: p1, path2: p2, jobDb, settleMs: 0 });
      expect(s.outOfSync).toEqual(['a.txt']);
      expect(s.outcome).toBe('failures');
      await runBisync({ path1: p1, path2: p2, jobDb, settleMs: 0, resync: true });
      const after = await runBisync({ path1: p1, path2: p2, jobDb, settleMs: 0 });
      expect(after.outOfSync).toEqual([]);
      expect(after.outcome).toBe('ok');
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
