import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assessStore } from '../src/assess/index.js';
import type { Entry } from '../src/core/entry.js';
import { StorageError } from '../src/core/errors.js';
import type { Store } from '../src/core/store.js';
import { parseLocation, type Gen1Location } from '../src/core/uri.js';
import { startGen1Emulator, type Gen1Emulator } from '../src/emulators/gen1/index.js';
import { GEN1_AUDIENCE, mintToken } from '../src/emulators/kit/jwt.js';
import { createGen1Store } from '../src/stores/gen1/index.js';
import { createMemoryStore, dropMemoryStore } from '../src/stores/memory/index.js';
import { ASSESS_CASES, seedBytes, seedLake, seedPrincipals, type AwkwardKind, type SeedSummary } from '../src/seed/index.js';

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
  await checkAssessCases(store, summary);
  const parquet = files.find((f) => f.path.endsWith('.parquet') && f.size >= 8);
  if (parquet !== undefined) expect((await readAll(store, parquet.path)).subarray(0, 4).toString()).toBe('PAR1');
}

/** The cases the assessment rules look for are present with the right metadata. */
async function checkAssessCases(store: Store, summary: SeedSummary): Promise<void> {
  const cases = summary.assessCases;
  // path-too-long: over 1,024 characters, every segment within Gen1's 255-byte limit.
  expect(cases.longPaths).toEqual([ASSESS_CASES.longPath]);
  expect(ASSESS_CASES.longPath.length).toBeGreaterThan(1024);
  expect(Math.max(...ASSESS_CASES.longPath.split('/').map((seg) => Buffer.byteLength(seg)))).toBeLessThanOrEqual(store.capabilities.names.maxSegmentBytes);
  expect((await store.stat(ASSESS_CASES.longPath)).size).toBe(64);
  // acl-principal-not-object-id: a UPN owner and a UPN named entry.
  expect(cases.nonObjectIdPrincipals).toEqual([ASSESS_CASES.upnOwner, ASSESS_CASES.upnNamedUser].sort());
  const upn = await store.getAcl(ASSESS_CASES.upnFolder);
  expect(upn.owner).toBe(ASSESS_CASES.upnOwner);
  expect(upn.entries).toContainEqual({ scope: 'access', type: 'user', id: ASSESS_CASES.upnNamedUser, perms: 5 });
  expect((await store.stat(`${ASSESS_CASES.upnFolder}/notes.txt`)).owner).toBe(ASSESS_CASES.upnOwner);
  // filesystem-name-changes: the only invalid top-level name is the seeded one.
  expect(cases.invalidFilesystemNames).toEqual([ASSESS_CASES.renamedTopLevel]);
  expect((await store.stat(ASSESS_CASES.renamedTopLevel)).kind).toBe('directory');
  // unreadable-paths: 0700 and owned by someone else, with a file inside.
  expect(cases.privateDirectories).toEqual([ASSESS_CASES.unreadableFolder]);
  const hr = await store.stat(ASSESS_CASES.unreadableFolder);
  expect(hr.permissions).toBe(0o700);
  expect(hr.owner).toMatch(/^[0-9a-f]{8}-/);
  expect((await store.stat(`${ASSESS_CASES.unreadableFolder}/salaries-2023.csv`)).size).toBe(256);
  // root-acl-replication: an extended ACL on the root (a named group, access and default scopes).
  expect(cases.rootAcl).toBe(true);
  const root = await store.getAcl('');
  expect(root.entries.some((e) => e.scope === 'access' && e.type === 'group' && e.id !== '')).toBe(true);
  expect(root.entries.some((e) => e.scope === 'default')).toBe(true);
  // large-directories: bench only (too slow for the small and demo profiles).
  expect(cases.largeDirectories).toEqual(summary.profile === 'bench' ? [ASSESS_CASES.largeDirectory] : []);
}

/**
 * A view of `store` as a non-superuser scanner that owns nothing but belongs to every group: listing
 * a directory whose group and other classes both lack r-x fails with permission-denied, as the
 * services do. Recursive listings stop with that error when they reach such a directory.
 */
function asOutsider(store: Store): Store {
  const readable = (e: Entry): boolean => {
    const mode = e.permissions ?? 0o755;
    return e.kind !== 'directory' || (mode & 0o50) === 0o50 || (mode & 0o5) === 0o5;
  };
  const denied = (path: string): StorageError => new StorageError('permission-denied', `Permission denied listing '${path}' (test outsider caller).`);
  async function* list(path: string, options?: Parameters<Store['list']>[1]): AsyncIterable<Entry[]> {
    if (path !== '' && !readable(await store.stat(path))) throw denied(path);
    let blocked: string | undefined;
    for await (const page of store.list(path, options)) {
      const out: Entry[] = [];
      for (const e of page) {
        if (blocked !== undefined && e.path.startsWith(`${blocked}/`)) {
          if (out.length > 0) yield out;
          throw denied(blocked);
        }
        out.push(e);
        if (options?.recursive === true && !readable(e)) blocked = e.path;
      }
      if (out.length > 0) yield out;
    }
  }
  return new Proxy(store, { get: (target, prop, receiver) => (prop === 'list' ? list : Reflect.get(target, prop, receiver)) as unknown });
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

  it('fires each assessment rule the seed has a case for', async () => {
    const store = memory();
    await seedLake(store, { profile: 'small' });
    const fired = (report: { rules: { id: string; count: number; examples: string[] }[] }, id: string) => report.rules.find((r) => r.id === id);
    const { report, error } = await assessStore(store, {});
    expect(error).toBeUndefined();
    expect(fired(report, 'path-too-long')?.examples).toContain(ASSESS_CASES.longPath);
    expect(fired(report, 'acl-principal-not-object-id')?.examples).toEqual(expect.arrayContaining([ASSESS_CASES.upnFolder, `${ASSESS_CASES.upnFolder}/notes.txt`]));
    expect(fired(report, 'root-acl-replication')?.count).toBe(1);
    expect(fired(report, 'filesystem-name-changes')?.examples.some((e) => e.startsWith(`${ASSESS_CASES.renamedTopLevel} -> `))).toBe(true);
    expect(fired(report, 'filesystem-name-changes')?.count).toBe(1);
    // The memory store does not check callers: scan it as an outsider to see the private folder.
    expect(fired(report, 'unreadable-paths')?.count).toBe(0);
    const outsider = await assessStore(asOutsider(store), {});
    expect(outsider.error).toBeUndefined();
    expect(fired(outsider.report, 'unreadable-paths')?.examples).toEqual([ASSESS_CASES.unreadableFolder]);
    // large-directories is a bench-only case: a small bench lake still has the 4,001-child folder.
    expect(fired(report, 'large-directories')?.count).toBe(0);
    const bench = memory();
    const benchSummary = await seedLake(bench, { profile: 'bench', files: 100, concurrency: 32 });
    expect(benchSummary.assessCases.largeDirectories).toEqual([ASSESS_CASES.largeDirectory]);
    const benchReport = (await assessStore(bench, {})).report;
    expect(fired(benchReport, 'large-directories')?.examples).toEqual([ASSESS_CASES.largeDirectory]);
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

    // A non-superuser scanner (member of every seeded group) cannot list the private folder. The
    // emulator's own root must let it through to /small first.
    const accountRoot = createGen1Store(parseLocation(`${emulator.url}/webhdfs/v1/`) as Gen1Location);
    stores.push(accountRoot);
    await accountRoot.setPermissions('', 0o755);
    const token = mintToken({ oid: 'f0f0f0f0-0000-4000-8000-000000005ca1', audience: GEN1_AUDIENCE, groups: seedPrincipals().groups });
    const scanner = createGen1Store(parseLocation(`${emulator.url}/webhdfs/v1/small`) as Gen1Location, { token });
    stores.push(scanner);
    const { report } = await assessStore(scanner, {});
    console.log(`[seed] unreadable for a non-superuser scanner: ${JSON.stringify(report.unreadable.examples.map((u) => u.path))}`);
    expect(report.unreadable.examples.map((u) => u.path)).toContain(ASSESS_CASES.unreadableFolder);
  });
});
