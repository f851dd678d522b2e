import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadMapping, type CutoverMapping } from '../../src/cutover/index.js';
import { analyzeText } from '../../src/cutover/scan/analyze.js';
import { decodeText, isBinary } from '../../src/cutover/scan/file-text.js';
import { scanFiles } from '../../src/cutover/scan/scan-files.js';
import type { Finding, SkippedFile } from '../../src/cutover/scan/types.js';
import { walkPaths } from '../../src/cutover/scan/walk.js';

/**
 * The scanner's fast path (chunked reads, the combined prefilter, anchored rules) must find exactly
 * what the plain path finds: every file read on its own, decoded, and every rule run at every offset.
 */
const here = fileURLToPath(new URL('.', import.meta.url));
const TREES = [join(here, 'samples'), join(here, 'corpus', 'with-gen1'), join(here, 'corpus', 'without-gen1'), join(here, 'expected')];

async function ruleByRule(paths: string[], mapping: CutoverMapping | undefined): Promise<{ files: number; findings: Finding[] }> {
  const skipped: SkippedFile[] = [];
  const findings: Finding[] = [];
  let files = 0;
  for await (const f of walkPaths(paths, skipped)) {
    const buf = readFileSync(f.abs);
    if (isBinary(buf)) continue;
    files += 1;
    findings.push(...analyzeText(decodeText(buf).text, f.display, mapping, { everywhere: true }).findings);
  }
  return { files, findings };
}

let mappings: (CutoverMapping | undefined)[];
beforeAll(async () => {
  mappings = [undefined, await loadMapping({ mapFile: join(here, 'samples.map.yaml') }), await loadMapping({ map: ['adl://contoso.azuredatalakestore.net/=abfss://gen1@contosoadls.dfs.core.windows.net/'] })];
});

describe('fast path', () => {
  it('yields the same findings as the rule-by-rule path on the samples and the corpus, with and without a mapping', async () => {
    let compared = 0;
    for (const mapping of mappings) {
      const fast = await scanFiles(TREES, { ...(mapping === undefined ? {} : { mapping }), workers: 0 });
      const slow = await ruleByRule(TREES, mapping);
      expect(fast.files_scanned).toBe(slow.files);
      expect(fast.findings).toEqual(slow.findings);
      compared += fast.findings.length;
    }
    // The comparison is not vacuous: the trees hold many findings of many rules.
    expect(compared).toBeGreaterThan(300);
  });
});
