import { describe, expect, it } from 'vitest';
import type { Entry } from '../src/core/entry.js';
import type { Store } from '../src/core/store.js';
import { assessStore } from '../src/assess/index.js';
import { GEN2_LEGACY_MAX_FILE_BYTES, GEN2_MAX_FILE_BYTES, PATH_RULES, ACL_RULES, SUMMARY_RULES } from '../src/assess/rules.js';
import { aclWithNamedUsers, freshStore, oid, putDir, putFile, wrapStore } from './assess-helpers.js';

const NOW = Date.UTC(2025, 5, 1);
const DAY = 86_400_000;

type Builder = () => Promise<{ store: Store; identityMap?: Set<string>; special?: string[] }>;

/** A store with the given files (zero bytes, recent mtimes). */
function filesAt(...paths: string[]): Builder {
  return async () => {
    const { store } = freshStore();
    for (const p of paths) await putFile(store, { path: p, mtimeMs: NOW - DAY });
    return { store };
  };
}

function deep(segments: number): string {
  return Array.from({ length: segments }, (_, i) => `d${i}`).join('/');
}

/** A store whose single file reports `size` bytes (memory cannot hold 190 TiB). */
function sizedFile(size: number): Builder {
  return async () => {
    const { store } = freshStore();
    await putFile(store, { path: 'big/file.bin', size: 1, mtimeMs: NOW - DAY });
    return { store: wrapStore(store, { mapEntry: (e: Entry) => (e.kind === 'file' ? { ...e, size } : e) }) };
  };
}

/** A store whose listings rename 'a/b' to 'a//b' (an empty segment, as Gen1 can hold). */
function renamedListing(from: string, to: string): Builder {
  return async () => {
    const { store } = freshStore();
    await putFile(store, { path: from, mtimeMs: NOW - DAY });
    return { store: wrapStore(store, { mapEntry: (e: Entry) => (e.path === from ? { ...e, path: to } : e) }) };
  };
}

function aclTree(named: number, withDefault: boolean, owner = oid(900)): Builder {
  return async () => {
    const { store } = freshStore();
    await putDir(store, { path: 'secure', owner, group: oid(901), acl: aclWithNamedUsers(named, withDefault) });
    return { store };
  };
}

/** 33 access entries: more than any real store accepts, so getAcl is faked. */
const overLimit: Builder = async () => {
  const { store } = freshStore();
  await putDir(store, { path: 'secure', acl: aclWithNamedUsers(2) });
  const entries = aclWithNamedUsers(29);
  return { store: wrapStore(store, { getAcl: (p) => (p === 'secure' ? { owner: oid(900), group: oid(901), permissions: 0o770, entries } : undefined) }) };
};

const withMap = (mapped: string[]): Builder => async () => {
  const { store } = freshStore();
  await putDir(store, { path: 'secure', owner: oid(900), group: oid(901), acl: aclWithNamedUsers(2) });
  return { store, identityMap: new Set(mapped) };
};

const cases: Array<{ id: string; positive: Builder; negative: Builder }> = [
  { id: 'name-only-whitespace', positive: filesAt('a/ \t /f.txt'), negative: filesAt('a/ x /f.txt') },
  { id: 'name-trailing-dot', positive: filesAt('a/report.'), negative: filesAt('a/.hidden', 'a/re.port') },
  { id: 'name-colon', positive: filesAt('a/12:30.log'), negative: filesAt('a/12-30.log') },
  { id: 'path-double-slash', positive: renamedListing('a/b', 'a//b'), negative: filesAt('a/b') },
  { id: 'name-control-characters', positive: filesAt('a/bell\u0007.txt'), negative: filesAt('a/bell\u00e9.txt') },
  { id: 'name-invalid-code-point', positive: filesAt('a/x\ue000.txt'), negative: filesAt('a/\ud83d\ude00.txt') },
  { id: 'path-too-long', positive: filesAt(`a/${'x'.repeat(1023)}`), negative: filesAt(`a/${'x'.repeat(1022)}`) },
  { id: 'path-too-deep', positive: filesAt(`${deep(59)}/f`), negative: filesAt(`${deep(58)}/f`) },
  { id: 'file-too-large', positive: sizedFile(GEN2_MAX_FILE_BYTES + 1), negative: sizedFile(GEN2_MAX_FILE_BYTES) },
  { id: 'file-over-legacy-limit', positive: sizedFile(GEN2_LEGACY_MAX_FILE_BYTES + 1), negative: sizedFile(GEN2_LEGACY_MAX_FILE_BYTES) },
  {
    id: 'expiry-set',
    positive: async () => {
      const { store } = freshStore();
      await putFile(store, { path: 'tmp/x', expiryMs: NOW + DAY });
      return { store };
    },
    negative: filesAt('tmp/x'),
  },
  {
    id: 'special-file',
    positive: async () => ({ ...(await filesAt('a/b')()), special: ['a/link'] }),
    negative: filesAt('a/b'),
  },
  { id: 'acl-over-limit', positive: overLimit, negative: aclTree(27, true) },
  { id: 'acl-near-limit', positive: aclTree(25, false), negative: aclTree(24, false) },
  { id: 'acl-principal-not-object-id', positive: aclTree(1, false, 'alice'), negative: aclTree(1, false) },
  { id: 'acl-unmapped-principal', positive: withMap([oid(900), oid(901), oid(0)]), negative: withMap([oid(900), oid(901), oid(0), oid(1)]) },
  {
    id: 'unreadable-paths',
    positive: async () => {
      const { store } = await filesAt('open/a', 'closed/b')();
      return { store: wrapStore(store, { deny: ['closed'] }) };
    },
    negative: filesAt('open/a', 'closed/b'),
  },
  { id: 'gen1-only-apis', positive: filesAt('a'), negative: async () => freshStore() },
  { id: 'times-not-settable', positive: filesAt('a'), negative: async () => ({ store: (await (async () => { const s = freshStore().store; await s.mkdir('only-dirs/x'); return s; })()) }) },
  {
    id: 'root-acl-replication',
    positive: async () => {
      const { store } = freshStore();
      await store.setAcl('', aclWithNamedUsers(1, true));
      await putFile(store, { path: 'f' });
      return { store };
    },
    negative: filesAt('f'),
  },
  {
    id: 'empty-directories',
    positive: async () => {
      const { store } = freshStore();
      await store.mkdir('a/empty');
      return { store };
    },
    negative: filesAt('a/f'),
  },
  {
    id: 'large-directories',
    positive: async () => {
      const { store } = freshStore();
      for (let i = 0; i <= 4000; i++) await putFile(store, { path: `wide/f${i}` });
      return { store };
    },
    negative: async () => {
      const { store } = freshStore();
      for (let i = 0; i < 4000; i++) await putFile(store, { path: `wide/f${i}` });
      return { store };
    },
  },
  {
    id: 'small-files',
    positive: async () => {
      const { store } = freshStore();
      await putFile(store, { path: 'a/small1', size: 10 });
      await putFile(store, { path: 'a/small2', size: 10 });
      await putFile(store, { path: 'a/big', size: 256 * 1024 });
      return { store };
    },
    negative: async () => {
      const { store } = freshStore();
      await putFile(store, { path: 'a/small1', size: 10 });
      await putFile(store, { path: 'a/big', size: 256 * 1024 });
      return { store };
    },
  },
  {
    id: 'sticky-bit',
    positive: async () => {
      const { store } = freshStore();
      await putDir(store, { path: 'shared', permissions: 0o1777 });
      return { store };
    },
    negative: async () => {
      const { store } = freshStore();
      await putDir(store, { path: 'shared', permissions: 0o777 });
      return { store };
    },
  },
  { id: 'filesystem-name-changes', positive: filesAt('Sales Data/x'), negative: filesAt('sales-data/x') },
];

async function countFor(build: Builder, id: string): Promise<{ count: number; examples: string[] }> {
  const { store, identityMap, special } = await build();
  const { report, error } = await assessStore(store, {
    nowMs: NOW,
    ...(identityMap === undefined ? {} : { identityMap }),
    ...(special === undefined ? {} : { listSpecialFiles: async function* () { yield* special; } }),
  });
  expect(error).toBeUndefined();
  const rule = report.rules.find((r) => r.id === id);
  expect(rule, `rule ${id} is in the report`).toBeDefined();
  return { count: rule?.count ?? -1, examples: rule?.examples ?? [] };
}

describe('compatibility rules', () => {
  it('every rule has a positive and a negative case here', () => {
    const ids = [...PATH_RULES, ...ACL_RULES, ...SUMMARY_RULES].map((r) => r.id).sort();
    expect(cases.map((c) => c.id).sort()).toEqual(ids);
  });

  for (const c of cases) {
    it(`${c.id}: fires on the crafted case and not on the near miss`, async () => {
      const pos = await countFor(c.positive, c.id);
      expect(pos.count).toBeGreaterThan(0);
      const neg = await countFor(c.negative, c.id);
      expect(neg.count).toBe(0);
    });
  }

  it('a blocker makes the verdict blocked and names the rule', async () => {
    const { store } = await filesAt('a/x:y')();
    const { report } = await assessStore(store, { nowMs: NOW });
    expect(report.verdict.status).toBe('blocked');
    expect(report.verdict.reasons.join(' ')).toContain("Names containing ':' (1)");
  });

  it('a clean tree is ready', async () => {
    const { store } = freshStore();
    await putFile(store, { path: 'sales/part-0', size: 300 * 1024, mtimeMs: NOW - DAY });
    const { report } = await assessStore(store, { nowMs: NOW });
    expect(report.verdict).toEqual({ status: 'ready', reasons: ['No blockers or warnings found.'] });
  });
});
