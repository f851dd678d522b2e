import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/core/store.js';
import { parseLocation, type MemoryLocation } from '../../src/core/uri.js';
import { runCliCaptured as cli } from '../../src/cli/test-support.js';
import { acquireLease, releaseLease } from '../../src/patterns/bisync/lease.js';
import { pairIdOf } from '../../src/patterns/bisync/state.js';
import { bisyncDb } from '../../src/patterns/bisync/tables.js';
import { openSqliteJobDb } from '../../src/state/db.js';
import { createMemoryStore } from '../../src/stores/memory/index.js';
import { readTree, writeFile } from './harness.js';

/** `lakeshift bisync` in-process on memory stores: exit codes, messages, dry run, JSON, --every. */

describe('lakeshift bisync CLI', () => {
  let dir: string;
  let p1: Store;
  let p2: Store;
  const U1 = 'memory://bisync-cli-1/';
  const U2 = 'memory://bisync-cli-2/';
  let args: string[];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lakeshift-bisync-cli-'));
    p1 = createMemoryStore(parseLocation(U1) as MemoryLocation);
    p2 = createMemoryStore(parseLocation(U2) as MemoryLocation);
    for (const f of ['a', 'b', 'c', 'd']) await writeFile(p1, `data/${f}.txt`, f);
    args = ['bisync', U1, U2, '--state-dir', dir, '--settle', '0s'];
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('asks for --resync first (exit 7), then builds the baseline', async () => {
    const first = await cli(args);
    expect(first.code).toBe(7);
    expect(first.err).toMatch(/Run once with --resync/);
    const resync = await cli([...args, '--resync']);
    expect(resync.code, resync.err).toBe(0);
    expect(resync.out).toMatch(/bisync resync .*: ok/);
    expect(await readTree(p2)).toEqual(await readTree(p1));
  });

  it('rejects bad flags with exit 2 and says what to write', async () => {
    const bad = await cli([...args, '--compare', 'size,colour']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--compare: unknown key 'colour'/);
    const rule = await cli([...args, '--conflict-rule', 'raw/**=sideways']);
    expect(rule.code).toBe(2);
    expect(rule.err).toMatch(/unknown policy 'sideways'/);
    expect(bad.err).not.toMatch(/\n\s+at /);
  });

  it('a different filter or compare mode asks for --resync (exit 7)', async () => {
    const r = await cli([...args, '--exclude', 'data/a.txt']);
    expect(r.code).toBe(7);
    expect(r.err).toMatch(/filters differ/);
    const c = await cli([...args, '--compare', 'size']);
    expect(c.code).toBe(7);
  });

  it('--max-transfer and --max-renames: bad values exit 2, a limit the plan exceeds exits 6 with nothing changed', async () => {
    for (const [flag, value, message] of [['--max-transfer', '0', /--max-transfer must be a size above 0/], ['--max-transfer', 'lots', /--max-transfer must be a size/], ['--max-renames', '-1', /--max-renames/]] as const) {
      const r = await cli([...args, flag, value]);
      expect(r.code, `${flag} ${value}: ${r.err}`).toBe(2);
      expect(r.err).toMatch(message);
    }
    await writeFile(p1, 'data/big.txt', 'x'.repeat(2000));
    const over = await cli([...args, '--max-transfer', '1KB']);
    expect(over.code, over.err).toBe(6);
    expect(over.err).toMatch(/the plan copies 2000 bytes, more than --max-transfer 1000 bytes/);
    expect((await readTree(p2))['data/big.txt']).toBeUndefined();
    await p1.remove('data/big.txt');
  });

  it('--dry-run prints the plan and changes nothing', async () => {
    await writeFile(p1, 'data/new.txt', 'new');
    const r = await cli([...args, '--dry-run']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/copy on path2 data\/new\.txt/);
    expect(r.out).toMatch(/3 bytes to copy/);
    expect((await readTree(p2))['data/new.txt']).toBeUndefined();
  });

  it('a mass delete trips the guard (exit 6) with nothing changed; --force passes', async () => {
    for (const f of ['a', 'b', 'c']) await p1.remove(`data/${f}.txt`);
    const r = await cli(args);
    expect(r.code).toBe(6);
    expect(r.err).toMatch(/Guard tripped, nothing was changed: 3 of 4 files \(75\.0%\) would be deleted on path2/);
    expect(Object.keys(await readTree(p2)).sort()).toEqual(['data/a.txt', 'data/b.txt', 'data/c.txt', 'data/d.txt']);
    const forced = await cli([...args, '--force', '--output', 'json']);
    expect(forced.code, forced.err).toBe(0);
    const summary = JSON.parse(forced.out.trim().split('\n').at(-1) ?? '{}') as { type: string; done: Record<string, number> };
    expect(summary.type).toBe('summary');
    expect(summary.done).toEqual({ delete: 3, copy: 1 });
  });

  it('a second run on the same pair exits with a clear message while the first holds the lease', async () => {
    const jobDb = await openSqliteJobDb(dir);
    try {
      const db = await bisyncDb(jobDb);
      const lease = await acquireLease(db, pairIdOf(p1.displayUri, p2.displayUri), { ttlMs: 60_000, waitMs: 0, owner: 'other-host:4242', now: Date.now });
      const r = await cli(args);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/Another bisync run on this pair \(other-host:4242\) holds its lease/);
      await releaseLease(db, lease);
    } finally {
      await jobDb.close();
    }
  });

  it('--every repeats until Ctrl-C and picks up edits between runs', async () => {
    const running = cli([...args, '--every', '1s', '--output', 'json']);
    const started = Date.now();
    await new Promise((r) => setTimeout(r, 300));
    await writeFile(p2, 'data/from-every.txt', 'later');
    while (Date.now() - started < 10_000 && (await readTree(p1))['data/from-every.txt'] === undefined) await new Promise((r) => setTimeout(r, 100));
    process.emit('SIGINT');
    const r = await running;
    expect(r.code, r.err).toBe(0);
    expect(r.out.split('\n').filter((l) => l.startsWith('{"type":"summary"')).length).toBeGreaterThanOrEqual(2);
    expect((await readTree(p1))['data/from-every.txt']).toBe('later');
  });
});
