import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Entry } from '../src/core/entry.js';
import { StorageError } from '../src/core/errors.js';
import type { Store } from '../src/core/store.js';
import { seedLake, SEED_EPOCH_MS, type SeedSummary } from '../src/seed/index.js';
import { assessStore, parseAssessReport, renderJson, renderMarkdown, writeAssessReports, type AssessReport } from '../src/assess/index.js';
import { ageBucketIndex } from '../src/assess/ageing.js';
import { freshStore, putFile, wrapStore } from './assess-helpers.js';

const NOW = SEED_EPOCH_MS + 86_400_000;
const INACTIVE_DAYS = 40;
const tmpDirs: string[] = [];
let store: Store;
let seed: SeedSummary;
let report: AssessReport;
let all: Entry[];
/** Paths with an extended ACL, the root included (the seed gives the root one; assess reads it). */
let aclPaths: string[];

/** Every entry, read independently of the assess code (one recursive listing). */
async function listAll(s: Store): Promise<Entry[]> {
  const out: Entry[] = [];
  for await (const page of s.list('', { recursive: true })) for (const e of page) if (e.path !== '') out.push(e);
  return out;
}

beforeAll(async () => {
  store = freshStore('assess-report').store;
  seed = await seedLake(store, { profile: 'small' });
  const result = await assessStore(store, { nowMs: NOW, inactiveDays: INACTIVE_DAYS, pageSize: 17 });
  expect(result.error).toBeUndefined();
  report = result.report;
  all = await listAll(store);
  const root = await store.stat('');
  aclPaths = [...(root.hasAcl === true ? [''] : []), ...all.filter((e) => e.hasAcl === true).map((e) => e.path)];
});

afterAll(() => {
  for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
});

describe('assessment report over a seeded lake', () => {
  it('the JSON report validates against its schema', () => {
    const parsed = parseAssessReport(JSON.parse(renderJson(report)));
    expect(parsed.schemaVersion).toBe(1);
    expect(parsed.complete).toBe(true);
    expect(() => parseAssessReport({ ...report, verdict: { status: 'maybe', reasons: [] } })).toThrow(/verdict\.status/);
  });

  it('inventory totals equal independent counts and the seed summary', () => {
    const files = all.filter((e) => e.kind === 'file');
    expect(report.inventory.files).toBe(files.length);
    expect(report.inventory.directories).toBe(all.length - files.length);
    expect(report.inventory.bytes).toBe(files.reduce((s, e) => s + e.size, 0));
    expect(report.inventory.files).toBe(seed.files);
    expect(report.inventory.directories).toBe(seed.directories);
    expect(report.inventory.bytes).toBe(seed.bytes);
    expect(report.inventory.sizeHistogram.reduce((s, b) => s + b.files, 0)).toBe(files.length);
    expect(report.inventory.depth.max).toBe(Math.max(...all.map((e) => e.path.split('/').length)));
    expect(report.inventory.depth.max).toBe(seed.deepestPath.depth);
    expect(report.inventory.largestFiles[0]).toEqual(seed.largestFile);
    const small = files.filter((e) => e.size < 256 * 1024).length;
    expect(report.inventory.smallFiles.files).toBe(small);
  });

  it('per-data-set figures add up to independent per-folder counts', () => {
    const byTop = new Map<string, { files: number; bytes: number }>();
    for (const e of all) {
      if (e.kind !== 'file') continue;
      const top = e.path.includes('/') ? (e.path.split('/')[0] as string) : '(root)';
      const t = byTop.get(top) ?? { files: 0, bytes: 0 };
      t.files++;
      t.bytes += e.size;
      byTop.set(top, t);
    }
    for (const [name, t] of byTop) {
      const d = report.datasets.find((x) => x.name === name);
      expect(d, name).toBeDefined();
      expect({ files: d?.files, bytes: d?.bytes }).toEqual(t);
    }
  });

  it('ageing buckets equal independent bucketing of mtimes', () => {
    const expected = report.ageing.byModified.map(() => ({ files: 0, bytes: 0 }));
    for (const e of all) {
      if (e.kind !== 'file') continue;
      const b = expected[ageBucketIndex(e.mtimeMs, NOW)];
      if (b === undefined) throw new Error('bucket');
      b.files++;
      b.bytes += e.size;
    }
    expect(report.ageing.byModified.map((b) => ({ files: b.files, bytes: b.bytes }))).toEqual(expected);
  });

  it('inactive folders equal a brute-force computation of maximal inactive folders', () => {
    const cutoff = NOW - INACTIVE_DAYS * 86_400_000;
    const dirs = all.filter((e) => e.kind === 'directory');
    const newest = (d: Entry): number => Math.max(d.mtimeMs, ...all.filter((e) => e.path.startsWith(`${d.path}/`)).map((e) => e.mtimeMs));
    const inactive = new Set(dirs.filter((d) => newest(d) < cutoff).map((d) => d.path));
    const maximal = [...inactive].filter((p) => !p.includes('/') || !inactive.has(p.slice(0, p.lastIndexOf('/'))));
    expect(maximal.length).toBeGreaterThan(0);
    expect(maximal.length).toBeLessThan(dirs.length);
    expect(report.ageing.inactiveFolders.count).toBe(maximal.length);
    const fileCount = all.filter((e) => e.kind === 'file' && maximal.some((m) => e.path.startsWith(`${m}/`))).length;
    expect(report.ageing.inactiveFolders.files).toBe(fileCount);
  });

  it('ACL figures match the seed: extended ACLs, near-limit paths, sticky bits, principals', () => {
    expect(report.acl.pathsWithExtendedAcl).toBeGreaterThan(0);
    expect(report.acl.pathsWithExtendedAcl).toBe(aclPaths.length);
    expect(report.acl.aclRequests).toBe(report.acl.pathsWithExtendedAcl);
    expect(report.acl.nearLimit.examples.map((x) => x.path).sort()).toEqual(expect.arrayContaining([...seed.nearLimitAclPaths].sort()));
    expect(report.acl.stickyBitPaths.count).toBe(seed.stickyPaths.length);
    const ids = new Set(report.acl.principals.list.map((p) => p.id));
    for (const o of [...seed.owners, ...seed.groups]) if (o !== '$superuser') expect(ids.has(o), o).toBe(true);
  });

  it('rules find every awkward case the seed made', () => {
    const count = (id: string): number => report.rules.find((r) => r.id === id)?.count ?? -1;
    const kinds = (k: string): number => seed.awkward.filter((a) => a.kind === k).length;
    expect(count('name-colon')).toBeGreaterThanOrEqual(kinds('colon'));
    expect(count('name-trailing-dot')).toBeGreaterThanOrEqual(kinds('trailing-dot'));
    expect(count('name-only-whitespace')).toBeGreaterThanOrEqual(kinds('only-spaces'));
    expect(count('path-too-deep')).toBe(all.filter((e) => e.path.split('/').length >= 60).length);
    expect(count('expiry-set')).toBe(seed.expiringFiles.length);
    expect(count('empty-directories')).toBe(seed.emptyDirectories.length);
    expect(report.verdict.status).toBe('blocked');
  });

  it('writes html, md and json; the Markdown leads with the verdict', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lakeshift-assess-'));
    tmpDirs.push(dir);
    const files = await writeAssessReports(report, dir, ['json', 'md', 'html']);
    expect(files.map((f) => f.slice(dir.length + 1))).toEqual(['report.json', 'report.md', 'report.html']);
    expect(parseAssessReport(JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'))).inventory.files).toBe(seed.files);
    const md = renderMarkdown(report);
    expect(md.split('\n').slice(0, 6).join('\n')).toContain('**Verdict: Blocked**');
  });
});

describe('bad input', () => {
  it('counts and lists unreadable folders, and keeps scanning the rest', async () => {
    const { store: base } = freshStore();
    for (const p of ['a/1', 'a/2', 'b/secret/1', 'b/secret/2', 'b/open', 'c/3']) await putFile(base, { path: p, size: 5 });
    const { report: r, error } = await assessStore(wrapStore(base, { deny: ['b/secret'] }), { pageSize: 2 });
    expect(error).toBeUndefined();
    expect(r.complete).toBe(true);
    expect(r.unreadable.count).toBe(1);
    expect(r.unreadable.examples[0]).toMatchObject({ path: 'b/secret', code: 'permission-denied' });
    expect(r.inventory.files).toBe(4);
    expect(r.verdict.status).toBe('ready-with-warnings');
  });

  it('a store that fails mid-scan gives a clear error and a report marked incomplete (still written)', async () => {
    const { store: base } = freshStore();
    for (let i = 0; i < 20; i++) await putFile(base, { path: `d/f${String(i).padStart(2, '0')}`, size: 1 });
    const failing = wrapStore(base, { failAfter: { entries: 8, error: new StorageError('transient', 'Connection reset by the service', { path: 'd' }) } });
    const { report: r, error } = await assessStore(failing, { pageSize: 5 });
    expect(error).toBeInstanceOf(StorageError);
    expect(r.complete).toBe(false);
    expect(r.error).toEqual({ code: 'transient', message: 'Connection reset by the service', path: 'd' });
    expect(r.inventory.files + r.inventory.directories).toBe(8);
    expect(r.verdict.reasons[0]).toMatch(/stopped early/);
    const dir = mkdtempSync(join(tmpdir(), 'lakeshift-assess-'));
    tmpDirs.push(dir);
    await writeAssessReports(r, dir, ['json', 'html']);
    expect(JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')).complete).toBe(false);
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toContain('Incomplete report.');
  });

  it('getAcl is called only for paths with extended ACLs', async () => {
    const calls: string[] = [];
    const wrapped = wrapStore(store, { onGetAcl: (p) => calls.push(p) });
    const { report: r } = await assessStore(wrapped, { nowMs: NOW, aclConcurrency: 3 });
    expect(calls.sort()).toEqual([...aclPaths].sort());
    expect(r.acl.pathsWithExtendedAcl).toBe(calls.length);
  });
});
