import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { isStorageError } from '../src/core/errors.js';
import { assessStore, isValidFilesystemName } from '../src/assess/index.js';
import { loadPlan, parsePlanText, proposePlan, renderPlanYaml, assignWaves, choosePattern, type Plan } from '../src/plan/index.js';
import type { DatasetReport } from '../src/assess/report-schema.js';
import { aclWithNamedUsers, freshStore, oid, putDir, putFile } from './assess-helpers.js';

const NOW = Date.UTC(2025, 5, 1);
const DAY = 86_400_000;
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'lakeshift-plan-'));
  dirs.push(d);
  return d;
}

function dataset(over: Partial<DatasetReport>): DatasetReport {
  return {
    name: 'x', files: 10, directories: 1, bytes: 1000, newestMtimeMs: NOW, filesChangedLast30d: 0, bytesChangedLast30d: 0,
    ageing: [], suggestedTier: 'hot', tierReason: '', ...over,
  };
}

async function samplePlan(): Promise<{ plan: Plan; yaml: string }> {
  const { store } = freshStore('plan');
  await putFile(store, { path: 'Sales Data/2024/part-0', size: 4000, mtimeMs: NOW - DAY });
  await putFile(store, { path: 'sales-data/part-1', size: 100, mtimeMs: NOW - 400 * DAY });
  await putFile(store, { path: 'raw/a', size: 50, mtimeMs: NOW - 400 * DAY });
  await putFile(store, { path: 'readme.txt', size: 5, mtimeMs: NOW - 400 * DAY });
  await putDir(store, { path: 'raw/secure', owner: oid(1), group: oid(2), acl: aclWithNamedUsers(2) });
  await putDir(store, { path: 'raw/local', owner: 'alice' });
  const { report } = await assessStore(store, { nowMs: NOW });
  const plan = proposePlan(report, { waveSizeBytes: 200, nowMs: NOW });
  return { plan, yaml: renderPlanYaml(plan, report) };
}

describe('plan proposal', () => {
  it('maps every top-level folder to a distinct valid filesystem and root files to their own data set', async () => {
    const { plan } = await samplePlan();
    const byName = new Map(plan.datasets.map((d) => [d.name, d]));
    expect([...byName.keys()].sort()).toEqual(['(root)', 'Sales Data', 'raw', 'sales-data']);
    const fss = plan.datasets.map((d) => d.target.filesystem);
    expect(new Set(fss).size).toBe(fss.length);
    for (const fs of fss) expect(isValidFilesystemName(fs), fs).toBe(true);
    expect(byName.get('(root)')).toMatchObject({ sourcePath: '', include: 'root-files' });
    expect(byName.get('raw')).toMatchObject({ sourcePath: 'raw', include: 'subtree', target: { filesystem: 'raw', path: '' } });
  });

  it('groups data sets into waves by size, smallest first, within the wave size', async () => {
    const { plan } = await samplePlan();
    for (const w of plan.waves) {
      const members = plan.datasets.filter((d) => d.wave === w.number);
      expect(members.map((d) => d.name).sort()).toEqual([...w.datasets].sort());
      expect(w.bytes).toBe(members.reduce((s, d) => s + d.bytes, 0));
      if (members.length > 1) expect(w.bytes).toBeLessThanOrEqual(200);
    }
    const big = plan.datasets.find((d) => d.name === 'Sales Data');
    expect(big?.wave).toBe(plan.waves.length);
    expect(assignWaves([{ name: 'a', bytes: 5, files: 1 }, { name: 'b', bytes: 5, files: 1 }, { name: 'c', bytes: 50, files: 1 }], 10).map((w) => w.datasets)).toEqual([['a', 'b'], ['c']]);
  });

  it('lists every principal in the identity-map template; non-object-IDs are left unresolved', async () => {
    const { plan } = await samplePlan();
    const bySource = new Map(plan.identityMap.map((e) => [e.source, e]));
    expect(bySource.get(oid(1))?.target).toBe(oid(1));
    expect(bySource.get(oid(0))).toMatchObject({ kind: 'user' });
    expect(bySource.get(oid(2))).toMatchObject({ kind: 'group' });
    expect(bySource.get('alice')?.target).toBeNull();
  });

  it('chooses the pattern from size, change rate and downtime, with a rationale', () => {
    const bps = 1000; // bytes per second
    const ips = 1e6;
    const small = dataset({ bytes: 1000 });
    expect(choosePattern(small, 1, bps, ips).pattern).toBe('lift-and-shift');
    const large = dataset({ bytes: 3600 * 1000 * 10, files: 10, bytesChangedLast30d: 30 * 1000 * 60, filesChangedLast30d: 3 });
    const inc = choosePattern(large, 1, bps, ips);
    expect(inc.pattern).toBe('incremental');
    expect(inc.rationale).toMatch(/final sync/);
    const churn = dataset({ bytes: 3600 * 1000 * 40, bytesChangedLast30d: 3600 * 1000 * 40, filesChangedLast30d: 10 });
    expect(choosePattern(churn, 1, bps, ips).pattern).toBe('dual-pipeline');
    expect(choosePattern(churn, 0, bps, ips).pattern).toBe('bidirectional-sync');
    expect(choosePattern(large, 0, bps, ips).pattern).toBe('dual-pipeline');
  });
});

describe('loadPlan', () => {
  it('round-trips the written YAML', async () => {
    const { plan, yaml } = await samplePlan();
    const file = join(tmp(), 'plan.yaml');
    writeFileSync(file, yaml);
    expect(await loadPlan(file)).toEqual(plan);
  });

  const broken: Array<[string, (p: Plan) => void, RegExp]> = [
    ['bad pattern', (p) => ((p.datasets[2] as { pattern: string }).pattern = 'teleport'), /^plan\.yaml: datasets\[2\]\.pattern: must be one of lift-and-shift, incremental, dual-pipeline, bidirectional-sync$/m],
    ['bad filesystem', (p) => ((p.datasets[0] as { target: { filesystem: string } }).target.filesystem = 'Bad_Name'), /datasets\[0\]\.target\.filesystem: must be a valid Gen2 filesystem name/],
    ['missing wave', (p) => ((p.datasets[1] as { wave: number }).wave = 99), /datasets\[1\]\.wave: wave 99 is not listed under waves/],
    ['negative bytes', (p) => ((p.datasets[1] as { bytes: number }).bytes = -1), /datasets\[1\]\.bytes: must be 0 or more/],
    ['wrong version', (p) => ((p as { version: number }).version = 7), /plan\.yaml: version: must be 1/],
    ['duplicate name', (p) => ((p.datasets[1] as { name: string }).name = (p.datasets[0] as { name: string }).name), /datasets\[1\]\.name: duplicate data set name/],
    ['missing field', (p) => delete (p.options as { waveSizeBytes?: number }).waveSizeBytes, /options\.waveSizeBytes: must be a number/],
  ];
  for (const [what, breakIt, message] of broken) {
    it(`rejects a plan with a ${what}, naming the field`, async () => {
      const { plan } = await samplePlan();
      const copy = structuredClone(plan);
      breakIt(copy);
      const file = join(tmp(), 'plan.yaml');
      writeFileSync(file, stringify(copy));
      const error = await loadPlan(file).catch((e: unknown) => e);
      expect(isStorageError(error, 'invalid-argument')).toBe(true);
      expect((error as Error).message).toMatch(message);
    });
  }

  it('names the line of a YAML syntax error, and a missing file', async () => {
    expect(() => parsePlanText('version: 1\ndatasets: [\n  - a\n', 'plan.yaml')).toThrow(/plan\.yaml: line \d+: not valid YAML/);
    await expect(loadPlan(join(tmp(), 'nope.yaml'))).rejects.toThrow(/cannot read the plan \(ENOENT\)/);
  });
});
