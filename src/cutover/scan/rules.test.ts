import { beforeAll, describe, expect, it } from 'vitest';
import { loadMapping, type CutoverMapping } from '../mapping.js';
import { analyzeText } from './analyze.js';
import { passesPrefilter } from './engine.js';
import { ALL_RULES } from './rules.js';
import { FINDING_KINDS } from './types.js';

/** The mapping every rule example is scanned with unless it names its own. */
export const TEST_MAP = [
  'adl://contoso.azuredatalakestore.net/=abfss://gen1@contosoadls.dfs.core.windows.net/',
  'adl://contoso.azuredatalakestore.net/raw=abfss://raw@contosoadls.dfs.core.windows.net/',
];

let mapping: CutoverMapping;
beforeAll(async () => {
  mapping = await loadMapping({ map: TEST_MAP });
});

async function mappingFor(map: readonly string[] | undefined): Promise<CutoverMapping | undefined> {
  if (map === undefined) return mapping;
  return map.length === 0 ? undefined : loadMapping({ map });
}

describe('rules as data', () => {
  it('have unique ids, a known kind, and examples on both sides', () => {
    const ids = new Set<string>();
    for (const r of ALL_RULES) {
      expect(ids.has(r.id), r.id).toBe(false);
      ids.add(r.id);
      expect(FINDING_KINDS).toContain(r.kind);
      expect(r.examples.positive.length, r.id).toBeGreaterThan(0);
      expect(r.examples.negative.length, r.id).toBeGreaterThan(0);
    }
  });
});

describe.each(ALL_RULES.map((r) => [r.id, r] as const))('rule %s', (_id, rule) => {
  it.each(rule.examples.positive.map((e, i) => [i, e] as const))('positive %i', async (_i, ex) => {
    expect(passesPrefilter(ex.text, ex.file ?? 'example.txt'), 'the prefilter must pass every positive example').toBe(true);
    const { findings } = analyzeText(ex.text, ex.file ?? 'example.txt', await mappingFor(ex.map));
    const mine = findings.filter((f) => f.rule === rule.id);
    expect(mine.length, `${rule.id} should find something in: ${ex.text}\nfound: ${JSON.stringify(findings, null, 1)}`).toBeGreaterThan(0);
    const f = ex.found === undefined ? mine[0] : mine.find((x) => x.text === ex.found);
    expect(f, `finding with text ${ex.found ?? ''} in ${JSON.stringify(mine)}`).toBeDefined();
    if (f === undefined) return;
    expect(f.action, JSON.stringify(f)).toBe(ex.action);
    expect(f.kind).toBe(rule.kind);
    expect(f.line).toBeGreaterThanOrEqual(1);
    expect(f.column).toBeGreaterThanOrEqual(1);
    if (ex.replacement !== undefined) expect(f.replacement).toBe(ex.replacement);
    if (ex.reason !== undefined) expect(f.reason).toMatch(ex.reason);
    if (ex.action === 'report') expect(f.reason).toBeTruthy();
  });
  it.each(rule.examples.negative.map((e, i) => [i, e] as const))('negative %i', async (_i, ex) => {
    const { findings } = analyzeText(ex.text, ex.file ?? 'example.txt', await mappingFor(ex.map));
    expect(findings.filter((f) => f.rule === rule.id), ex.text).toEqual([]);
  });
});
