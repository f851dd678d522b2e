import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AclEntry } from '../core/acl-types.js';
import { isStorageError } from '../core/errors.js';
import type { ReadRange, Store } from '../core/store.js';
import { walk } from '../core/walk.js';
import { createMemoryStore, dropMemoryStore } from '../stores/memory/index.js';
import { openSqliteJobDb, type JobDb } from '../state/db.js';
import { countItems } from '../state/items.js';
import { getJob, listRuns } from '../state/jobs.js';
import { runMigration } from './migrate.js';
import { flakyStore, reshapeStore } from './test-stores.js';
import type { MigrationEvent } from './types.js';

const BLOCK = 1024;
const SIZES = [0, 1, BLOCK - 1, BLOCK, BLOCK + 1, 3 * BLOCK + 7];
const OID_A = '11111111-1111-1111-1111-111111111111';
const OID_B = '22222222-2222-2222-2222-222222222222';
const OID_G = '33333333-3333-3333-3333-333333333333';

function bytesFor(path: string, size: number, salt = ''): Uint8Array {
  const out = new Uint8Array(size);
  let seed = createHash('md5').update(path + salt).digest().readUInt32LE(0);
  for (let i = 0; i < size; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    out[i] = seed >>> 24;
  }
  return out;
}

async function put(store: Store, path: string, data: Uint8Array, overwrite = false): Promise<void> {
  const w = await store.createWriter(path, { overwrite });
  if (data.byteLength > 0) await w.write(0, data);
  await w.commit({ size: data.byteLength });
}

async function read(store: Store, path: string): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const p of await store.openRead(path)) parts.push(p);
  return Buffer.concat(parts);
}

async function codeOf(op: () => Promise<unknown>): Promise<string> {
  try {
    await op();
  } catch (e) {
    return isStorageError(e) ? e.code : String(e);
  }
  return 'no error';
}

let counter = 0;
function memory(prefix: string): Store {
  counter++;
  return createMemoryStore({ kind: 'memory', name: `${prefix}-${process.pid}-${counter}`, path: '' });
}

const T0 = Date.UTC(2019, 4, 1);
const dirAcl: AclEntry[] = [
  { scope: 'access', type: 'user', id: '', perms: 7 },
  { scope: 'access', type: 'user', id: OID_A, perms: 5 },
  { scope: 'access', type: 'group', id: '', perms: 5 },
  { scope: 'access', type: 'mask', id: '', perms: 5 },
  { scope: 'access', type: 'other', id: '', perms: 0 },
  { scope: 'default', type: 'user', id: '', perms: 7 },
  { scope: 'default', type: 'user', id: OID_B, perms: 7 },
  { scope: 'default', type: 'group', id: '', perms: 5 },
  { scope: 'default', type: 'mask', id: '', perms: 7 },
  { scope: 'default', type: 'other', id: '', perms: 0 },
];

/** A small lake: sized files, nested dirs, an empty dir, ACLs, owners, a sticky dir, times, a bad name. */
async function seed(store: Store): Promise<void> {
  await store.mkdir('raw/empty');
  await store.mkdir('shared', { permissions: 0o777 });
  await store.setPermissions('shared', 0o1777);
  for (const size of SIZES) await put(store, `raw/s${size}.bin`, bytesFor(`raw/s${size}.bin`, size));
  await put(store, 'raw/deep/a/b/c.txt', bytesFor('c', 100));
  await put(store, 'raw/odd:name.txt', bytesFor('odd', 10));
  await put(store, 'curated/table/part-0.parquet', bytesFor('p0', 2000));
  await store.setAcl('curated', dirAcl);
  await store.setOwner('curated', OID_A, OID_G);
  await store.setOwner('raw/s1.bin', OID_B, OID_G);
  await store.setAcl('raw/s1.bin', [
    { scope: 'access', type: 'user', id: '', perms: 6 },
    { scope: 'access', type: 'user', id: OID_A, perms: 4 },
    { scope: 'access', type: 'group', id: '', perms: 4 },
    { scope: 'access', type: 'mask', id: '', perms: 4 },
    { scope: 'access', type: 'other', id: '', perms: 0 },
  ]);
  if (store.setTimes) {
    for await (const page of walk(store, '')) {
      for (const e of page) await store.setTimes(e.path, { mtimeMs: T0 + e.path.length * 1000, atimeMs: T0 + 5 });
    }
  }
  await store.setExpiry?.('raw/s1.bin', T0 + 10 ** 12);
}

describe('runMigration over memory stores', () => {
  let dir: string;
  let jobDb: JobDb;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lakeshift-engine-'));
    jobDb = await openSqliteJobDb(dir);
  });
  afterAll(async () => {
    await jobDb.close();
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(() => undefined);

  it('copies bytes, empty directories, ACLs, owners, sticky bits and times (native times)', async () => {
    const source = memory('src');
    const dest = memory('dst');
    await seed(source);
    const events: MigrationEvent[] = [];
    const summary = await runMigration({ source, dest, jobDb, blockSize: BLOCK, concurrency: 3, onEvent: (e) => events.push(e) });
    expect(summary.status).toBe('completed');
    expect(summary.files.failed).toBe(0);
    const expected = SIZES.reduce((a, b) => a + b, 0) + 100 + 10 + 2000;
    expect(summary.bytes).toBe(expected);
    for (const size of SIZES) expect(Buffer.from(await read(dest, `raw/s${size}.bin`)).equals(Buffer.from(bytesFor(`raw/s${size}.bin`, size)))).toBe(true);
    expect((await dest.stat('raw/empty')).kind).toBe('directory');
    const acl = await dest.getAcl('curated');
    expect(acl.owner).toBe(OID_A);
    expect(acl.group).toBe(OID_G);
    expect(acl.entries).toEqual(expect.arrayContaining([{ scope: 'default', type: 'user', id: OID_B, perms: 7 }, { scope: 'access', type: 'user', id: OID_A, perms: 5 }]));
    const fileAcl = await dest.getAcl('raw/s1.bin');
    expect(fileAcl.owner).toBe(OID_B);
    expect(fileAcl.entries).toContainEqual({ scope: 'access', type: 'user', id: OID_A, perms: 4 });
    expect((await dest.getAcl('shared')).permissions).toBe(0o1777);
    const srcEntry = await source.stat('raw/deep/a/b/c.txt');
    const dstEntry = await dest.stat('raw/deep/a/b/c.txt');
    expect(dstEntry.mtimeMs).toBe(srcEntry.mtimeMs);
    expect((await dest.stat('raw/deep')).mtimeMs).toBe((await source.stat('raw/deep')).mtimeMs);
    expect((await dest.stat('raw/s1.bin')).expiryMs).toBe(T0 + 10 ** 12);
    expect(events.some((e) => e.type === 'phase' && e.phase === 'acl')).toBe(true);
    const phases = events.filter((e) => e.type === 'phase').map((e) => (e.type === 'phase' ? e.phase : ''));
    expect(phases).toEqual(['scan', 'transfer', 'acl', 'done']);
    const job = await getJob(jobDb, summary.jobId);
    expect(job.status).toBe('completed');
    expect(job.files_total).toBe(SIZES.length + 3);

    // Same command again: same job, nothing copied.
    const again = await runMigration({ source, dest, jobDb, blockSize: BLOCK });
    expect(again.jobId).toBe(summary.jobId);
    expect(again.runNo).toBe(2);
    expect(again.files.copied).toBe(0);
    expect(again.files.unchanged).toBe(SIZES.length + 3);
    expect((await listRuns(jobDb, summary.jobId)).map((r) => r.status)).toEqual(['completed', 'completed']);
  });

  it('keeps times as properties when the destination cannot set them, and skips names it refuses', async () => {
    const source = memory('src');
    await seed(source);
    const dest = reshapeStore(memory('dst'), { noSetTimes: true, noSetExpiry: true, capabilities: { names: { ...source.capabilities.names, colon: false } } });
    const summary = await runMigration({ source, dest, jobDb, blockSize: BLOCK });
    expect(summary.status).toBe('completed');
    expect(summary.skipped).toEqual([{ path: 'raw/odd:name.txt', reason: expect.stringContaining("contains ':'") }]);
    await expect(dest.stat('raw/odd:name.txt')).rejects.toMatchObject({ code: 'not-found' });
    const src = await source.stat('raw/s1.bin');
    const props = await dest.getProperties('raw/s1.bin');
    expect(props['lakeshift_mtime']).toBe(String(src.mtimeMs));
    expect(props['lakeshift_atime']).toBe(String(T0 + 5));
    expect(props['lakeshift_expiry']).toBe(String(T0 + 10 ** 12));
    expect((await dest.getProperties('raw/deep'))['lakeshift_mtime']).toBe(String((await source.stat('raw/deep')).mtimeMs));
  });

  it('dry run counts what would be copied and writes nothing', async () => {
    const source = memory('src');
    await seed(source);
    const dest = memory('dst');
    const summary = await runMigration({ source, dest, jobDb, blockSize: BLOCK, dryRun: true, exclude: ['curated/**'] });
    expect(summary.dryRun).toBe(true);
    expect(summary.files.copied).toBe(SIZES.length + 2);
    expect(summary.bytes).toBe(SIZES.reduce((a, b) => a + b, 0) + 110);
    const entries = [];
    for await (const page of walk(dest, '')) entries.push(...page);
    expect(entries).toEqual([]);
  });

  it('include/exclude globs select files; malformed globs are refused up front', async () => {
    const source = memory('src');
    await seed(source);
    const dest = memory('dst');
    const summary = await runMigration({ source, dest, jobDb, include: ['**/*.bin'], exclude: ['raw/s0.bin'] });
    expect(summary.files.copied).toBe(SIZES.length - 1);
    await expect(dest.stat('raw/s0.bin')).rejects.toMatchObject({ code: 'not-found' });
    await expect(dest.stat('raw/deep/a/b/c.txt')).rejects.toMatchObject({ code: 'not-found' });
    await expect(runMigration({ source, dest, jobDb, include: ['raw/[abc'] })).rejects.toMatchObject({ code: 'invalid-argument' });
  });

  it('maps source prefixes to destinations and carries the source root ACL to each destination root', async () => {
    const source = memory('src');
    await seed(source);
    await source.setOwner('', OID_A, OID_G);
    const rawFs = memory('rawfs');
    const otherFs = memory('otherfs');
    const summary = await runMigration({ source, jobDb, mappings: [{ sourcePrefix: 'raw', dest: rawFs, destPath: 'landing' }, { sourcePrefix: '', dest: otherFs }] });
    expect(summary.status).toBe('completed');
    expect((await rawFs.stat('landing/s1.bin')).size).toBe(1);
    expect((await otherFs.stat('curated/table/part-0.parquet')).size).toBe(2000);
    await expect(otherFs.stat('raw/s1.bin')).rejects.toMatchObject({ code: 'not-found' });
    expect((await otherFs.getAcl('')).owner).toBe(OID_A);
    expect((await rawFs.getAcl('landing')).owner).toBe((await source.getAcl('raw')).owner);
  });

  it('maps principals through an identity map and reports unknown ones', async () => {
    const source = memory('src');
    await seed(source);
    const dest = memory('dst');
    const identityMap = new Map([[OID_A, 'aaaaaaaa-0000-0000-0000-000000000000']]);
    const summary = await runMigration({ source, dest, jobDb, identityMap });
    expect((await dest.getAcl('curated')).owner).toBe('aaaaaaaa-0000-0000-0000-000000000000');
    expect((await dest.getAcl('raw/s1.bin')).entries).toContainEqual({ scope: 'access', type: 'user', id: 'aaaaaaaa-0000-0000-0000-000000000000', perms: 4 });
    expect(summary.unmappedPrincipals).toEqual([OID_B, OID_G].sort());
  });

  it('finishes correctly when every 7th store call fails transiently', async () => {
    const base = memory('src');
    await seed(base);
    const source = flakyStore(base, 7);
    const destBase = memory('dst');
    const dest = flakyStore(destBase, 5);
    const summary = await runMigration({ source, dest, jobDb, blockSize: BLOCK, retry: { maxAttempts: 6, baseDelayMs: 1, maxDelayMs: 5 } });
    expect(source.failures() + dest.failures()).toBeGreaterThan(10);
    expect(summary.files.failed).toBe(0);
    expect(summary.status).toBe('completed');
    for (const size of SIZES) expect(Buffer.from(await read(destBase, `raw/s${size}.bin`)).equals(Buffer.from(bytesFor(`raw/s${size}.bin`, size)))).toBe(true);
    expect((await destBase.getAcl('curated')).owner).toBe(OID_A);
  });

  it('detects a source file that changes during its copy and copies the new version', async () => {
    const source = memory('src');
    await put(source, 'f.bin', bytesFor('f', 5000));
    const destBase = memory('dst');
    let changed = false;
    const dest = new Proxy(destBase, {
      get(target, prop, receiver) {
        const value: unknown = Reflect.get(target, prop, receiver);
        if (prop !== 'createWriter') return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
        return async (path: string, o: object) => {
          const w = await target.createWriter(path, o);
          if (!changed) {
            changed = true;
            await put(source, 'f.bin', bytesFor('f', 6000, 'v2'), true);
          }
          return w;
        };
      },
    });
    const summary = await runMigration({ source, dest, jobDb, blockSize: BLOCK });
    expect(summary.files.copied).toBe(1);
    expect(Buffer.from(await read(destBase, 'f.bin')).equals(Buffer.from(bytesFor('f', 6000, 'v2')))).toBe(true);
  });

  it('checks each source file without a stat (one listing of its directory after the copies) and skips a file removed after the scan', async () => {
    const base = memory('src');
    for (let i = 0; i < 12; i++) await put(base, `d/f${i}.bin`, bytesFor(`f${i}`, 100 + i));
    await put(base, 'd/gone.bin', bytesFor('gone', 50));
    const stats = new Map<string, number>();
    const listings = new Map<string, number>();
    let fileAclReads = 0;
    const source = new Proxy(base, {
      get(target, prop, receiver) {
        const value: unknown = Reflect.get(target, prop, receiver);
        if (prop === 'stat') {
          return (path: string, o?: object) => {
            stats.set(path, (stats.get(path) ?? 0) + 1);
            return target.stat(path, o);
          };
        }
        if (prop === 'list') {
          return (path: string, o?: { recursive?: boolean }) => {
            if (o?.recursive !== true) listings.set(path, (listings.get(path) ?? 0) + 1);
            return target.list(path, o);
          };
        }
        if (prop === 'getAcl') {
          return (path: string, o?: object) => {
            if (path.endsWith('.bin')) fileAclReads++;
            return target.getAcl(path, o);
          };
        }
        if (prop === 'openRead') {
          return async (path: string, range?: ReadRange, o?: object) => {
            if (path === 'd/gone.bin') await target.remove(path);
            return target.openRead(path, range, o);
          };
        }
        return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
      },
    });
    const dest = memory('dst');
    const summary = await runMigration({ source, dest, jobDb, blockSize: BLOCK });
    expect(summary.files).toMatchObject({ copied: 12, failed: 0, skipped: 1 });
    // The gone file is stat'ed once (its read failed); the others never.
    expect([...stats.keys()].filter((p) => p.startsWith('d/f'))).toEqual([]);
    expect(listings.get('d') ?? 0).toBeGreaterThanOrEqual(1);
    expect(listings.get('d') ?? 0).toBeLessThanOrEqual(3);
    for (let i = 0; i < 12; i++) {
      expect(Buffer.from(await read(dest, `d/f${i}.bin`)).equals(Buffer.from(bytesFor(`f${i}`, 100 + i)))).toBe(true);
    }
    expect(fileAclReads).toBe(0);
    expect(await codeOf(() => dest.stat('d/gone.bin'))).toBe('not-found');
  });

  it('resumes a cancelled run: every file arrives once, complete', async () => {
    const source = memory('src');
    for (let i = 0; i < 40; i++) await put(source, `d${i % 4}/f${i}.bin`, bytesFor(`f${i}`, 3000 + i));
    const dest = memory('dst');
    const ac = new AbortController();
    let items = 0;
    const first = await runMigration({
      source, dest, jobDb, blockSize: BLOCK, concurrency: 2, signal: ac.signal,
      onEvent: (e) => {
        if (e.type === 'item' && ++items === 10) ac.abort();
      },
    });
    expect(first.status).toBe('cancelled');
    const mid = await countItems(jobDb, first.jobId);
    expect(mid.find((c) => c.kind === 'file' && c.state === 'copying')).toBeUndefined();
    const second = await runMigration({ source, dest, jobDb, blockSize: BLOCK });
    expect(second.jobId).toBe(first.jobId);
    expect(second.status).toBe('completed');
    expect(first.files.copied + second.files.copied).toBe(40);
    for (let i = 0; i < 40; i++) expect(Buffer.from(await read(dest, `d${i % 4}/f${i}.bin`)).equals(Buffer.from(bytesFor(`f${i}`, 3000 + i)))).toBe(true);
  });

  it('on resume asks the destination to remove stale temp files next to interrupted items', async () => {
    const source = memory('src');
    await put(source, 'x/y/a.bin', bytesFor('a', 10));
    await put(source, 'x/b.bin', bytesFor('b', 10));
    const destBase = memory('dst');
    const cleaned: string[] = [];
    const dest = new Proxy(destBase, {
      get(target, prop, receiver) {
        if (prop === 'removeTempFiles') return async (d: string) => (cleaned.push(d), 1);
        const value: unknown = Reflect.get(target, prop, receiver);
        return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
      },
    });
    const first = await runMigration({ source, dest, jobDb });
    // As if the process had been killed while copying both files.
    await jobDb.db.updateTable('items').set({ state: 'copying' }).where('job_id', '=', first.jobId).where('kind', '=', 'file').execute();
    const second = await runMigration({ source, dest, jobDb });
    expect(cleaned.sort()).toEqual(['x', 'x/y']);
    expect(second.status).toBe('completed');
    expect(second.files.copied + second.files.metadataUpdated + second.files.unchanged).toBeGreaterThanOrEqual(0);
    expect(Buffer.from(await read(destBase, 'x/y/a.bin')).equals(Buffer.from(bytesFor('a', 10)))).toBe(true);
  });

  it('fails an item whose destination already exists under --overwrite never, and overwrites with always', async () => {
    const source = memory('src');
    await put(source, 'a.txt', bytesFor('a', 10));
    const dest = memory('dst');
    await put(dest, 'a.txt', bytesFor('other', 12));
    const never = await runMigration({ source, dest, jobDb });
    expect(never.files.skipped).toBe(1);
    expect(never.nonEmptyDestinations).toEqual(['/']);
    expect((await dest.stat('a.txt')).size).toBe(12);
    const always = await runMigration({ source, dest, jobDb, overwrite: 'always' });
    expect(always.files.copied).toBe(1);
    expect((await dest.stat('a.txt')).size).toBe(10);
  });
});

afterAll(() => {
  for (let i = 1; i <= counter; i++) for (const p of ['src', 'dst', 'rawfs', 'otherfs']) dropMemoryStore(`${p}-${process.pid}-${i}`);
});
