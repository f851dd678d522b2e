import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Entry } from '../src/core/entry.js';
import type { Store } from '../src/core/store.js';
import { parseLocation, type Gen1Location } from '../src/core/uri.js';
import { startGen1Emulator, type Gen1Emulator } from '../src/emulators/gen1/index.js';
import { createGen1Store } from '../src/stores/gen1/index.js';
import { seedLake, SEED_EPOCH_MS, type SeedSummary } from '../src/seed/index.js';
import { assessStore, parseAssessReport, renderJson, type AssessReport } from '../src/assess/index.js';
import { wrapStore } from './assess-helpers.js';

// Assessment over the real wire: the Gen1 store talking to the in-process Gen1 emulator.
let emulator: Gen1Emulator;
let store: Store;
let seed: SeedSummary;
let report: AssessReport;
const aclCalls: string[] = [];
const listed: Entry[] = [];

beforeAll(async () => {
  emulator = await startGen1Emulator({ port: 0, inMemory: true });
  const location = parseLocation(`${emulator.url}/webhdfs/v1/lake`) as Gen1Location;
  store = createGen1Store(location, { retryBaseMs: 10 });
  await store.mkdir('');
  seed = await seedLake(store, { profile: 'small' });
  for await (const page of store.list('', { recursive: true })) for (const e of page) if (e.path !== '') listed.push(e);
  const result = await assessStore(wrapStore(store, { onGetAcl: (p) => aclCalls.push(p) }), { nowMs: SEED_EPOCH_MS, pageSize: 50 });
  expect(result.error).toBeUndefined();
  report = result.report;
}, 120_000);

afterAll(async () => {
  await store?.close();
  await emulator?.close();
});

describe('assess over the Gen1 emulator', () => {
  it('counts what the seed wrote', () => {
    expect(parseAssessReport(JSON.parse(renderJson(report))).complete).toBe(true);
    expect(report.inventory.files).toBe(seed.files);
    expect(report.inventory.directories).toBe(seed.directories);
    expect(report.inventory.bytes).toBe(seed.bytes);
    expect(report.inventory.depth.max).toBe(seed.deepestPath.depth);
  });

  it('asks for ACLs only where the listing says an extended ACL exists', () => {
    const extended = listed.filter((e) => e.hasAcl === true).map((e) => e.path).sort();
    expect(extended.length).toBeGreaterThan(0);
    expect(extended.length).toBeLessThan(listed.length);
    expect(aclCalls.filter((p) => p !== '').sort()).toEqual(extended);
    expect(report.acl.nearLimit.examples.map((x) => x.path)).toEqual(expect.arrayContaining(seed.nearLimitAclPaths));
  });

  it('reports Gen1 features: access times, expiry, awkward names, deep paths', () => {
    expect(report.ageing.byAccess).not.toBeNull();
    const count = (id: string): number => report.rules.find((r) => r.id === id)?.count ?? -1;
    expect(count('expiry-set')).toBe(seed.expiringFiles.length);
    expect(count('name-colon')).toBeGreaterThan(0);
    expect(count('path-too-deep')).toBeGreaterThan(0);
    expect(report.verdict.status).toBe('blocked');
    expect(report.capabilities.find((c) => c.area === 'Expiry')?.touched).toBe(true);
  });
});
