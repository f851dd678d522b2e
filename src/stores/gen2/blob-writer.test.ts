import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAclSpec, parseLocation, type Gen2Location } from '../../core/index.js';
import { startGen2Emulator, type Gen2Emulator } from '../../emulators/gen2/index.js';
import { createGen2Store, type Gen2Store } from './index.js';

// The Blob writer's requests, counted by the emulator: Set Access Control only when the new file does
// not already inherit what it needs; the DFS writer when asked for.

let emulator: Gen2Emulator;
const stores: Gen2Store[] = [];

beforeAll(async () => {
  emulator = await startGen2Emulator({ port: 0, inMemory: true });
});
afterAll(async () => {
  for (const s of stores) await s.close();
  await emulator.close();
});

function open(writeApi?: 'blob' | 'dfs'): Gen2Store {
  const store = createGen2Store(parseLocation(`${emulator.url}/devstoreaccount1/bw-${randomUUID().slice(0, 8)}`) as Gen2Location, { retryDelayMs: 5, ...(writeApi === undefined ? {} : { writeApi }) });
  stores.push(store);
  return store;
}

async function put(store: Gen2Store, path: string, text: string, options: Parameters<Gen2Store['createWriter']>[1] = {}): Promise<void> {
  const data = Buffer.from(text);
  await (await store.createWriter(path, options)).commit({ size: data.length, data });
}

describe('Gen2 Blob writer requests', () => {
  it('skips Set Access Control when the file inherits exactly the mode and owner it needs, sends it otherwise', async () => {
    const store = open();
    await store.mkdir('plain', { permissions: 0o750 });
    emulator.resetRequestCounts();
    await put(store, 'plain/inherits.txt', 'x', { accessControl: { permissions: 0o640 } });
    await put(store, 'plain/inherits-acl.txt', 'x', { accessControl: { owner: '$superuser', entries: parseAclSpec('user::rw-,group::r--,other::---') } });
    expect(emulator.requestCounts()).toEqual({ PutBlob: 2 });

    await put(store, 'plain/narrower.txt', 'x', { accessControl: { permissions: 0o600 } });
    await put(store, 'plain/owned.txt', 'x', { accessControl: { owner: '11111111-1111-4111-8111-111111111111', permissions: 0o640 } });
    expect(emulator.requestCounts()).toEqual({ PutBlob: 4, SetAccessControl: 2 });
    expect((await store.stat('plain/narrower.txt')).permissions).toBe(0o600);
    expect((await store.stat('plain/inherits.txt')).permissions).toBe(0o640);
    expect((await store.getAcl('plain/owned.txt')).owner).toBe('11111111-1111-4111-8111-111111111111');
  });

  it('sends Set Access Control under a directory with a default ACL (the file inherits that instead)', async () => {
    const store = open();
    await store.mkdir('withdefault');
    await store.setAcl('withdefault', parseAclSpec('user::rwx,group::r-x,other::---,default:user::rwx,default:group::rwx,default:other::r--'));
    emulator.resetRequestCounts();
    await put(store, 'withdefault/f.txt', 'x', { accessControl: { permissions: 0o640 } });
    expect(emulator.requestCounts()).toEqual({ PutBlob: 1, SetAccessControl: 1 });
    expect((await store.stat('withdefault/f.txt')).permissions).toBe(0o640);
  });

  it('uses create, append, flush and rename with writeApi dfs, and declares no one-shot writes', async () => {
    const store = open('dfs');
    expect(store.capabilities.oneShotMaxBytes).toBeUndefined();
    expect(open().capabilities.oneShotMaxBytes).toBeGreaterThan(0);
    await store.mkdir('d');
    emulator.resetRequestCounts();
    const w = await store.createWriter('d/f.bin');
    await w.write(0, Buffer.from('hello'));
    await w.commit({ size: 5 });
    expect(emulator.requestCounts()).toEqual({ CreatePath: 1, AppendData: 1, FlushData: 1, RenamePath: 1 });
  });
});

describe('Gen2 Blob writer conditional commits (scale-out fencing)', () => {
  it('Put Blob and Put Block List commit only if the file is absent (overwrite false) or still has the ETag given as ifMatch', async () => {
    const store = open();
    expect(store.capabilities.conditionalCommit).toBe(true);
    await put(store, 'c/one.txt', 'first', { overwrite: false });
    const first = await store.stat('c/one.txt');
    expect(first.etag).toBeDefined();
    // Absent expected, present found: refused, content unchanged.
    await expect(put(store, 'c/one.txt', 'late', { overwrite: false })).rejects.toMatchObject({ code: 'already-exists' });
    // The ETag seen earlier: accepted once; the same ETag again (now stale): refused.
    await put(store, 'c/one.txt', 'second', { overwrite: true, ifMatch: first.etag ?? '' });
    await expect(put(store, 'c/one.txt', 'stale', { overwrite: true, ifMatch: first.etag ?? '' })).rejects.toMatchObject({ code: 'precondition-failed' });
    expect((await store.stat('c/one.txt')).size).toBe('second'.length);
    // Blocks, then Put Block List with a stale ETag: refused, nothing replaced.
    const now = await store.stat('c/one.txt');
    const w = await store.createWriter('c/one.txt', { overwrite: true, ifMatch: first.etag ?? '' });
    await w.write(0, Buffer.from('blockdata'));
    await expect(w.commit({ size: 9 })).rejects.toMatchObject({ code: 'precondition-failed' });
    expect((await store.stat('c/one.txt')).etag).toBe(now.etag);
    const ok = await store.createWriter('c/one.txt', { overwrite: true, ifMatch: now.etag ?? '' });
    await ok.write(0, Buffer.from('blockdata'));
    await ok.commit({ size: 9 });
    expect((await store.stat('c/one.txt')).size).toBe(9);
  });
});
