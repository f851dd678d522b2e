import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseAssessReport } from '../src/assess/index.js';
import { loadPlan } from '../src/plan/index.js';
import { dropMemoryStore } from '../src/stores/memory/index.js';
import { aclWithNamedUsers, oid, putDir, putFile } from './assess-helpers.js';
import { createMemoryStore } from '../src/stores/memory/index.js';
import { runCliCaptured } from '../src/cli/test-support.js';

const NAME = `assess-cli-${process.pid}`;
let dir: string;

const run = (...argv: string[]): ReturnType<typeof runCliCaptured> => runCliCaptured(argv);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lakeshift-assess-cli-'));
  const store = createMemoryStore({ kind: 'memory', name: NAME, path: '' });
  await putFile(store, { path: 'sales/2024/part-0', size: 2048 });
  await putFile(store, { path: 'raw/x:y.csv', size: 10 });
  await putDir(store, { path: 'raw/secure', owner: oid(1), group: oid(2), acl: aclWithNamedUsers(3) });
});

afterEach(() => {
  process.exitCode = undefined;
});

afterAll(() => {
  dropMemoryStore(NAME);
  rmSync(dir, { recursive: true, force: true });
});

describe('lakeshift assess', () => {
  it('writes the chosen formats and prints the verdict', async () => {
    const map = join(dir, 'map.csv');
    writeFileSync(map, `source,target\n${oid(1)},${oid(1)}\n`);
    const out = join(dir, 'r1');
    const r = await run('assess', `memory://${NAME}/`, '--out', out, '--format', 'json,md', '--downtime-hours', '2', '--identity-map', map);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Verdict: Blocked/);
    expect(r.out).toMatch(/blocker: Names containing ':': 1/);
    const report = parseAssessReport(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')));
    expect(report.inventory.files).toBe(2);
    expect(report.options.downtimeHours).toBe(2);
    expect(report.acl.identityMap).toEqual({ given: true, missing: 2, missingExamples: [oid(0), oid(2)] });
    expect(existsSync(join(out, 'report.md'))).toBe(true);
    expect(existsSync(join(out, 'report.html'))).toBe(false);
  });

  it('reports special files of a local source (its listings skip them)', async () => {
    const root = join(dir, 'local-src');
    mkdirSync(join(root, 'data'), { recursive: true });
    writeFileSync(join(root, 'data', 'real.csv'), 'a,b\n');
    symlinkSync(join(root, 'data', 'real.csv'), join(root, 'data', 'link.csv'));
    const out = join(dir, 'r-local');
    const r = await run('assess', root, '--out', out, '--format', 'json');
    expect(r.code).toBe(0);
    const report = parseAssessReport(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')));
    expect(report.inventory.files).toBe(1);
    expect(report.scan.specialFiles).toBe(1);
    expect(report.rules.find((x) => x.id === 'special-file')).toMatchObject({ count: 1, examples: ['data/link.csv'] });
  });

  const bad: Array<[string, string[], RegExp]> = [
    ['an unknown format', ['--format', 'pdf'], /--format: unknown format 'pdf'/],
    ['a negative inactive-days', ['--inactive-days', '-3'], /--inactive-days must be a number above 0, got '-3'/],
    ['a missing identity map', ['--identity-map', '/nonexistent/map.csv'], /--identity-map: identity map \/nonexistent\/map.csv: cannot read it \(ENOENT\)/],
  ];
  for (const [what, flags, message] of bad) {
    it(`rejects ${what} with exit 2 and a clear message`, async () => {
      const r = await run('assess', `memory://${NAME}/`, '--out', join(dir, 'bad'), ...flags);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(message);
    });
  }

  it('rejects a malformed price table naming the field', async () => {
    const file = join(dir, 'prices.json');
    writeFileSync(file, JSON.stringify({ source: 's', date: 'd', currency: 'USD', region: 'r', note: '', perGbMonth: { hot: 'cheap' } }));
    const r = await run('assess', `memory://${NAME}/`, '--out', join(dir, 'bad'), '--price-table', file);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/perGbMonth\.hot/);
  });
});

describe('lakeshift plan', () => {
  it('writes a plan loadPlan accepts', async () => {
    const file = join(dir, 'plans', 'plan.yaml');
    const r = await run('plan', `memory://${NAME}/`, '--out', file, '--wave-size', '1KiB', '--downtime-hours', '0');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/2 data sets in 2 waves/);
    const plan = await loadPlan(file);
    expect(plan.options).toMatchObject({ downtimeHours: 0, waveSizeBytes: 1024 });
    expect(plan.datasets.map((d) => d.name).sort()).toEqual(['raw', 'sales']);
  });

  it('rejects a bad wave size', async () => {
    const r = await run('plan', `memory://${NAME}/`, '--out', join(dir, 'p.yaml'), '--wave-size', 'lots');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--wave-size must be a size above 0/);
  });
});
