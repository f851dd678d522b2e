import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAclSpec } from '../src/core/acl-spec.js';
import type { Store } from '../src/core/store.js';
import { startGen1Emulator, type Gen1Emulator } from '../src/emulators/gen1/index.js';
import { startGen2Emulator, type Gen2Emulator } from '../src/emulators/gen2/index.js';
import { runMigration } from '../src/engine/migrate.js';
import { openSqliteJobDb, type JobDb } from '../src/state/db.js';
import { openGen1, openGen2, sdkFilesystem, sdkMode } from './migrate-helpers.js';

/**
 * Requests per small file and per directory, counted by both emulators' request counters: a change
 * that adds a request per item fails here (counts, not times). Tree: DIRS directories under the root,
 * each with FILES small files owned by a user object ID; one file and every directory carry named ACL
 * entries.
 */
const DIRS = 4;
const FILES = 12;
const OWNER = '11111111-1111-4111-8111-111111111111';
const GROUP = '22222222-2222-4222-8222-222222222222';
const READER = '33333333-3333-4333-8333-333333333333';

describe('requests per item, Gen1 -> Gen2 over the emulators', () => {
  let gen1: Gen1Emulator;
  let gen2: Gen2Emulator;
  let source: Store;
  let dir: string;
  let jobDb: JobDb;
  const stores: Store[] = [];

  beforeAll(async () => {
    gen1 = await startGen1Emulator({ port: 0, inMemory: true });
    gen2 = await startGen2Emulator({ port: 0, inMemory: true });
    source = openGen1(gen1.url, 'lake');
    stores.push(source);
    await source.mkdir('');
    for (let d = 0; d < DIRS; d++) {
      const path = `d${d}`;
      await source.mkdir(path, { permissions: 0o750 });
      await source.setAcl(path, parseAclSpec(`user::rwx,user:${READER}:r-x,group::r-x,mask::r-x,other::---,default:user::rwx,default:group::r-x,default:other::---`));
      await source.setOwner(path, OWNER, GROUP);
      for (let f = 0; f < FILES; f++) {
        const file = `${path}/f${String(f).padStart(2, '0')}.csv`;
        const writer = await source.createWriter(file, { permissions: 0o640 });
        const data = Buffer.from(`row,${d},${f}\n`.repeat(10 + f));
        await writer.write(0, data);
        await writer.commit({ size: data.length });
        await source.setOwner(file, OWNER, GROUP);
      }
      await source.setAcl(`${path}/f00.csv`, parseAclSpec(`user::rw-,user:${READER}:r--,group::r--,mask::r--,other::---`));
    }
    dir = mkdtempSync(join(tmpdir(), 'lakeshift-requests-'));
    jobDb = await openSqliteJobDb(dir);
  }, 120_000);

  afterAll(async () => {
    for (const s of stores) await s.close().catch(() => undefined);
    await jobDb?.close();
    await gen1?.close();
    await gen2?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('copies each small file with one Put Blob and one Set Access Control, and reads it with one OPEN', async () => {
    const dest = openGen2(gen2.url, 'counted');
    stores.push(dest);
    gen1.resetRequestCounts();
    gen2.resetRequestCounts();
    // 32 files in flight under one signal: no store adds a listener per request to it (Node warns past 10).
    const warnings: string[] = [];
    const onWarning = (w: Error): void => {
      warnings.push(`${w.name}: ${w.message}`);
    };
    process.on('warning', onWarning);
    const controller = new AbortController();
    const summary = await runMigration({ source, dest, jobDb, concurrency: 32, signal: controller.signal }).finally(() => process.off('warning', onWarning));
    expect(warnings.filter((w) => w.includes('MaxListeners'))).toEqual([]);
    expect(summary.status).toBe('completed');
    expect(summary.files.copied).toBe(DIRS * FILES);
    const one = gen1.requestCounts();
    const two = gen2.requestCounts();
    const files = DIRS * FILES;
    const dirs = DIRS + 1; // and the root, whose ACL and owner are carried too
    console.info(`[requests] ${files} files, ${dirs} directories: Gen1 ${JSON.stringify(one)}; Gen2 ${JSON.stringify(two)}`);

    // Gen2: per file one Put Blob (owner and ACL cannot go in it) and one Set Access Control; no DFS
    // create/append/flush/rename for files. Per directory one create and one Set Access Control.
    expect(two.PutBlob).toBe(files);
    expect(two.SetAccessControl).toBe(files + dirs);
    expect(two.CreatePath).toBe(DIRS);
    for (const op of ['AppendData', 'FlushData', 'RenamePath', 'PutBlock', 'PutBlockList', 'DeletePath', 'DeleteBlob']) expect(two[op] ?? 0, op).toBe(0);
    const gen2Total = Object.values(two).reduce((a, b) => a + b, 0);
    expect(gen2Total).toBeLessThanOrEqual(2 * files + 2 * dirs + 4);

    // Gen1: per file one OPEN; the check that the source did not change while it was copied costs one
    // listing per directory, not a GETFILESTATUS per file; ACLs are read where the listing's aclBit says so.
    expect(one.OPEN).toBe(files);
    expect(one.GETFILESTATUS ?? 0).toBeLessThanOrEqual(2);
    expect(one.LISTSTATUS ?? 0).toBeLessThanOrEqual(2 * dirs + 1);
    expect(one.MSGETACLSTATUS ?? 0).toBeLessThanOrEqual(dirs + DIRS);

    // What arrived is right (independently, through the SDK).
    const fs = sdkFilesystem(gen2.url, 'counted');
    const plain = await fs.getFileClient('d1/f03.csv').getAccessControl();
    expect({ owner: plain.owner, group: plain.group, mode: plain.permissions === undefined ? undefined : sdkMode(plain.permissions) }).toEqual({ owner: OWNER, group: GROUP, mode: 0o640 });
    const named = await fs.getFileClient('d2/f00.csv').getAccessControl();
    expect(named.acl.some((e) => e.entityId === READER)).toBe(true);
    const d = await fs.getDirectoryClient('d3').getAccessControl();
    expect(d.owner).toBe(OWNER);
    expect(d.acl.some((e) => e.defaultScope && e.accessControlType === 'other')).toBe(true);
    const props = await fs.getFileClient('d0/f05.csv').getProperties();
    expect(props.contentLength).toBe(Buffer.from('row,0,5\n'.repeat(15)).length);
    expect(props.contentMD5).toBeDefined();
  }, 120_000);

  /** The destination, with `onCommit` run after a file's bytes were read, just before its commit. */
  function commitHook(dest: Store, onCommit: (path: string) => Promise<void>): Store {
    return new Proxy(dest, {
      get(target, prop, receiver) {
        const value: unknown = Reflect.get(target, prop, receiver);
        if (prop !== 'createWriter') return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
        return async (path: string, o: object) => {
          const w = await target.createWriter(path, o);
          return { path: w.path, write: w.write.bind(w), abort: w.abort.bind(w), commit: async (c: Parameters<typeof w.commit>[0]) => {
            await onCommit(path);
            return w.commit(c);
          } };
        };
      },
    });
  }

  async function rewrite(path: string, text: string): Promise<void> {
    const writer = await source.createWriter(path, { overwrite: true });
    await writer.write(0, Buffer.from(text));
    await writer.commit({ size: Buffer.byteLength(text) });
  }

  it('still catches a file that changes after its bytes were read (the directory listing), and copies the new version', async () => {
    const base = openGen2(gen2.url, 'changed');
    stores.push(base);
    let changed = 0;
    const dest = commitHook(base, async (path) => {
      if (path === 'd1/f04.csv' && changed === 0) {
        changed++;
        await rewrite('d1/f04.csv', 'the second version, longer than the first\n');
      }
    });
    const db = await openSqliteJobDb(mkdtempSync(join(dir, 'changed-')));
    try {
      const summary = await runMigration({ source, dest, jobDb: db, preserve: ['permissions'] });
      expect(summary.status).toBe('completed');
      expect(changed).toBe(1);
      expect(summary.files.copied).toBe(DIRS * FILES);
      const got = await sdkFilesystem(gen2.url, 'changed').getFileClient('d1/f04.csv').readToBuffer();
      expect(got.toString()).toBe('the second version, longer than the first\n');
    } finally {
      await db.close();
    }
  }, 120_000);

  it('fails a file that changes during every attempt and leaves no copy of it', async () => {
    const base = openGen2(gen2.url, 'unstable');
    stores.push(base);
    let version = 0;
    const dest = commitHook(base, async (path) => {
      if (path === 'd2/f07.csv') await rewrite('d2/f07.csv', `version ${++version}\n`);
    });
    const db = await openSqliteJobDb(mkdtempSync(join(dir, 'unstable-')));
    try {
      const summary = await runMigration({ source, dest, jobDb: db, preserve: ['permissions'], sourceChangeAttempts: 3 });
      expect(summary.status).toBe('failed');
      expect(version).toBe(3);
      expect(summary.files.failed).toBe(1);
      expect(summary.failures[0]?.error).toMatch(/changed during the copy 3 times/);
      expect(await sdkFilesystem(gen2.url, 'unstable').getFileClient('d2/f07.csv').exists()).toBe(false);
    } finally {
      await db.close();
    }
  }, 120_000);
});
