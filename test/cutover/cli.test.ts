import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { runCliCaptured } from '../../src/cli/test-support.js';
import { rewriteReportSchema, scanReportSchema } from '../../src/cutover/index.js';

const MAP = 'adl://contoso.azuredatalakestore.net/=abfss://gen1@contosoadls.dfs.core.windows.net/';
let dir: string;

async function treeHash(root: string): Promise<string> {
  const h = createHash('sha256');
  for (const e of (await readdir(root, { withFileTypes: true, recursive: true })).sort((a, b) => (join(a.parentPath, a.name) < join(b.parentPath, b.name) ? -1 : 1))) {
    if (!e.isFile()) continue;
    h.update(join(e.parentPath, e.name)).update(await readFile(join(e.parentPath, e.name)));
  }
  return h.digest('hex');
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lakeshift-cutover-cli-'));
  await mkdir(join(dir, 'ok'));
  await mkdir(join(dir, 'mixed'));
  await writeFile(join(dir, 'ok', 'job.py'), 'spark.read.csv("adl://contoso.azuredatalakestore.net/raw/x.csv")\n');
  await writeFile(join(dir, 'mixed', 'job.py'), 'from azure.datalake.store import core\nx = "adl://contoso.azuredatalakestore.net/y"\n');
  await writeFile(join(dir, 'clean.py'), 'print("nothing here")\n');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('lakeshift cutover scan / rewrite', () => {
  it('prints the documented JSON and exits 0 when everything can be rewritten', async () => {
    const r = await runCliCaptured(['cutover', 'scan', join(dir, 'ok'), '--map', MAP, '--output', 'json']);
    expect(r.code).toBe(0);
    const report = scanReportSchema.parse(JSON.parse(r.out));
    expect(report).toMatchObject({ files_scanned: 1, skipped: [] });
    expect(report.findings).toEqual([{ file: join(dir, 'ok', 'job.py'), line: 1, column: 17, rule: 'uri-adl', kind: 'uri', text: 'adl://contoso.azuredatalakestore.net/raw/x.csv', action: 'rewrite', replacement: 'abfss://gen1@contosoadls.dfs.core.windows.net/raw/x.csv' }]);
  });

  it('exits 1 when a finding needs a person, and says so without a mapping', async () => {
    const mixed = await runCliCaptured(['cutover', 'scan', join(dir, 'mixed'), '--map', MAP]);
    expect(mixed.code).toBe(1);
    expect(mixed.out).toMatch(/sdk-python-import/);
    const none = await runCliCaptured(['cutover', 'scan', join(dir, 'ok')]);
    expect(none.code).toBe(1);
    expect(none.out).toMatch(/no mapping given/);
    const clean = await runCliCaptured(['cutover', 'scan', join(dir, 'clean.py')]);
    expect(clean.code).toBe(0);
    expect(clean.out).toMatch(/1 files scanned, 0 Gen1 references/);
  });

  it('rewrite without --apply prints a diff and writes nothing; --apply writes; a second run has nothing left', async () => {
    const before = await treeHash(dir);
    const dry = await runCliCaptured(['cutover', 'rewrite', dir, '--map', MAP, '--output', 'json']);
    const report = rewriteReportSchema.parse(JSON.parse(dry.out));
    expect(report.applied).toBe(false);
    expect(report.diff).toMatch(/^-spark\.read\.csv\("adl:\/\/contoso/m);
    expect(report.diff).toMatch(/^\+spark\.read\.csv\("abfss:\/\/gen1@contosoadls/m);
    expect(report.files.map((f) => f.status)).toEqual(['pending', 'pending']);
    expect(await treeHash(dir)).toBe(before);
    const applied = await runCliCaptured(['cutover', 'rewrite', dir, '--map', MAP, '--apply']);
    expect(applied.code).toBe(1);
    expect(applied.out).toMatch(/2 of 2 files rewritten/);
    expect(await readFile(join(dir, 'ok', 'job.py'), 'utf8')).toBe('spark.read.csv("abfss://gen1@contosoadls.dfs.core.windows.net/raw/x.csv")\n');
    const again = rewriteReportSchema.parse(JSON.parse((await runCliCaptured(['cutover', 'rewrite', dir, '--map', MAP, '--output', 'json'])).out));
    expect(again.diff).toBe('');
    expect(again.findings.filter((f) => f.action === 'rewrite')).toEqual([]);
  });

  it('bad input: a missing path exits 4, a malformed map or plan exits 2 naming the field, nothing written', async () => {
    const before = await treeHash(dir);
    const missing = await runCliCaptured(['cutover', 'scan', join(dir, 'nope')]);
    expect(missing.code).toBe(4);
    expect(missing.err).toMatch(/nope: no such file or directory/);
    const badMap = await runCliCaptured(['cutover', 'rewrite', dir, '--map', 'adl://contoso.azuredatalakestore.net/raw=abfss://Bad@contosoadls.dfs.core.windows.net/', '--apply']);
    expect(badMap.code).toBe(2);
    expect(badMap.err).toMatch(/--map\[0\].*right of '='.*'Bad' is not a valid filesystem name/);
    const mapFile = join(tmpdir(), `lakeshift-map-${process.pid}.yaml`);
    await writeFile(mapFile, 'mappings:\n  - gen1: adl://contoso.azuredatalakestore.net/\n    gen2: 42\n');
    const badFile = await runCliCaptured(['cutover', 'rewrite', dir, '--map', mapFile, '--apply']);
    expect(badFile.code).toBe(2);
    expect(badFile.err).toMatch(/mappings\[0\]\.gen2: must be a string/);
    const planFile = join(tmpdir(), `lakeshift-plan-${process.pid}.yaml`);
    await writeFile(planFile, stringify({ version: 1, source: 'adl://contoso.azuredatalakestore.net/', destination: null, createdAt: 'x', options: { downtimeHours: 1, waveSizeBytes: 1, bytesPerSecond: 1, itemsPerSecond: 1 }, datasets: [{ name: 'raw', sourcePath: 'raw', include: 'everything', target: { filesystem: 'raw', path: '' }, pattern: 'lift-and-shift', wave: 1, files: 0, directories: 0, bytes: 0, bytesChangedLast30d: 0, rationale: '' }], waves: [{ number: 1, datasets: ['raw'], bytes: 0, files: 0 }], identityMap: [] }));
    const badPlan = await runCliCaptured(['cutover', 'rewrite', dir, '--plan', planFile, '--gen2-account', 'contosoadls', '--apply']);
    expect(badPlan.code).toBe(2);
    expect(badPlan.err).toMatch(/datasets\[0\]\.include: must be one of subtree, root-files/);
    const noAccount = await runCliCaptured(['cutover', 'scan', dir, '--plan', planFile]);
    expect(noAccount.code).toBe(2);
    await rm(mapFile);
    await rm(planFile);
    expect(await treeHash(dir)).toBe(before);
  });
});
