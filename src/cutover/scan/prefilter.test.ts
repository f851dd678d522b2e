import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMapping, type CutoverMapping } from '../mapping.js';
import { analyzeText } from './analyze.js';
import { hasLiteral, passesPrefilter, PREFILTER_LITERALS, prefilterLiterals } from './engine.js';
import { decodeText } from './file-text.js';
import { ALL_RULES } from './rules.js';
import { GEN1_SDK_LITERALS, GEN1_SDK_MARK } from './rules-sdk.js';
import { scanFiles } from './scan-files.js';
import type { Rule } from './types.js';
import { walkPaths } from './walk.js';

/**
 * The prefilter is built from the rules' own literals (Rule.literals). These tests hold each rule to
 * its promise (every text it finds something in contains one of its literals) on its examples and on
 * every file of the test corpora, and check that the fast path never skips a file with a positive
 * example, wherever in a chunk of files it lands.
 */
const here = fileURLToPath(new URL('.', import.meta.url));
const TREES = ['samples', 'corpus/with-gen1', 'corpus/without-gen1', 'expected'].map((t) => join(here, '../../../test/cutover', t));
const byId = new Map(ALL_RULES.map((r) => [r.id, r] as const));
const FILLER = 'rows = spark.table("orders").where(col("region") == "west").groupBy("store").count()\n';

let mapping: CutoverMapping;
let dir: string;
beforeAll(async () => {
  mapping = await loadMapping({ map: ['adl://contoso.azuredatalakestore.net/=abfss://gen1@contosoadls.dfs.core.windows.net/', 'adl://contoso.azuredatalakestore.net/raw=abfss://raw@contosoadls.dfs.core.windows.net/'] });
  dir = await mkdtemp(join(tmpdir(), 'lakeshift-prefilter-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const examples = ALL_RULES.flatMap((r) => r.examples.positive.map((e, i) => ({ rule: r, i, text: e.text, file: e.file ?? 'example.txt', map: e.map })));

describe('rule literals', () => {
  it('every rule declares at least one non-empty literal', () => {
    for (const r of ALL_RULES) {
      expect(r.literals.length, r.id).toBeGreaterThan(0);
      for (const l of r.literals) expect((typeof l === 'string' ? l : l.exact).length, r.id).toBeGreaterThan(0);
    }
  });

  it.each(examples.map((e) => [`${e.rule.id} positive ${e.i}`, e] as const))('%s contains one of its rule\'s literals and passes the prefilter', (_n, e) => {
    expect(hasLiteral(e.rule, e.text, e.text.toLowerCase()), `${e.rule.id}: ${JSON.stringify(e.rule.literals)} in ${e.text}`).toBe(true);
    expect(passesPrefilter(e.text, e.file)).toBe(true);
  });

  it('the Gen1 SDK trait needs one of GEN1_SDK_LITERALS', () => {
    const fake: Rule = { ...(ALL_RULES[0] as Rule), literals: GEN1_SDK_LITERALS };
    for (const mark of ['azure.datalake.store', 'com.microsoft.azure.datalake.store', 'Microsoft.Azure.DataLake.Store', 'azure-arm-datalake-store', 'ADLStoreClient', 'AdlsClient']) {
      expect(GEN1_SDK_MARK.test(mark)).toBe(true);
      expect(hasLiteral(fake, mark, mark.toLowerCase()), mark).toBe(true);
    }
  });

  it('every finding on the test corpora (every rule run at every offset) is in a file holding one of its rule\'s literals', async () => {
    let checked = 0;
    for await (const f of walkPaths(TREES, [])) {
      const text = decodeText(await readFile(f.abs)).text;
      const lower = text.toLowerCase();
      for (const m of [undefined, mapping]) {
        for (const finding of analyzeText(text, f.display, m, { everywhere: true }).findings) {
          const rule = byId.get(finding.rule);
          if (rule === undefined) continue; // structural passes (ADF JSON, XML) run only where a rule matched
          expect(hasLiteral(rule, text, lower), `${rule.id} in ${f.display} (${finding.text}) without any of ${JSON.stringify(rule.literals)}`).toBe(true);
          checked += 1;
        }
      }
    }
    expect(checked).toBeGreaterThan(300);
  });

  it('rules that used to match without a prefilter literal now need one (no finding the scan would miss)', () => {
    const texts: [string, string][] = [
      ["CREATE DATABASE SCOPED CREDENTIAL c WITH IDENTITY = 'app@https://login.microsoftonline.com/t/oauth2/token', SECRET = 'k';", 'p.sql'],
      ['{ "source": { "listAfter": "2024" } }', 'p.json'],
      ["LOCATION 'swebhdfs://namenode.corp:50470/logs/'", 't.hql'],
      ['dbutils.fs.mount(source = src, mount_point = "/mnt/raw")', 'm.py'],
    ];
    for (const [text, file] of texts) {
      expect(passesPrefilter(text, file), text).toBe(false);
      expect(analyzeText(text, file, mapping, { everywhere: true }).findings, text).toEqual([]);
    }
  });

  it('shortens literals to adl/lake and keeps none that contains another', () => {
    const { anyCase, exact } = prefilterLiterals();
    expect(anyCase).toContain('adl');
    expect(anyCase).toContain('lake');
    for (const l of anyCase) expect(anyCase.filter((o) => o !== l && l.includes(o)), l).toEqual([]);
    for (const l of exact) expect(anyCase.filter((o) => l.toLowerCase().includes(o)), l).toEqual([]);
    expect(PREFILTER_LITERALS).toEqual({ anyCase, exact });
  });
});

describe('the chunked scan never skips a positive example', () => {
  it('finds every positive example\'s finding, each file placed among files without any literal', async () => {
    const expectedFiles: { file: string; rule: string }[] = [];
    let n = 0;
    for (const e of examples) {
      if (e.map !== undefined) continue; // examples with their own mapping are checked in rules.test.ts
      // Filler files between the examples, so that examples land at many offsets of a chunk.
      for (let k = 0; k < n % 3; k += 1) await writeFile(join(dir, `f${String(n).padStart(4, '0')}-${k}.txt`), FILLER.repeat(1 + (n % 7)));
      const rel = join(`e${String(n).padStart(4, '0')}`, e.file);
      await mkdir(dirname(join(dir, rel)), { recursive: true });
      await writeFile(join(dir, rel), `${FILLER.repeat(n % 5)}${e.text}\n${FILLER.repeat(n % 4)}`);
      expectedFiles.push({ file: join(dir, rel), rule: e.rule.id });
      n += 1;
    }
    const result = await scanFiles([dir], { mapping, workers: 0 });
    const found = new Set(result.findings.map((f) => `${f.file}\0${f.rule}`));
    const missed = expectedFiles.filter((x) => !found.has(`${x.file}\0${x.rule}`));
    expect(missed).toEqual([]);
    expect(expectedFiles.length).toBeGreaterThan(80);
    expect(result.skipped).toEqual([]);
  });
});
