import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StorageError } from '../core/errors.js';
import type { Store } from '../core/store.js';
import { openSqliteJobDb, type JobDb } from '../state/db.js';
import { openStore } from '../stores/open-store.js';
import { openJournal, type Journal } from './journal.js';
import { createTeeStore } from './tee.js';

async function write(store: Store, path: string, text: string): Promise<void> {
  const w = await store.createWriter(path, { overwrite: true });
  await w.write(0, Buffer.from(text));
  await w.commit({ size: Buffer.byteLength(text) });
}

async function read(store: Store, path: string): Promise<string> {
  const parts: Uint8Array[] = [];
  for await (const p of await store.openRead(path)) parts.push(p);
  return Buffer.concat(parts).toString('utf8');
}

const missing = (store: Store, path: string): Promise<unknown> => store.stat(path).then(() => 'exists', (e: StorageError) => e.code);

/** A store whose every change fails while `down` is set (an outage of the secondary). */
function flaky(store: Store): Store & { down: boolean } {
  const fail = (): Promise<never> => Promise.reject(new StorageError('transient', 'secondary unavailable (test outage)'));
  const s = Object.create(store) as Store & { down: boolean };
  s.down = false;
  for (const m of ['mkdir', 'remove', 'rename', 'setAcl', 'setOwner', 'setPermissions', 'setProperties', 'stat'] as const) {
    const orig = (store[m] as (...a: unknown[]) => Promise<unknown>).bind(store);
    (s as unknown as Record<string, unknown>)[m] = (...a: unknown[]) => (s.down ? fail() : orig(...a));
  }
  s.createWriter = async (path, o) => {
    if (s.down) return fail();
    const w = await store.createWriter(path, o);
    return { path, write: (off, d, c) => (s.down ? fail() : w.write(off, d, c)), commit: (c) => (s.down ? fail() : w.commit(c)), abort: () => w.abort() };
  };
  return s;
}

describe('createTeeStore', () => {
  let dir: string;
  let jobDb: JobDb;
  let journal: Journal;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lakeshift-tee-'));
    jobDb = await openSqliteJobDb(dir);
    journal = await openJournal(jobDb);
  });
  afterAll(async () => {
    await jobDb.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sync: both sides or neither; a failed secondary commit leaves no file on the primary', async () => {
    const primary = openStore('memory://tee-sync-p/');
    const inner = openStore('memory://tee-sync-s/');
    const secondary = flaky(inner);
    const tee = createTeeStore(primary, secondary, 'sync', { journal, pollMs: 20, retryBaseMs: 10 });
    await tee.mkdir('d');
    await write(tee, 'd/a.txt', 'both');
    expect(await read(inner, 'd/a.txt')).toBe('both');
    expect(await tee.backlog()).toBe(0);
    const w = await tee.createWriter('d/b.txt');
    await w.write(0, Buffer.from('never'));
    secondary.down = true;
    await expect(w.commit({ size: 5 })).rejects.toMatchObject({ code: 'transient' });
    expect(await missing(primary, 'd/b.txt')).toBe('not-found');
    await expect(tee.rename('d/a.txt', 'd/c.txt')).rejects.toMatchObject({ code: 'transient' });
    expect(await missing(primary, 'd/c.txt')).toBe('exists');
    secondary.down = false;
    await new Promise((r) => setTimeout(r, 100));
    await tee.idle();
    expect(await tee.backlog()).toBe(0);
    expect(await read(inner, 'd/c.txt')).toBe('both');
    expect(await missing(inner, 'd/a.txt')).toBe('not-found');
    await tee.close();
  });

  it('primary-ack: acknowledged on the primary during an outage; the journal drains when the secondary returns', async () => {
    const primary = openStore('memory://tee-ack-p/');
    const inner = openStore('memory://tee-ack-s/');
    const secondary = flaky(inner);
    const tee = createTeeStore(primary, secondary, 'primary-ack', { journal, pollMs: 20, retryBaseMs: 10 });
    secondary.down = true;
    await tee.mkdir('x');
    await write(tee, 'x/f.txt', 'acked');
    await tee.setAcl('x/f.txt', [
      { scope: 'access', type: 'user', id: '', perms: 6 }, { scope: 'access', type: 'user', id: 'reader', perms: 4 },
      { scope: 'access', type: 'group', id: '', perms: 4 }, { scope: 'access', type: 'mask', id: '', perms: 4 }, { scope: 'access', type: 'other', id: '', perms: 0 },
    ]);
    expect(await read(primary, 'x/f.txt')).toBe('acked');
    expect(await tee.backlog()).toBeGreaterThanOrEqual(3);
    secondary.down = false;
    for (let i = 0; i < 100 && (await tee.backlog()) > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await tee.backlog()).toBe(0);
    expect(await read(inner, 'x/f.txt')).toBe('acked');
    expect((await inner.getAcl('x/f.txt')).entries.some((e) => e.id === 'reader')).toBe(true);
    await tee.close();
  });

  it('shadow: best effort, failures counted, nothing journalled', async () => {
    const primary = openStore('memory://tee-shadow-p/');
    const inner = openStore('memory://tee-shadow-s/');
    const secondary = flaky(inner);
    const tee = createTeeStore(primary, secondary, 'shadow', { journal, pair: 'shadow-pair' });
    await write(tee, 'ok.txt', 'copied');
    expect(await read(inner, 'ok.txt')).toBe('copied');
    secondary.down = true;
    await tee.mkdir('lost');
    expect(tee.stats().shadowFailures).toBe(1);
    expect(await tee.backlog()).toBe(0);
    await tee.close();
  });
});
