import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { comparePaths } from '../../core/entry.js';
import { isStorageError, StorageError } from '../../core/errors.js';
import type { Store } from '../../core/store.js';
import { parseLocation, type Gen1Location } from '../../core/uri.js';
import { GEN1_EMULATOR_ADMIN_OID, startGen1Emulator, type Gen1Emulator } from '../../emulators/gen1/index.js';
import { mintEmulatorToken } from './auth.js';
import { checkGen1Access, createGen1Store, readRangesParallel, type Gen1StoreOptions } from './index.js';

function bytes(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed * 2654435761;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

async function put(store: Store, path: string, data: Uint8Array, chunk = 4096, overwrite = false): Promise<void> {
  const writer = await store.createWriter(path, { overwrite });
  for (let at = 0; at < data.byteLength; at += chunk) await writer.write(at, data.subarray(at, at + chunk));
  await writer.commit({ size: data.byteLength });
}

async function get(store: Store, path: string, range?: { offset: number; length?: number }): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const part of await store.openRead(path, range)) parts.push(part);
  return Buffer.concat(parts);
}

async function get2(store: Store, path: string, signal: AbortSignal, range?: { offset: number; length?: number }): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const part of await store.openRead(path, range, { signal })) parts.push(part);
  return Buffer.concat(parts);
}

async function all(iterable: AsyncIterable<{ path: string }[]>): Promise<string[][]> {
  const pages: string[][] = [];
  for await (const page of iterable) pages.push(page.map((e) => e.path));
  return pages;
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (error) {
    if (isStorageError(error)) return error.code;
    throw error;
  }
}

/** Raw LISTSTATUS names, temp files included (the store hides them). */
async function rawNames(emulator: Gen1Emulator, dir: string): Promise<string[]> {
  const res = await fetch(`${emulator.url}/webhdfs/v1/${dir}?op=LISTSTATUS&api-version=2018-09-01`, {
    headers: { authorization: `Bearer ${mintEmulatorToken(GEN1_EMULATOR_ADMIN_OID, 600)}` },
  });
  const body = (await res.json()) as { FileStatuses: { FileStatus: { pathSuffix: string }[] } };
  return body.FileStatuses.FileStatus.map((s) => s.pathSuffix);
}

describe('gen1 store over the emulator', () => {
  const emulators: Gen1Emulator[] = [];
  const stores: Store[] = [];
  let emulator: Gen1Emulator;
  let store: Store;

  async function open(options: Gen1StoreOptions = {}, faults?: Parameters<typeof startGen1Emulator>[0]['faults'], path = ''): Promise<{ emulator: Gen1Emulator; store: Store }> {
    const emu = await startGen1Emulator({ port: 0, inMemory: true, ...(faults === undefined ? {} : { faults }) });
    emulators.push(emu);
    const s = createGen1Store(parseLocation(`${emu.url}/webhdfs/v1/${path}`) as Gen1Location, { retryBaseMs: 5, ...options });
    stores.push(s);
    return { emulator: emu, store: s };
  }

  beforeAll(async () => {
    ({ emulator, store } = await open({ listPageSize: 2 }));
  });
  afterAll(async () => {
    for (const s of stores) await s.close();
    for (const e of emulators) await e.close();
  });

  it('adds nothing per request to a long-lived caller signal, and that signal still cancels a streaming read', async () => {
    // migrate --every passes one signal to every request of every run. AbortSignal.any() per request
    // left a WeakRef per request in that signal's dependants on Node 20 (bench/soak: ~400 a run, kept).
    await put(store, 'signal/big', bytes(12 * 1024 * 1024, 7), 4 * 1024 * 1024);
    const run = new AbortController();
    for (let i = 0; i < 40; i++) await store.stat('signal/big', { signal: run.signal });
    for (let i = 0; i < 5; i++) expect((await get2(store, 'signal/big', run.signal, { offset: 0, length: 1000 })).byteLength).toBe(1000);
    const dependants = Object.getOwnPropertySymbols(run.signal).find((k) => k.description === 'kDependantSignals');
    const held = dependants === undefined ? undefined : (run.signal as unknown as Record<symbol, Set<unknown> | undefined>)[dependants];
    expect(held?.size ?? 0).toBe(0);
    // Cancelling mid-body still ends the read, as cancelled.
    const stream = await store.openRead('signal/big', undefined, { signal: run.signal });
    const reading = (async () => {
      let n = 0;
      for await (const part of stream) {
        n += part.byteLength;
        if (n > 0) run.abort();
      }
      return n;
    })();
    expect(await codeOf(reading)).toBe('cancelled');
  });

  it('lists more than one page, one level and recursively in walk order, hiding temp files', async () => {
    const names = ['b', 'a b', 'a', 'a-', 'a.x', 'é', 'z', 'Z'];
    for (const n of names) await put(store, `walk/${n}/f`, bytes(3, 1));
    await put(store, 'walk/a/b/deeper', bytes(5, 2));
    await store.mkdir('walk/empty');
    const writer = await store.createWriter('walk/a/pending');
    await writer.write(0, bytes(10, 3));
    await writer.write(10, bytes(10, 4)); // the first piece is held back; the second creates the temp file

    const level = await all(store.list('walk'));
    expect(level.length).toBeGreaterThan(1);
    const flat = level.flat();
    expect(flat).toEqual([...flat].sort(comparePaths));
    expect(flat).toHaveLength(names.length + 1);

    const pages = await all(store.list('walk', { recursive: true, pageSize: 3 }));
    expect(pages.every((p) => p.length <= 3)).toBe(true);
    const walked = pages.flat();
    expect(walked).toEqual([...walked].sort(comparePaths));
    expect(walked).toContain('walk/a/b/deeper');
    expect(walked).toContain('walk/empty');
    expect(walked.indexOf('walk/a/b')).toBeLessThan(walked.indexOf('walk/a b'));
    expect(walked.some((p) => p.includes('.lakeshift-tmp-'))).toBe(false);
    expect((await rawNames(emulator, 'walk/a')).some((n) => n.startsWith('.lakeshift-tmp-'))).toBe(true);

    await writer.abort();
    await writer.abort();
    expect((await rawNames(emulator, 'walk/a')).some((n) => n.startsWith('.lakeshift-tmp-'))).toBe(false);
    expect(await codeOf(store.stat('walk/a/pending'))).toBe('not-found');
  });

  it('maps errors to StorageError codes', async () => {
    expect(await codeOf(store.stat('missing/file'))).toBe('not-found');
    expect(await codeOf(all(store.list('missing')))).toBe('not-found');
    await put(store, 'errs/file', bytes(10, 4));
    expect(await codeOf(put(store, 'errs/file', bytes(3, 5)))).toBe('already-exists');
    await put(store, 'errs/file', bytes(3, 5), 4096, true);
    expect((await get(store, 'errs/file')).equals(Buffer.from(bytes(3, 5)))).toBe(true);
    expect(await codeOf(store.remove('errs'))).toBe('not-empty');
    expect(await codeOf(store.openRead('errs/file', { offset: 4 }))).toBe('invalid-argument');
    expect(await codeOf(store.getProperties('errs/file'))).toBe('not-supported');
    expect(await codeOf(store.mkdir('errs/file'))).toBe('already-exists');
    expect(await codeOf(store.stat('../x'))).toBe('invalid-argument');

    const w = await store.createWriter('errs/short');
    await w.write(0, bytes(4, 6));
    expect(await codeOf(w.commit({ size: 5 }))).toBe('integrity-mismatch');
    expect(await codeOf(store.stat('errs/short'))).toBe('not-found');

    // A non-superuser is refused below a folder only the admin may enter.
    await store.mkdir('private');
    await store.setPermissions('private', 0o700);
    await put(store, 'private/secret', bytes(4, 7));
    const other = createGen1Store(parseLocation(`${emulator.url}/webhdfs/v1/`) as Gen1Location, { token: mintEmulatorToken('0b000000-0000-4000-8000-000000000002', 600) });
    stores.push(other);
    expect(await codeOf(other.stat('private/secret'))).toBe('permission-denied');
    expect(await codeOf(other.setOwner('private', 'someone', undefined))).toBe('permission-denied');
  });

  it('reports auth-failed for bad or expired tokens, and checkGen1Access explains', async () => {
    const loc = parseLocation(`${emulator.url}/webhdfs/v1/`) as Gen1Location;
    const bad = createGen1Store(loc, { token: 'not-a-jwt' });
    const expired = createGen1Store(loc, { token: mintEmulatorToken(GEN1_EMULATOR_ADMIN_OID, -3600) });
    stores.push(bad, expired);
    expect(await codeOf(bad.stat(''))).toBe('auth-failed');
    expect(await codeOf(expired.stat(''))).toBe('auth-failed');
    const err = await checkGen1Access(bad).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect((err as StorageError).message).toMatch(/refused the credentials.*--gen1-token/s);
    expect((err as StorageError).message).not.toContain('not-a-jwt');
    expect(await checkGen1Access(store)).toMatchObject({ kind: 'directory' });
    const missing = createGen1Store(parseLocation(`${emulator.url}/webhdfs/v1/nope`) as Gen1Location);
    stores.push(missing);
    expect(await codeOf(checkGen1Access(missing))).toBe('not-found');
  });

  it('fails fast with transient when nothing listens', async () => {
    const probe = await startGen1Emulator({ port: 0, inMemory: true });
    const url = probe.url;
    await probe.close();
    const dead = createGen1Store(parseLocation(`${url}/webhdfs/v1/`) as Gen1Location, { maxRetries: 1, retryBaseMs: 1 });
    stores.push(dead);
    const err = await checkGen1Access(dead).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'transient' });
    expect((err as Error).message).toMatch(/Cannot reach .*ECONNREFUSED/s);
  });

  it('sets times, expiry, permissions with sticky bit, owner and ACLs', async () => {
    await put(store, 'meta/file', bytes(8, 8));
    await store.setTimes?.('meta/file', { mtimeMs: Date.UTC(2019, 1, 2), atimeMs: Date.UTC(2020, 3, 4) });
    await store.setExpiry?.('meta/file', Date.UTC(2031, 0, 1));
    let entry = await store.stat('meta/file');
    expect(entry).toMatchObject({ mtimeMs: Date.UTC(2019, 1, 2), atimeMs: Date.UTC(2020, 3, 4), expiryMs: Date.UTC(2031, 0, 1) });
    await store.setExpiry?.('meta/file', undefined);
    entry = await store.stat('meta/file');
    expect(entry.expiryMs).toBeUndefined();
    const etagBefore = entry.etag;
    await store.setPermissions('meta/file', 0o600);
    expect((await store.stat('meta/file')).etag).not.toBe(etagBefore);

    await store.mkdir('meta/tmp');
    await store.setPermissions('meta/tmp', 0o1777);
    expect((await store.stat('meta/tmp')).permissions).toBe(0o1777);
    expect((await store.getAcl('meta/tmp')).permissions).toBe(0o1777);

    const user = '11111111-1111-4111-8111-111111111111';
    await store.setOwner('meta/file', user, '22222222-2222-4222-8222-222222222222');
    await store.setAcl('meta/file', [
      { scope: 'access', type: 'user', id: '', perms: 6 },
      { scope: 'access', type: 'user', id: user, perms: 4 },
      { scope: 'access', type: 'group', id: '', perms: 4 },
      { scope: 'access', type: 'mask', id: '', perms: 4 },
      { scope: 'access', type: 'other', id: '', perms: 0 },
    ]);
    const acl = await store.getAcl('meta/file');
    expect(acl.owner).toBe(user);
    expect(acl.entries).toContainEqual({ scope: 'access', type: 'user', id: user, perms: 4 });
    expect((await store.stat('meta/file')).hasAcl).toBe(true);
  });

  it('checkedCommit: a writer with ifMatch replaces only the version it names, else precondition-failed and nothing visible', async () => {
    expect(store.capabilities.checkedCommit).toBe(true);
    await put(store, 'cc/f.txt', bytes(10, 1));
    const listed = await store.stat('cc/f.txt');
    expect(listed.etag).toBeDefined();
    // The listing's ETag is the stat's (both synthesized from the same status fields).
    const entries = [];
    for await (const page of store.list('cc')) entries.push(...page);
    expect(entries.map((e) => [e.path, e.etag])).toEqual([['cc/f.txt', listed.etag]]);
    const stale = await store.createWriter('cc/f.txt', { overwrite: true, ifMatch: listed.etag ?? '' });
    await put(store, 'cc/f.txt', bytes(12, 2), 4096, true);
    await stale.write(0, bytes(5, 3));
    expect(await codeOf(stale.commit({ size: 5 }))).toBe('precondition-failed');
    expect((await get(store, 'cc/f.txt')).equals(Buffer.from(bytes(12, 2)))).toBe(true);
    expect(await rawNames(emulator, 'cc')).toEqual(['f.txt']);
    const current = await store.stat('cc/f.txt');
    const fresh = await store.createWriter('cc/f.txt', { overwrite: true, ifMatch: current.etag ?? '' });
    await fresh.write(0, bytes(7, 4));
    expect((await fresh.commit({ size: 7 })).size).toBe(7);
    // A target that is gone is not the version named either.
    await store.remove('cc/f.txt');
    const gone = await store.createWriter('cc/f.txt', { overwrite: true, ifMatch: current.etag ?? '' });
    await gone.write(0, bytes(3, 5));
    expect(await codeOf(gone.commit({ size: 3 }))).toBe('precondition-failed');
    expect(await codeOf(store.stat('cc/f.txt'))).toBe('not-found');
  });

  it('metadataBeforeCommit: owner, ACL and times are on the file when it appears, and commit returns the final entry', async () => {
    expect(store.capabilities.metadataBeforeCommit).toBe(true);
    const user = '33333333-3333-4333-8333-333333333333';
    const group = '44444444-4444-4444-8444-444444444444';
    await store.mkdir('mbc');
    // A default ACL on the parent: the written file's ACL is the one given, not the inherited one.
    await store.setAcl('mbc', [
      { scope: 'access', type: 'user', id: '', perms: 7 }, { scope: 'access', type: 'group', id: '', perms: 5 }, { scope: 'access', type: 'other', id: '', perms: 5 },
      { scope: 'default', type: 'user', id: '', perms: 7 }, { scope: 'default', type: 'user', id: group, perms: 7 }, { scope: 'default', type: 'group', id: '', perms: 5 },
      { scope: 'default', type: 'mask', id: '', perms: 7 }, { scope: 'default', type: 'other', id: '', perms: 0 },
    ]);
    await put(store, 'mbc/f.txt', bytes(6, 6));
    const entries = [
      { scope: 'access' as const, type: 'user' as const, id: '', perms: 6 },
      { scope: 'access' as const, type: 'user' as const, id: user, perms: 4 },
      { scope: 'access' as const, type: 'group' as const, id: '', perms: 4 },
      { scope: 'access' as const, type: 'mask' as const, id: '', perms: 4 },
      { scope: 'access' as const, type: 'other' as const, id: '', perms: 0 },
    ];
    const times = { mtimeMs: Date.UTC(2018, 5, 6, 7, 8, 9), atimeMs: Date.UTC(2019, 6, 7) };
    for (const path of ['mbc/new.txt', 'mbc/f.txt']) {
      const writer = await store.createWriter(path, { overwrite: true, accessControl: { entries, owner: user, group }, times });
      await writer.write(0, bytes(9, 9));
      emulator.resetRequestCounts();
      const committed = await writer.commit({ size: 9 });
      // Set on the temporary file before the RENAME; nothing is set on the target after it.
      expect(emulator.requestCounts()).toEqual({ CREATE: 1, SETACL: 1, SETOWNER: 1, SETTIMES: 1, GETFILESTATUS: 2, RENAME: 1 });
      expect(committed).toMatchObject({ size: 9, mtimeMs: times.mtimeMs, atimeMs: times.atimeMs, owner: user, group, permissions: 0o640, hasAcl: true });
      expect(await store.stat(path)).toEqual(committed);
      const acl = await store.getAcl(path);
      expect(acl).toMatchObject({ owner: user, group, permissions: 0o640 });
      expect(acl.entries.filter((e) => e.type === 'user' && e.id !== '')).toEqual([{ scope: 'access', type: 'user', id: user, perms: 4 }]);
      expect((await get(store, path)).equals(Buffer.from(bytes(9, 9)))).toBe(true);
    }
    expect(await rawNames(emulator, 'mbc')).toEqual(['f.txt', 'new.txt']);
    // A mode alone (no ACL entries) is set too (a parent without a default ACL).
    const w = await store.createWriter('mbcplain/mode.txt', { accessControl: { permissions: 0o604 }, times: { mtimeMs: Date.UTC(2017, 1, 1) } });
    await w.write(0, bytes(2, 2));
    expect(await w.commit({ size: 2 })).toMatchObject({ permissions: 0o604, mtimeMs: Date.UTC(2017, 1, 1) });
  });

  it('metadataBeforeCommit: an ACL of base entries only is carried by CREATE, checked before the RENAME, set when a default ACL got in the way', async () => {
    const base = [
      { scope: 'access' as const, type: 'user' as const, id: '', perms: 6 },
      { scope: 'access' as const, type: 'group' as const, id: '', perms: 4 },
      { scope: 'access' as const, type: 'other' as const, id: '', perms: 1 },
    ];
    const times = { mtimeMs: Date.UTC(2016, 2, 3), atimeMs: Date.UTC(2016, 3, 4) };
    const write = async (path: string): Promise<{ committed: Awaited<ReturnType<Store['stat']>>; counts: Record<string, number> }> => {
      const writer = await store.createWriter(path, { accessControl: { entries: base }, times });
      await writer.write(0, bytes(4, 4));
      emulator.resetRequestCounts();
      const committed = await writer.commit({ size: 4 });
      return { committed, counts: emulator.requestCounts() };
    };
    // The way it was done before (write, then SETACL and SETTIMES on the file): the result to match.
    const reference = async (path: string): Promise<{ entry: Awaited<ReturnType<Store['stat']>>; acl: Awaited<ReturnType<Store['getAcl']>> }> => {
      await put(store, path, bytes(4, 4));
      await store.setAcl(path, base);
      await store.setTimes?.(path, times);
      return { entry: await store.stat(path), acl: await store.getAcl(path) };
    };
    // A parent without a default ACL: no SETACL, CREATE's permission gives the mode.
    await store.mkdir('base/plain');
    const plain = await write('base/plain/f.txt');
    expect(plain.counts).toEqual({ CREATE: 1, SETTIMES: 1, GETFILESTATUS: 2, RENAME: 1 });
    expect(plain.committed).toMatchObject({ permissions: 0o641, hasAcl: false, mtimeMs: times.mtimeMs, atimeMs: times.atimeMs });
    expect(await store.stat('base/plain/f.txt')).toEqual(plain.committed);
    const plainRef = await reference('base/plain/ref.txt');
    expect(await store.getAcl('base/plain/f.txt')).toEqual(plainRef.acl);
    expect({ ...plain.committed, path: '' }).toEqual({ ...plainRef.entry, path: '' });
    // A parent with a default ACL: the inherited entries are seen on the temp file and replaced by the ACL asked for.
    await store.mkdir('base/inherit');
    await store.setAcl('base/inherit', [
      { scope: 'access', type: 'user', id: '', perms: 7 }, { scope: 'access', type: 'group', id: '', perms: 5 }, { scope: 'access', type: 'other', id: '', perms: 5 },
      { scope: 'default', type: 'user', id: '', perms: 7 }, { scope: 'default', type: 'user', id: '55555555-5555-4555-8555-555555555555', perms: 7 },
      { scope: 'default', type: 'group', id: '', perms: 5 }, { scope: 'default', type: 'mask', id: '', perms: 7 }, { scope: 'default', type: 'other', id: '', perms: 0 },
    ]);
    const inherit = await write('base/inherit/f.txt');
    expect(inherit.counts).toEqual({ CREATE: 1, SETACL: 1, SETTIMES: 2, GETFILESTATUS: 3, RENAME: 1 });
    expect(await store.stat('base/inherit/f.txt')).toEqual(inherit.committed);
    const inheritRef = await reference('base/inherit/ref.txt');
    expect(await store.getAcl('base/inherit/f.txt')).toEqual(inheritRef.acl);
    expect(inheritRef.acl.entries.some((e) => e.id !== '')).toBe(false);
    expect({ ...inherit.committed, path: '' }).toEqual({ ...inheritRef.entry, path: '' });
  });

  it('reads ranges, in parallel segments too', async () => {
    const data = bytes(300_000, 9);
    await put(store, 'read/big', data, 70_000);
    expect((await get(store, 'read/big', { offset: 123_456, length: 1000 })).equals(Buffer.from(data.subarray(123_456, 124_456)))).toBe(true);
    expect((await get(store, 'read/big', { offset: 299_990 })).equals(Buffer.from(data.subarray(299_990)))).toBe(true);
    expect((await get(store, 'read/big', { offset: 300_000 })).length).toBe(0);
    const parts: Uint8Array[] = [];
    for await (const seg of readRangesParallel(store, 'read/big', { size: data.byteLength, segmentSize: 32_768, concurrency: 3 })) parts.push(seg);
    expect(Buffer.concat(parts).equals(Buffer.from(data))).toBe(true);
  });

  describe.each([
    { kind: 'status' as const, label: '503 every 3rd request' },
    { kind: 'reset' as const, label: 'connection reset every 3rd request' },
  ])('with faults: $label', ({ kind }) => {
    let faulty: Store;
    beforeAll(async () => {
      ({ store: faulty } = await open({ chunkSize: 16 * 1024 }, { everyNth: 3, kind, status: 503, retryAfterSeconds: 0 }));
    });

    it('injects faults that surface without retries', async () => {
      const noRetry = createGen1Store(parseLocation(`${emulators[emulators.length - 1]?.url ?? ''}/webhdfs/v1/`) as Gen1Location, { maxRetries: 0 });
      stores.push(noRetry);
      const codes = await Promise.all(Array.from({ length: 6 }, () => codeOf(noRetry.stat(''))));
      expect(codes).toContain('transient');
    });

    it('writes, reads, lists, renames and removes correctly', async () => {
      const data = bytes(100_003, 10);
      await put(faulty, 'f/data.bin', data, 30_000);
      await put(faulty, 'f/small', bytes(10, 11));
      expect((await get(faulty, 'f/data.bin')).equals(Buffer.from(data))).toBe(true);
      await faulty.rename('f/small', 'g/moved');
      expect((await all(faulty.list('', { recursive: true }))).flat()).toEqual(['f', 'f/data.bin', 'g', 'g/moved']);
      await faulty.remove('f', { recursive: true });
      expect(await codeOf(faulty.stat('f'))).toBe('not-found');
    });
  });

  it('honours Retry-After on 429', async () => {
    const { store: throttled } = await open({ retryBaseMs: 1 }, { everyNth: 2, kind: 'status', status: 429, retryAfterSeconds: 1 });
    await throttled.stat('');
    const started = Date.now();
    await throttled.stat('');
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('times out slow requests per request and retries them', async () => {
    const { store: slow } = await open({ timeoutMs: 150, maxRetries: 1, retryBaseMs: 1 }, { latencyMs: 1000 });
    const started = Date.now();
    expect(await codeOf(slow.stat(''))).toBe('transient');
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('gives up after maxRetries with the mapped code', async () => {
    const { store: failing } = await open({ maxRetries: 2, retryBaseMs: 1 }, { everyNth: 1, kind: 'status', status: 503, retryAfterSeconds: 0 });
    const started = Date.now();
    expect(await codeOf(failing.stat(''))).toBe('transient');
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
