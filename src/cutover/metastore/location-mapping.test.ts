import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadLocationMapper, looksGen1 } from './location-mapping.js';

describe('metastore locations through the cutover mapping', () => {
  it('keeps the Hadoop path text verbatim: spaces, % and unicode are names, not escapes', async () => {
    const m = await loadLocationMapper({ map: ['adl://contoso.azuredatalakestore.net/raw=abfss://raw@contoso2.dfs.core.windows.net/landing'] });
    expect(m.classify('adl://contoso.azuredatalakestore.net/raw/a b/%41/part=x%2Fy/ü 日本/')).toEqual({
      kind: 'gen1', action: 'rewrite', replacement: 'abfss://raw@contoso2.dfs.core.windows.net/landing/a b/%41/part=x%2Fy/ü 日本/',
    });
    expect(m.classify('adl://contoso.azuredatalakestore.net/rawdata/x')).toMatchObject({ kind: 'gen1', action: 'report' });
  });

  it('reports HDInsight short forms without a home mapping, and never treats other schemes as Gen1', async () => {
    const m = await loadLocationMapper({ map: ['adl://contoso.azuredatalakestore.net/=abfss://gen1@contoso2.dfs.core.windows.net/'] });
    expect(m.classify('adl:///example/data')).toMatchObject({ kind: 'gen1', action: 'report', reason: expect.stringMatching(/home/) });
    expect(m.classify('adl://home/example/data')).toMatchObject({ kind: 'gen1', action: 'report' });
    for (const other of ['abfss://f@a.dfs.core.windows.net/x', 'wasbs://c@a.blob.core.windows.net/x', 'hdfs://nn/azuredatalake/x', 's3a://b/adl/x']) {
      expect(looksGen1(other)).toBe(false);
      expect(m.classify(other)).toEqual({ kind: 'not-gen1' });
    }
    expect((await loadLocationMapper({})).classify('adl://contoso.azuredatalakestore.net/x')).toMatchObject({ action: 'report', reason: expect.stringMatching(/no --map/) });
  });

  it("resolves adl://home and adl:/// through the mapping file's home (the cluster's hostname and mountpoint)", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ls-msmap-'));
    try {
      const file = join(dir, 'map.yaml');
      await writeFile(file, 'mappings:\n  - gen1: adl://contoso.azuredatalakestore.net/clusters/c1\n    gen2: abfss://cluster1@contoso2.dfs.core.windows.net/\nhome:\n  hostname: contoso.azuredatalakestore.net\n  mountpoint: /clusters/c1\n');
      const m = await loadLocationMapper({ mapFile: file });
      expect(m.classify('adl:///hive/warehouse/t 1')).toEqual({ kind: 'gen1', action: 'rewrite', replacement: 'abfss://cluster1@contoso2.dfs.core.windows.net/hive/warehouse/t 1' });
      expect(m.classify('adl://home/hive/warehouse/t')).toEqual({ kind: 'gen1', action: 'rewrite', replacement: 'abfss://cluster1@contoso2.dfs.core.windows.net/hive/warehouse/t' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
