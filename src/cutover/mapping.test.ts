import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadMapping, mapGen1Location, parseGen1Location, parseMappingFile } from './mapping.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lakeshift-mapping-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('parseGen1Location', () => {
  it('reads the fully qualified Gen1 forms', () => {
    expect(parseGen1Location('adl://Contoso.azuredatalakestore.net/raw/a%20b.csv')).toEqual({ account: 'contoso', path: '/raw/a b.csv' });
    expect(parseGen1Location('adl://contoso.azuredatalakestore.net')).toEqual({ account: 'contoso', path: '/' });
    expect(parseGen1Location('swebhdfs://contoso.azuredatalakestore.net/out/')).toEqual({ account: 'contoso', path: '/out/' });
    expect(parseGen1Location('https://contoso.azuredatalakestore.net/webhdfs/v1/raw/x?op=OPEN')).toEqual({ account: 'contoso', path: '/raw/x' });
  });
  it('refuses what needs context or is wrong', () => {
    for (const t of ['adl://home/x', 'adl:///x', 'adl://contoso/x', 'adl://fs@contoso.azuredatalakestore.net/x', 'adl://contoso.azuredatalakestorage.net/x', 'abfss://fs@contoso.dfs.core.windows.net/x', 'adl://contoso.azuredatalakestore.net/a/../b', 'https://contoso.azuredatalakestore.net/other']) {
      expect(parseGen1Location(t), t).toBeUndefined();
    }
  });
});

describe('mapGen1Location', () => {
  it('takes the longest prefix, whole segments only, and keeps a trailing slash', async () => {
    const m = await loadMapping({
      map: [
        'adl://contoso.azuredatalakestore.net/=abfss://gen1@contosoadls.dfs.core.windows.net/',
        'adl://contoso.azuredatalakestore.net/raw=abfss://raw@contosoadls.dfs.core.windows.net/landing',
      ],
    });
    expect(mapGen1Location(m, { account: 'contoso', path: '/raw/2024/x.csv' })).toMatchObject({ action: 'rewrite', uri: 'abfss://raw@contosoadls.dfs.core.windows.net/landing/2024/x.csv' });
    expect(mapGen1Location(m, { account: 'contoso', path: '/rawdata/x' })).toMatchObject({ uri: 'abfss://gen1@contosoadls.dfs.core.windows.net/rawdata/x' });
    expect(mapGen1Location(m, { account: 'contoso', path: '/raw/' })).toMatchObject({ uri: 'abfss://raw@contosoadls.dfs.core.windows.net/landing/' });
    expect(mapGen1Location(m, { account: 'contoso', path: '/a b/%' })).toMatchObject({ uri: 'abfss://gen1@contosoadls.dfs.core.windows.net/a%20b/%25' });
  });
  it('reports a location outside every mapping, never guesses', async () => {
    const m = await loadMapping({ map: ['adl://contoso.azuredatalakestore.net/raw=abfss://raw@contosoadls.dfs.core.windows.net/'] });
    const other = mapGen1Location(m, { account: 'fabrikam', path: '/raw/x' });
    expect(other.action).toBe('report');
    expect(other.action === 'report' && other.reason).toMatch(/'fabrikam' is not in the mapping/);
    const outside = mapGen1Location(m, { account: 'contoso', path: '/curated/x' });
    expect(outside.action === 'report' && outside.reason).toMatch(/no mapping covers \/curated\/x/);
  });
});

describe('loadMapping inputs', () => {
  it('names the field of a malformed --map', async () => {
    await expect(loadMapping({ map: ['raw=abfss://raw@a.dfs.core.windows.net/'] })).rejects.toThrow(/--map\[0\].*left of '='.*not a Gen1 location/);
    await expect(loadMapping({ map: ['adl://contoso.azuredatalakestore.net/raw'] })).rejects.toThrow(/--map\[0\].*must look like/);
    await expect(loadMapping({ map: ['adl://contoso.azuredatalakestore.net/raw=abfss://Bad_FS@abc.dfs.core.windows.net/'] })).rejects.toThrow(/right of '='.*not a valid filesystem name/);
  });
  it('reads a YAML or JSON mapping file and names the bad field', async () => {
    const good = join(dir, 'map.json');
    await writeFile(good, JSON.stringify({ mappings: [{ gen1: 'adl://contoso.azuredatalakestore.net/raw', gen2: 'abfss://raw@contosoadls.dfs.core.windows.net/' }], home: { hostname: 'contoso.azuredatalakestore.net', mountpoint: '/clusters/c1/' } }));
    const m = await loadMapping({ mapFile: good });
    expect(m.rules).toHaveLength(1);
    expect(m.home).toMatchObject({ account: 'contoso', mountpoint: '/clusters/c1' });
    expect(() => parseMappingFile('mappings:\n  - gen1: adl://contoso.azuredatalakestore.net/x\n', 'm.yaml')).toThrow(/m\.yaml: mappings\[0\]\.gen2: must be a string/);
    expect(() => parseMappingFile('mappings:\n  - gen1: adl://contoso.azuredatalakestore.net/x\n    gen2: nope\n', 'm.yaml')).toThrow(/m\.yaml: mappings\[0\]\.gen2:.*not a Gen2 location/);
    expect(() => parseMappingFile('mapings: []\n', 'm.yaml')).toThrow(/m\.yaml: .*mapings|m\.yaml: mappings/);
    expect(() => parseMappingFile('mappings: [\n', 'm.yaml')).toThrow(/m\.yaml: .*not valid YAML/);
    await expect(loadMapping({ mapFile: join(dir, 'missing.yaml') })).rejects.toMatchObject({ code: 'invalid-argument' });
  });
  it('refuses the same prefix mapped twice to different targets', async () => {
    await expect(
      loadMapping({ map: ['adl://contoso.azuredatalakestore.net/raw=abfss://raw@a1a.dfs.core.windows.net/', 'adl://contoso.azuredatalakestore.net/raw/=abfss://other@a1a.dfs.core.windows.net/'] }),
    ).rejects.toThrow(/--map\[1\].*already mapped by --map\[0\]/);
  });
  it('maps the data sets of a plan, the Gen2 account from its destination or --gen2-account', async () => {
    const plan = {
      version: 1, source: 'adl://contoso.azuredatalakestore.net/lake', destination: null, createdAt: '2026-01-01T00:00:00Z',
      options: { downtimeHours: 8, waveSizeBytes: 1e12, bytesPerSecond: 1e8, itemsPerSecond: 100 },
      datasets: [
        { name: 'raw', sourcePath: 'raw', include: 'subtree', target: { filesystem: 'raw', path: '' }, pattern: 'lift-and-shift', wave: 1, files: 1, directories: 0, bytes: 1, bytesChangedLast30d: 0, rationale: '' },
        { name: '(root)', sourcePath: '', include: 'root-files', target: { filesystem: 'root-files', path: 'top' }, pattern: 'lift-and-shift', wave: 1, files: 1, directories: 0, bytes: 1, bytesChangedLast30d: 0, rationale: '' },
      ],
      waves: [{ number: 1, datasets: ['raw', '(root)'], bytes: 2, files: 2 }],
      identityMap: [],
    };
    const file = join(dir, 'plan.yaml');
    await writeFile(file, stringify(plan));
    await expect(loadMapping({ plan: file })).rejects.toThrow(/plan\.yaml: destination: is null.*--gen2-account/);
    const m = await loadMapping({ plan: file, gen2Account: 'contosoadls' });
    expect(mapGen1Location(m, { account: 'contoso', path: '/lake/raw/a.csv' })).toMatchObject({ uri: 'abfss://raw@contosoadls.dfs.core.windows.net/a.csv' });
    expect(mapGen1Location(m, { account: 'contoso', path: '/lake/top.csv' })).toMatchObject({ uri: 'abfss://root-files@contosoadls.dfs.core.windows.net/top/top.csv' });
    expect(mapGen1Location(m, { account: 'contoso', path: '/lake/other/x.csv' }).action).toBe('report');
    await writeFile(file, stringify({ ...plan, destination: 'abfss://gen1@fromplan.dfs.core.windows.net/' }));
    const m2 = await loadMapping({ plan: file });
    expect(mapGen1Location(m2, { account: 'contoso', path: '/lake/raw/a.csv' })).toMatchObject({ uri: 'abfss://raw@fromplan.dfs.core.windows.net/a.csv' });
    await writeFile(file, stringify({ ...plan, datasets: [{ ...plan.datasets[0], target: { filesystem: 'Bad', path: '' } }] }));
    await expect(loadMapping({ plan: file, gen2Account: 'x1x' })).rejects.toThrow(/plan\.yaml: datasets\[0\]\.target\.filesystem/);
  });
});
