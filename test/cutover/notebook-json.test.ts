import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMapping, planRewrite, type CutoverMapping } from '../../src/cutover/index.js';
import { jsonStringLineAround } from '../../src/cutover/scan/json-string-line.js';

/**
 * A token provider type set inside notebook JSON, where one JSON string holds several source lines
 * (compact notebooks, `source` as one string): the setting becomes the two ABFS settings inside the
 * same string, joined by a `\n` escape, and the notebook stays valid JSON.
 */
const PROVIDER = 'org.apache.hadoop.fs.azurebfs.oauth2.ClientCredsTokenProvider';
const dir = mkdtempSync(join(tmpdir(), 'lakeshift-nb-'));
let mapping: CutoverMapping;
beforeAll(async () => {
  mapping = await loadMapping({ map: ['adl://contoso.azuredatalakestore.net/=abfss://gen1@contosoadls.dfs.core.windows.net/'] });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cell = (source: string | string[]) => ({ cells: [{ cell_type: 'code', metadata: {}, source, outputs: [], execution_count: null }], metadata: {}, nbformat: 4, nbformat_minor: 5 });

async function rewriteOne(name: string, json: string): Promise<{ after: string | undefined; findings: { rule: string; action: string; reason?: string }[] }> {
  writeFileSync(join(dir, name), json);
  const r = await planRewrite([join(dir, name)], { mapping });
  return { after: r.rewrites[0]?.after, findings: r.findings };
}

describe('token provider type inside notebook JSON strings', () => {
  it('compact notebook (every source element on one physical line): rewritten, valid JSON, same cell otherwise', async () => {
    const lines = ['spark.conf.set("fs.adl.oauth2.access.token.provider.type", "ClientCredential")\n', 'spark.conf.set("fs.adl.oauth2.client.id", "abc")\n', 'df = spark.read.csv("adl://contoso.azuredatalakestore.net/raw/x.csv")'];
    const { after, findings } = await rewriteOne('compact.ipynb', JSON.stringify(cell(lines)));
    expect(findings.every((f) => f.action === 'rewrite')).toBe(true);
    expect(after).toBeDefined();
    const nb = JSON.parse(after ?? '') as { cells: { source: string[] }[] };
    expect(nb.cells[0]?.source.join('')).toBe(
      `spark.conf.set("fs.azure.account.auth.type", "OAuth")\nspark.conf.set("fs.azure.account.oauth.provider.type", "${PROVIDER}")\nspark.conf.set("fs.azure.account.oauth2.client.id", "abc")\ndf = spark.read.csv("abfss://gen1@contosoadls.dfs.core.windows.net/raw/x.csv")`,
    );
    // A second run finds nothing left to rewrite.
    const again = await rewriteOne('compact-again.ipynb', after ?? '');
    expect(again.findings).toEqual([]);
  });

  it('source as one string with several lines, escapes and unicode around it: rewritten in place', async () => {
    const source = '# caf\u00e9 "quoted" \\ back\nspark.conf.set(\'fs.adl.oauth2.access.token.provider.type\', \'RefreshToken\')\nprint("done\\t")';
    const json = JSON.stringify(cell(source), null, 1);
    const { after, findings } = await rewriteOne('one-string.ipynb', json);
    expect(findings.map((f) => f.action)).toEqual(['rewrite']);
    const nb = JSON.parse(after ?? '') as { cells: { source: string }[] };
    expect(nb.cells[0]?.source).toBe(`# caf\u00e9 "quoted" \\ back\nspark.conf.set('fs.azure.account.auth.type', 'OAuth')\nspark.conf.set('fs.azure.account.oauth.provider.type', 'org.apache.hadoop.fs.azurebfs.oauth2.RefreshTokenBasedTokenProvider')\nprint("done\\t")`);
    // Only the setting's own logical line changed: the rest of the file is byte for byte the same.
    expect((after ?? '').startsWith(json.slice(0, json.indexOf('spark.conf.set')))).toBe(true);
    expect((after ?? '').endsWith(json.slice(json.indexOf('print(')))).toBe(true);
  });

  it('a key and its value in separate JSON strings (a job definition) stays a report', async () => {
    const job = JSON.stringify({ new_cluster: { spark_conf: { 'spark.hadoop.fs.adl.oauth2.access.token.provider.type': 'ClientCredential', 'spark.hadoop.fs.adl.oauth2.client.id': 'abc' } } });
    const { findings } = await rewriteOne('job.json', job);
    const provider = findings.find((f) => f.reason?.includes('token provider type') === true || f.action === 'report');
    expect(provider?.action).toBe('report');
  });

  it('jsonStringLineAround finds the span between \\n escapes, and nothing outside strings', () => {
    const t = '["a\\nb \\"x\\" c\\nd", k]';
    const at = t.indexOf('x');
    const span = jsonStringLineAround(t, at);
    expect(span === undefined ? undefined : t.slice(span.start, span.end)).toBe('b \\"x\\" c');
    expect(jsonStringLineAround(t, t.indexOf('k'))).toBeUndefined();
    const u = '"\\u005cn x"';
    const s2 = jsonStringLineAround(u, u.indexOf('x'));
    expect(s2 === undefined ? undefined : u.slice(s2.start, s2.end)).toBe('\\u005cn x');
  });
});
