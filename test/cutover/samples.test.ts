import { cp, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyRewrites, loadMapping, planRewrite, type CutoverMapping } from '../../src/cutover/index.js';
import { encodeText } from '../../src/cutover/scan/file-text.js';

/**
 * The sample workloads (test/cutover/samples: a notebook, a Databricks mount notebook, core-site.xml,
 * spark-defaults.conf with CRLF, ADF linked service + dataset + pipeline, a Python SDK script, a
 * PowerShell script with a BOM, Terraform, HQL, a Spark job YAML) rewrite to exactly the files in
 * test/cutover/expected, and a second run finds nothing left to rewrite.
 */
const here = fileURLToPath(new URL('.', import.meta.url));
const samples = join(here, 'samples');
const expected = join(here, 'expected');
let dir: string;
let mapping: CutoverMapping;

async function listFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(root, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out.push(relative(root, join(e.parentPath, e.name)));
  }
  return out.sort();
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lakeshift-samples-'));
  await cp(samples, dir, { recursive: true });
  mapping = await loadMapping({ mapFile: join(here, 'samples.map.yaml') });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('sample workloads', () => {
  it('every sample has an expected file, and the rewrite of each equals it', async () => {
    const names = await listFiles(samples);
    expect(names.length).toBeGreaterThanOrEqual(12);
    expect(await listFiles(expected)).toEqual(names);
    const plan = await planRewrite([dir], { mapping });
    const byRel = new Map(plan.rewrites.map((r) => [relative(dir, r.abs), r]));
    for (const name of names) {
      const want = await readFile(join(expected, name));
      const r = byRel.get(name);
      const got = r === undefined ? await readFile(join(samples, name)) : encodeText(r.after, r.encoding);
      expect(got.toString('utf8'), name).toBe(want.toString('utf8'));
      expect(got.equals(want), `${name} byte for byte`).toBe(true);
    }
    expect(byRel.size).toBe(10);
  });

  it('applies in place, keeps BOM and CRLF, and a second run finds nothing left to rewrite', async () => {
    const plan = await planRewrite([dir], { mapping });
    const outcomes = await applyRewrites(plan.rewrites);
    expect(outcomes.map((o) => o.status)).toEqual(plan.rewrites.map(() => 'rewritten'));
    for (const name of await listFiles(samples)) {
      expect((await readFile(join(dir, name))).equals(await readFile(join(expected, name))), name).toBe(true);
    }
    const crlf = await readFile(join(dir, 'conf/spark-defaults.conf'), 'utf8');
    expect(crlf.split('\r\n').length).toBe(9);
    expect(/[^\r]\n/.test(crlf)).toBe(false);
    expect([...(await readFile(join(dir, 'scripts/archive.ps1'))).subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const again = await planRewrite([dir], { mapping });
    expect(again.rewrites).toEqual([]);
    expect(again.findings.filter((f) => f.action === 'rewrite')).toEqual([]);
    // What is left needs a person: SDK code, U-SQL, IaC, an unmapped account, Gen1-only options.
    expect(new Set(again.findings.map((f) => f.rule))).toEqual(new Set(['adf-gen1-only-option', 'adf-usql-activity', 'hadoop-adl-tuning-key', 'uri-adl', 'metastore-location', 'iac-terraform-gen1', 'iac-databricks-gen1-mount', 'dependency-gen1-package', 'powershell-gen1-cmdlet', 'cli-az-dls', 'sdk-python-import', 'sdk-python-client', 'sdk-python-gap', 'sdk-python-bulk', 'uri-webhdfs-rest']));
  });
});
