import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseAclSpec } from '../../core/acl.js';
import type { Store } from '../../core/store.js';
import { openSqliteJobDb, type JobDb } from '../../state/db.js';
import { createMemoryStore, dropMemoryStore } from '../../stores/memory/index.js';
import { findOpenFreeze, pageFreezePaths } from '../ops-state/freezes.js';
import { cutoverDb } from '../ops-state/tables.js';
import { freezeTree } from './freeze.js';
import { frozenStateOf, grantsWrite, stateOf } from './frozen-acl.js';
import { resolveOpenFreeze, unfreezeTree } from './unfreeze.js';

const U1 = '11111111-0000-4000-8000-000000000001';
const G1 = '22222222-0000-4000-8000-000000000002';

async function put(store: Store, path: string, text = 'x'): Promise<void> {
  const w = await store.createWriter(path, { overwrite: true });
  await w.write(0, Buffer.from(text));
  await w.commit({ size: text.length });
}

async function snapshot(store: Store): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const root = await store.getAcl('');
  out.set('', JSON.stringify(stateOf(root)));
  for await (const page of store.list('', { recursive: true })) {
    for (const e of page) if (e.path !== '') out.set(e.path, JSON.stringify(stateOf(await store.getAcl(e.path))));
  }
  return out;
}

describe('frozen state of one path', () => {
  it('clears w in the mode and every access entry and leaves default entries and other bits alone', () => {
    const entries = parseAclSpec(`user::rwx,user:${U1}:rwx,group::r-x,group:${G1}:-w-,mask::rwx,other::rw-,default:user::rwx,default:user:${U1}:rwx,default:group::r-x,default:mask::rwx,default:other::---`);
    const frozen = frozenStateOf({ mode: 0o1776, entries });
    expect(frozen.mode).toBe(0o1554);
    expect(grantsWrite(frozen)).toBe(false);
    expect(frozen.entries.filter((e) => e.scope === 'default')).toEqual(entries.filter((e) => e.scope === 'default'));
    expect(frozen.entries.find((e) => e.id === G1)?.perms).toBe(0);
  });

  it('uses the mode alone for a base-only ACL', () => {
    expect(frozenStateOf({ mode: 0o764, entries: parseAclSpec('user::rwx,group::rw-,other::r--') }).mode).toBe(0o544);
  });
});

describe('freeze and unfreeze on the memory store', () => {
  let dir: string;
  let jobDb: JobDb;
  let store: Store;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lakeshift-freeze-'));
    jobDb = await openSqliteJobDb(dir);
    store = createMemoryStore({ kind: 'memory', name: 'freeze-unit', path: '' });
    await store.mkdir('raw/a', { permissions: 0o775 });
    await store.mkdir('ro', { permissions: 0o555 });
    await put(store, 'raw/a/f1.csv');
    await put(store, 'raw/a/f2.csv');
    await put(store, 'ro/readonly.txt');
    await store.setPermissions('ro/readonly.txt', 0o444);
    await store.setAcl('raw', parseAclSpec(`user::rwx,user:${U1}:rwx,group::r-x,mask::rwx,other::---,default:user::rwx,default:user:${U1}:rw-,default:group::r-x,default:mask::rwx,default:other::---`));
    await store.setAcl('raw/a/f1.csv', parseAclSpec(`user::rw-,group:${G1}:rw-,group::r--,mask::rw-,other::r--`));
    await store.setPermissions('raw/a', 0o1775);
  });
  afterEach(async () => {
    await jobDb.close();
    dropMemoryStore('freeze-unit');
    rmSync(dir, { recursive: true, force: true });
  });

  it('dry run counts and records nothing; freeze records before changing; a second freeze changes nothing', async () => {
    const before = await snapshot(store);
    const dry = await freezeTree(store, { dryRun: true, jobDb });
    expect(dry).toMatchObject({ state: 'would-freeze', changed: 5, withoutWriteBits: 2, seen: 7 });
    expect(await snapshot(store)).toEqual(before);
    expect(await findOpenFreeze(await cutoverDb(jobDb), store.displayUri)).toBeUndefined();

    const first = await freezeTree(store, { jobDb });
    expect(first).toMatchObject({ state: 'frozen', changed: 5, withoutWriteBits: 2, failures: [] });
    for (const [path] of before) expect(grantsWrite(stateOf(await store.getAcl(path))), path).toBe(false);
    const rows = await pageFreezePaths(await cutoverDb(jobDb), first.freezeId ?? '', 0, 100);
    expect(rows.map((r) => r.path).sort()).toEqual(['', 'raw', 'raw/a', 'raw/a/f1.csv', 'raw/a/f2.csv']);
    expect(rows.every((r) => r.state === 'applied')).toBe(true);
    // Default entries of raw are untouched (what children inherit after unfreeze stays the same).
    expect((await store.getAcl('raw')).entries.filter((e) => e.scope === 'default')).toEqual(parseAclSpec(`default:user::rwx,default:user:${U1}:rw-,default:group::r-x,default:mask::rwx,default:other::---`));

    const frozen = await snapshot(store);
    const second = await freezeTree(store, { jobDb });
    expect(second).toMatchObject({ state: 'frozen', continued: true, changed: 0, alreadyFrozen: 5, freezeId: first.freezeId });
    expect(await snapshot(store)).toEqual(frozen);

    const undo = await unfreezeTree(store, await resolveOpenFreeze(jobDb, undefined), { jobDb });
    expect(undo.state).toBe('unfrozen');
    expect(undo.counts.restored).toBe(5);
    expect(await snapshot(store)).toEqual(before);
    expect(await findOpenFreeze(await cutoverDb(jobDb), store.displayUri)).toBeUndefined();
  });

  it('resumes a freeze killed between recording and changing, and unfreezes a half-done one', async () => {
    const before = await snapshot(store);
    // A kill after the records were written: simulate by failing every change of one page once.
    let failing = true;
    const flaky = new Proxy(store, {
      get(t, p, r) {
        if ((p === 'setPermissions' || p === 'setAcl') && failing) return () => Promise.reject(new Error('killed'));
        const v: unknown = Reflect.get(t, p, r);
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
      },
    });
    const broken = await freezeTree(flaky, { jobDb });
    expect(broken.state).toBe('incomplete');
    expect(broken.failures.length).toBe(5);
    expect(await snapshot(store)).toEqual(before);
    const recorded = await pageFreezePaths(await cutoverDb(jobDb), broken.freezeId ?? '', 0, 100);
    expect(recorded.every((r) => r.state === 'recorded')).toBe(true);
    failing = false;
    const resumed = await freezeTree(store, { jobDb });
    expect(resumed).toMatchObject({ state: 'frozen', changed: 5, freezeId: broken.freezeId });
    const undo = await unfreezeTree(store, await resolveOpenFreeze(jobDb, store.displayUri), { jobDb });
    expect(undo.state).toBe('unfrozen');
    expect(await snapshot(store)).toEqual(before);
  });

  it('undoes a freeze killed half way (some paths changed, some only recorded)', async () => {
    const before = await snapshot(store);
    let calls = 0;
    const halfway = new Proxy(store, {
      get(t, p, r) {
        const v: unknown = Reflect.get(t, p, r);
        if ((p === 'setPermissions' || p === 'setAcl') && typeof v === 'function') {
          return (...a: unknown[]) => (++calls % 2 === 0 ? Promise.reject(new Error('killed')) : (v as (...x: unknown[]) => Promise<void>).apply(t, a));
        }
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
      },
    });
    const broken = await freezeTree(halfway, { jobDb, concurrency: 1 });
    expect(broken.state).toBe('incomplete');
    expect(broken.changed).toBeGreaterThan(0);
    expect(broken.failed).toBeGreaterThan(0);
    const undo = await unfreezeTree(store, await resolveOpenFreeze(jobDb, undefined), { jobDb });
    expect(undo.state).toBe('unfrozen');
    expect(undo.counts.restored).toBe(broken.changed);
    expect(undo.counts.unchanged).toBe(broken.failed);
    expect(await snapshot(store)).toEqual(before);
  });

  it('refuses to unfreeze a path changed since the freeze unless forced, and reports it', async () => {
    const before = await snapshot(store);
    await freezeTree(store, { jobDb });
    await store.setPermissions('raw/a/f2.csv', 0o400);
    const refused = await unfreezeTree(store, await resolveOpenFreeze(jobDb, undefined), { jobDb });
    expect(refused.state).toBe('refused');
    expect(refused.paths).toEqual([expect.objectContaining({ path: 'raw/a/f2.csv', outcome: 'conflict', found: expect.stringMatching(/^400 /) })]);
    expect(grantsWrite(stateOf(await store.getAcl('raw')))).toBe(false);
    const forced = await unfreezeTree(store, await resolveOpenFreeze(jobDb, undefined), { jobDb, force: true });
    expect(forced.state).toBe('unfrozen');
    expect(forced.counts).toMatchObject({ restored: 4, forced: 1 });
    expect(await snapshot(store)).toEqual(before);
  });
});
