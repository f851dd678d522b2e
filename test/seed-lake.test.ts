import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Entry } from '../src/core/entry.js';
import type { Store } from '../src/core/store.js';
import { parseLocation, type Gen1Location } from '../src/core/uri.js';
import { startGen1Emulator, type Gen1Emulator } from '../src/emulators/gen1/index.js';
import { createGen1Store } from '../src/stores/gen1/index.js';
import { createMemoryStore, dropMemoryStore } from '../src/stores/memory/index.js';
import { seedBytes, seedLake, type AwkwardKind, type SeedSummary } from '../src/seed/index.js';

async function walkAll(store: Store): Promise<Entry[]> {
  const out: Entry[] = [];
  for await (const page of store.list('', { recursive: true, pageSize: 500 })) out.push(...page);
  return out;
}

async function readAll(store: Store, path: string): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const p of await store.openRead(path)) parts.push(p);
  return Buffer.concat(parts);
}

/**
 * A fingerprint of what the seed decides: path, kind, size, times, expiry and content; with `full`
 * also owner, group, mode and ACL flag (which carry store defaults where the seed sets none).
 */
async function fingerprint(store: Store, full = true): Promise<string> {
  const hash = createHash('sha256');
  for (const e of await walkAll(store)) {
    const meta = full ? [e.owner, e.group, e.permissions, e.hasAcl] : [];
    hash.update(JSON.stringify([e.path, e.kind, e.size, e.mtimeMs, e.expiryMs, ...meta]));
    if (e.kind === 'file') hash.update(await readAll(store, e.path));
  }
  return hash.digest('hex');
}

const ALL_KINDS: AwkwardKind[] = ['space', 'nfc', 'nfd', 'percent', 'percent-encoded', 'hash', 'plus', 'trailing-dot', 'colon', 'only-spaces', 'question', 'leading-dot', 'unicode', 'emoji', 'long-name', 'deep'];

async function checkLake(store: Store, summary: SeedSummary): Promise<void> {
  const entries = await walkAll(store);
  const files = entries.filter((e) => e.kind === 'file');
  const dirs = entries.filter((e) => e.kind === 'directory');
  expect(files.length).toBe(summary.files);
  expect(dirs.length).toBe(summary.directories);
  expect(files.reduce((n, e) => n + e.size, 0)).toBe(summary.bytes);
  const paths = new Set(entries.map((e) => e.path));
  for (const a of summary.awkward) expect(paths.has(a.path), a.path).toBe(true);
  expect(new Set(summary.awkward.map((a) => a.kind))).toEqual(new Set(ALL_KINDS));
  expect(paths.has('awkward/caf\u00e9.txt') && paths.has('awkward/cafe\u0301.txt')).toBe(true);
  for (const d of summary.emptyDirectories) expect(entries.filter((e) => e.path.startsWith(`${d}/`))).toEqual([]);
  expect(summary.deepestPath.depth).toBeGreaterThanOrEqual(60);
  expect(summary.nearLimitAclPaths).toContain('secure/finance');
  const finance = await store.getAcl('secure/finance');
  expect(finance.entries.filter((e) => e.scope === 'access')).toHaveLength(30);
  expect(finance.entries.filter((e) => e.scope === 'default')).toHaveLength(30);
  expect((await store.stat('shared/tmp')).permissions).toBe(0o1777);
  const expiring = await store.stat(summary.expiringFiles[0] ?? '');
  expect(expiring.expiryMs).toBeGreaterThan(Date.UTC(2030, 0, 1));
  const old = await store.stat('archive/2016/snapshot-2016.parquet');
  expect(old.mtimeMs).toBe(Date.UTC(2016, 5, 30));
  expect(summary.mtimeRange?.oldestMs).toBeLessThan(Date.UTC(2017, 0, 1));
  expect(summary.owners.length).toBeGreaterThan(3);
  // Bytes recompute from the path alone.
  for (const f of files.filter((e) => e.size < 200_000).slice(0, 40)) {
    expect((await readAll(store, f.path)).equals(Buffer.from(seedBytes(f.path, f.size, 0, f.size))), f.path).toBe(true);
  }
  const parquet = files.find((f) => f.path.endsWith('.parquet') && f.size >= 8);
  if (parquet !== undefined) expect((await readAll(store, parquet.path)).subarray(0, 4).toString()).toBe('PAR1');
}

describe('seeded lakes (memory store and Gen1 emulator)', () => {
  const names: string[] = [];
  let emulator: Gen1Emulator | undefined;
  const stores: Store[] = [];
  beforeAll(async () => {
    emulator = await startGen1Emulator({ port: 0, inMemory: true });
  });
  afterAll(async () => {
    for (const s of stores) await s.close();
    await emulator?.close();
    for (const n of names) dropMemoryStore(n);
  });
  const memory = (): Store => {
    const name = `seed-${randomUUID()}`;
    names.push(name);
    return createMemoryStore({ kind: 'memory', name, path: '' });
  };

  it('seeds the small profile into the memory store, deterministically', async () => {
    const a = memory();
    const b = memory();
    const progress: number[] = [];
    const first = await seedLake(a, { profile: 'small', onProgress: (n) => progress.push(n) });
    const second = await seedLake(b, { profile: 'small', concurrency: 3 });
    await checkLake(a, first);
    expect({ ...second, elapsedMs: 0 }).toEqual({ ...first, elapsedMs: 0 });
    expect(await fingerprint(b)).toBe(await fingerprint(a));
    expect(progress.at(-1)).toBe(2 * (first.files + first.directories));
    expect(first.unsupported).toEqual([]);
  });

  it('seeds the small profile over the Gen1 emulator in a few seconds', async () => {
    if (emulator === undefined) throw new Error('emulator did not start');
    const store = createGen1Store(parseLocation(`${emulator.url}/webhdfs/v1/small`) as Gen1Location);
    stores.push(store);
    await store.mkdir('');
    const summary = await seedLake(store, { profile: 'small' });
    console.log(`[seed] small profile over the Gen1 emulator: ${summary.files} files, ${summary.directories} dirs, ${summary.bytes} bytes in ${summary.elapsedMs} ms`);
    // Under 5 s on an idle machine; the bound is loose because CI machines run many suites at once.
    expect(summary.elapsedMs).toBeLessThan(30_000);
    await checkLake(store, summary);
    const reference = memory();
    expect({ ...(await seedLake(reference, { profile: 'small' })), elapsedMs: 0 }).toEqual({ ...summary, elapsedMs: 0 });
    expect(await fingerprint(store, false)).toBe(await fingerprint(reference, false));
  });
});
