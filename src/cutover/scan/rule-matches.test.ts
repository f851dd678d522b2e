import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ruleMatches } from './rule-matches.js';
import { ALL_RULES } from './rules.js';

/** Pieces the anchored patterns care about, and their neighbours: random texts are made of these. */
const PIECES = [
  '.azuredatalake', '.azuredatalakestore', '.AzureDataLakeStore', '.azuredatalakeanalytics', '.net', '.NET', 'storage', '.com',
  'adl://', 'ADL://', 'abfss://', 'swebhdfs://', 'https://', 'http://', '/webhdfs/v1', 'contoso', 'x1', '@', 'fs@', '$', '{', '}', '${', '<', '>',
  '_', '-', ':', '/', '.', ' ', '\t', '\n', '"', "'", ',', ';', ')', ']', '\\', '|', '`', 'é', 'fs.adl', 'FS.ADL', 'dfs.adls', 'd', 'dd',
  'account.', 'oauth2.client.id', '-D', 'apache.hadoop.', 'AzureDataLakeStore', 'ReadSettings', 'WriteSettings', 'Sink', 'Source',
  'Location', 'File',
];

/** Mostly the pieces that make matches, so that most texts hold several (and near misses). */
const CORE = ['contoso.azuredatalakestore.net', 'x.azuredatalake.net', 'y.AzureDataLakeStorage.net', 'a.azuredatalakeanalytics.net', '"AzureDataLakeStoreReadSettings"', "'AzureDataLakeStore'", 'fs.adl.oauth2', 'dfs.adls.account.x.key', '.azuredatalakestore', '.azuredatalake', '.azuredatalakeanalytics', '.net', 'contoso', 'storage', 'adl://', 'https://', '@', 'fs.adl', 'dfs.adls', '.', 'account', 'AzureDataLakeStore', '"', "'", 'ReadSettings', 'Location', ' ', 'x'];
const TEXT = fc.array(fc.oneof({ arbitrary: fc.constantFrom(...CORE), weight: 3 }, { arbitrary: fc.constantFrom(...PIECES), weight: 1 }), { minLength: 1, maxLength: 40, size: 'max' });

const shape = (ms: readonly RegExpExecArray[]): [number, string, (string | undefined)[]][] => ms.map((m) => [m.index, m[0], [...m].slice(1)]);
const anchored = ALL_RULES.filter((r) => r.anchor !== undefined);

describe('rule anchors', () => {
  it('are on the rules that were slowest at every offset', () => {
    expect(anchored.map((r) => r.id).sort()).toEqual(['adf-gen1-type', 'adf-store-settings-type', 'endpoint-adla', 'endpoint-gen1-host', 'hadoop-adl-key', 'uri-gen1-malformed']);
  });

  for (const rule of anchored) {
    it(`${rule.id}: the anchored search finds exactly the matches of the pattern at every offset`, () => {
      for (const e of [...rule.examples.positive, ...rule.examples.negative]) expect(shape(ruleMatches(rule, e.text))).toEqual(shape(ruleMatches(rule, e.text, true)));
      fc.assert(
        fc.property(TEXT, (pieces) => {
          const text = pieces.join('');
          expect(shape(ruleMatches(rule, text))).toEqual(shape(ruleMatches(rule, text, true)));
        }),
        { numRuns: 3000 },
      );
    });
  }

  it('a broken promise shows: an anchor that misses where matches start loses them', () => {
    const rule = ALL_RULES.find((r) => r.id === 'endpoint-adla');
    if (rule === undefined) throw new Error('no endpoint-adla rule');
    const text = 'https://my-adla.azuredatalakeanalytics.net/jobs';
    const wrong = { ...rule, anchor: { literal: /\.azuredatalakeanalytics/gi, back: /[a-z]/ } };
    expect(shape(ruleMatches(wrong, text))).not.toEqual(shape(ruleMatches(wrong, text, true)));
  });
});
