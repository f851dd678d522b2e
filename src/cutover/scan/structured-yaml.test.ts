import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { checkYaml } from './structured-yaml.js';

const OK = 'a: 1\nb:\n  - c\n  - "adl://contoso.azuredatalakestore.net/raw"\n';
const BROKEN = [`${OK}x: [\n`, `${OK}raw = spark.read.parquet("adl://x")\n`, `${OK}a: 2\n`, '\t- x\n', 'a: b: c\n', '---\na: 1\n---\n: :\n  - x\n y\n'];

describe('checkYaml (stops at the first error)', () => {
  it('reports the first error parseAllDocuments reports, when the text parsed before', () => {
    for (const after of BROKEN) {
      const first = parseAllDocuments(after, { prettyErrors: false }).flatMap((d) => d.errors)[0]?.message.split('\n')[0];
      expect(first, after).toBeDefined();
      expect(checkYaml(OK, after), after).toBe(`YAML: ${first ?? ''}`);
    }
  });
  it('accepts a rewrite that parses, and anything when the text was already broken', () => {
    expect(checkYaml(OK, OK.replace('adl://contoso.azuredatalakestore.net/raw', 'abfss://raw@contosoadls.dfs.core.windows.net/'))).toBeUndefined();
    for (const before of BROKEN) expect(checkYaml(before, `${before}y: [\n`), before).toBeUndefined();
  });
});
