import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { joinPath, type Entry } from '../src/core/entry.js';
import type { Store } from '../src/core/store.js';
import { startGen1Emulator, type Gen1Emulator } from '../src/emulators/gen1/index.js';
import { startGen2Emulator, type Gen2Emulator } from '../src/emulators/gen2/index.js';
import { runMigration } from '../src/engine/migrate.js';
import { runIncremental } from '../src/patterns/incremental.js';
import { seedLake, type SeedSummary } from '../src/seed/index.js';
import { openSqliteJobDb, type JobDb } from '../src/state/db.js';
import { openGen1, openGen2, sdkFilesystem, sdkMode, sdkPaths, sdkRead, storeRead, walkAll } from './migrate-helpers.js';

/**
 * Gen1 emulator (seeded, small profile) -> Gen2 emulator through the engine, checked independently
 * through the official @azure/storage-file-datalake SDK.
 */
describe('migrate Gen1 -> Gen2 over the emulators', () => {
  let gen1: Gen1Emulator;
  let gen2: Gen2Emulator;
  let source: Store;
  let seed: SeedSummary;
  let dir: string;
  let jobDb: JobDb;
  const stores: Store[] = [];

  beforeAll(async () => {
    gen1 = await startGen1Emulator({ port: 0, inMemory: true });
    gen2 = await startGen2Emulator({ port: 0, inMemory: true });
    source = openGen1(gen1.url, 'lake');
    stores.push(source);
    await source.mkdir('');
    seed = await seedLake(source, { profile: 'small' });
    dir = mkdtempSync(join(tmpdir(), 'lakeshift-e2e-'));
    jobDb = await openSqliteJobDb(dir);
  }, 120_000);

  afterAll(async () => {
    for (const s of stores) await s.close().catch(() => undefined);
    await jobDb?.close();
    await gen1?.close();
    await gen2?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function checkArrived(fsName: string, skipped: Set<string>): Promise<{ files: number; dirs: number }> {
    const fs = sdkFilesystem(gen2.url, fsName);
    const listed = await sdkPaths(fs);
    const entries = await walkAll(source);
    let files = 0;
    let dirs = 0;
    const isSkipped = (p: string): boolean => [...skipped].some((s) => p === s || p.startsWith(`${s}/`));
    for (const e of entries) {
      if (isSkipped(e.path)) {
        expect(listed.has(e.path), `${e.path} was skipped but exists`).toBe(false);
        continue;
      }
      const seen = listed.get(e.path);
      expect(seen, `${e.path} missing at the destination`).toBeDefined();
      expect(seen?.isDirectory).toBe(e.kind === 'directory');
      if (e.kind === 'file') {
        files++;
        expect(seen?.size, e.path).toBe(e.size);
        if (e.size < 300_000) expect((await sdkRead(fs, e.path)).equals(await storeRead(source, e.path)), e.path).toBe(true);
      } else dirs++;
    }
    return { files, dirs };
  }

  async function checkMetadata(fsName: string, e: Entry): Promise<void> {
    const fs = sdkFilesystem(gen2.url, fsName);
    const client = e.kind === 'file' ? fs.getFileClient(e.path) : fs.getDirectoryClient(e.path);
    const ac = await client.getAccessControl();
    const want = await source.getAcl(e.path);
    expect(ac.owner, e.path).toBe(want.owner);
    expect(ac.group, e.path).toBe(want.group);
    expect(sdkMode(ac.permissions!), e.path).toBe(want.permissions);
    const named = (list: { accessControlType: string; entityId: string; defaultScope: boolean }[]): string[] =>
      list.filter((x) => x.entityId !== '').map((x) => `${x.defaultScope ? 'default:' : ''}${x.accessControlType}:${x.entityId}`).sort();
    const wantNamed = want.entries.filter((x) => x.id !== '' && (e.kind === 'directory' || x.scope === 'access')).map((x) => `${x.scope === 'default' ? 'default:' : ''}${x.type}:${x.id}`).sort();
    expect(named(ac.acl), e.path).toEqual(wantNamed);
    const props = await client.getProperties();
    expect(props.metadata?.['lakeshift_mtime'], e.path).toBe(String(e.mtimeMs));
  }

  it('copies everything: bytes, empty directories, owners, groups, permissions, ACLs and times as properties', async () => {
    const dest = openGen2(gen2.url, 'gen1');
    stores.push(dest);
    const summary = await runMigration({ source, dest, jobDb, blockSize: 256 * 1024, concurrency: 8 });
    console.log(`[e2e] small lake: ${summary.files.copied} files, ${summary.bytes} bytes, ${summary.directories.created} dirs in ${summary.durationMs} ms; skipped ${JSON.stringify(summary.skippedByReason)}`);
    expect(summary.failures).toEqual([]);
    expect(summary.status).toBe('completed');
    const skipped = new Set(summary.skipped.map((s) => s.path));
    expect(skipped.size).toBe(Object.values(summary.skippedByReason).reduce((a, b) => a + b, 0));
    const { files, dirs } = await checkArrived('gen1', skipped);
    expect(files).toBe(summary.files.copied);
    expect(dirs).toBeGreaterThan(0);
    for (const d of seed.emptyDirectories.filter((p) => !skipped.has(p))) expect((await dest.stat(d)).kind).toBe('directory');
    const sample = [...seed.aclPaths, ...seed.stickyPaths, ...seed.nearLimitAclPaths].filter((p) => ![...skipped].some((s) => p === s || p.startsWith(`${s}/`)));
    expect(sample.length).toBeGreaterThan(2);
    for (const p of new Set(sample)) await checkMetadata('gen1', await source.stat(p));
    const anyFile = (await walkAll(source)).find((e) => e.kind === 'file' && e.owner !== undefined && !skipped.has(e.path));
    if (anyFile) await checkMetadata('gen1', anyFile);
    // The source root's ACL lands on the filesystem root.
    const rootAc = await sdkFilesystem(gen2.url, 'gen1').getDirectoryClient('/').getAccessControl().catch(() => undefined);
    if (rootAc !== undefined) expect(rootAc.owner).toBe((await source.getAcl('')).owner);
  }, 150_000);

  it('incremental: changes, additions and deletions on Gen1 propagate on a rerun with delete', async () => {
    const dest = openGen2(gen2.url, 'incr');
    stores.push(dest);
    const sub = openGen1(gen1.url, 'lake/raw');
    stores.push(sub);
    const [first] = await runIncremental({ source: sub, dest, jobDb, delete: true });
    expect(first?.status).toBe('completed');
    const files = (await walkAll(sub)).filter((e) => e.kind === 'file');
    const [changed, removed] = files;
    if (changed === undefined || removed === undefined) throw new Error('the seeded raw/ data set has too few files');
    const write = async (path: string, text: string): Promise<void> => {
      const w = await sub.createWriter(path, { overwrite: true });
      await w.write(0, Buffer.from(text));
      await w.commit({ size: Buffer.byteLength(text) });
    };
    await write(changed.path, 'changed content');
    await write('new-dir/added.txt', 'added');
    await sub.remove(removed.path);
    const [second] = await runIncremental({ source: sub, dest, jobDb, delete: true });
    expect(second?.jobId).toBe(first?.jobId);
    expect(second?.files.copied).toBe(2);
    expect(second?.deleted).toBe(1);
    const fs = sdkFilesystem(gen2.url, 'incr');
    expect((await sdkRead(fs, changed.path)).toString()).toBe('changed content');
    expect((await sdkRead(fs, 'new-dir/added.txt')).toString()).toBe('added');
    expect((await sdkPaths(fs)).has(removed.path)).toBe(false);
  }, 120_000);

  it('finishes correct while the emulators answer 503 and reset connections every Nth request', async () => {
    const flaky2 = await startGen2Emulator({ port: 0, inMemory: true, faults: { everyNth: 9, kind: 'status', status: 503, retryAfterSeconds: 0 } });
    const flaky1 = await startGen1Emulator({ port: 0, inMemory: true, faults: { everyNth: 13, kind: 'reset' } });
    try {
      const src = openGen1(flaky1.url, 'lake');
      const dst = openGen2(flaky2.url, 'faulty');
      stores.push(src, dst);
      const clean = openGen1(gen1.url, 'lake/curated');
      stores.push(clean);
      // Copy a slice of the seeded lake into the flaky Gen1 emulator through the engine, then on to Gen2.
      const stage = await runMigration({ source: clean, dest: src, jobDb, retry: { maxAttempts: 8, baseDelayMs: 5, maxDelayMs: 50 } });
      expect(stage.failures).toEqual([]);
      const summary = await runMigration({ source: src, dest: dst, jobDb, blockSize: 64 * 1024, retry: { maxAttempts: 8, baseDelayMs: 5, maxDelayMs: 50 } });
      expect(summary.failures).toEqual([]);
      expect(summary.status).toBe('completed');
      const fs = sdkFilesystem(flaky2.url, 'faulty');
      const listed = await sdkPaths(fs).catch(async () => sdkPaths(fs));
      for (const e of (await walkAll(clean)).filter((x) => x.kind === 'file')) {
        expect(listed.get(e.path)?.size, e.path).toBe(e.size);
      }
      const sampleFile = (await walkAll(clean)).find((x) => x.kind === 'file' && x.size > 0);
      if (sampleFile) expect((await storeRead(dst, joinPath(sampleFile.path))).equals(await storeRead(clean, sampleFile.path))).toBe(true);
    } finally {
      await flaky1.close();
      await flaky2.close();
    }
  }, 150_000);
});
