import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliCaptured as cli } from '../../src/cli/test-support.js';
import type { Store } from '../../src/core/store.js';
import { startGen1Emulator, type Gen1Emulator } from '../../src/emulators/gen1/index.js';
import { startGen2Emulator, type Gen2Emulator } from '../../src/emulators/gen2/index.js';
import { gen1Uri, gen2Uri, openGen1 } from '../migrate-helpers.js';

/** The cutover freeze / final-sync / decommission-check / unfreeze commands end to end over both emulators. */
describe('lakeshift cutover freeze, final-sync, decommission-check, unfreeze (CLI)', () => {
  let gen1: Gen1Emulator;
  let gen2: Gen2Emulator;
  let source: Store;
  let dir: string;
  let state: string;
  let src: string;
  let dst: string;
  let workloads: string;

  beforeAll(async () => {
    gen1 = await startGen1Emulator({ port: 0, inMemory: true });
    gen2 = await startGen2Emulator({ port: 0, inMemory: true });
    source = openGen1(gen1.url, 'lake');
    await source.mkdir('raw/2024', { permissions: 0o775 });
    for (let i = 0; i < 3; i++) {
      const w = await source.createWriter(`raw/2024/p${i}.csv`);
      await w.write(0, Buffer.from(`id\n${i}\n`));
      await w.commit({ size: 4 + String(i).length });
    }
    dir = mkdtempSync(join(tmpdir(), 'lakeshift-cutover-cli-'));
    state = join(dir, 'state');
    workloads = join(dir, 'workloads');
    mkdirSync(workloads);
    writeFileSync(join(workloads, 'job.py'), 'spark.read.parquet("abfss://gen1@acct.dfs.core.windows.net/raw")\n');
    src = gen1Uri(gen1.url, 'lake');
    dst = gen2Uri(gen2.url, 'gen1');
    expect((await cli(['migrate', src, dst, '--state-dir', state])).code).toBe(0);
  }, 60_000);

  afterAll(async () => {
    await source?.close();
    await Promise.allSettled([gen1?.close(), gen2?.close()]);
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('refuses bad input and unmet preconditions with their exit codes', async () => {
    expect((await cli(['cutover', 'freeze', 'adl://', '--state-dir', state])).code).toBe(2);
    const notGen1 = await cli(['cutover', 'freeze', dst, '--state-dir', state]);
    expect(notGen1.code).toBe(2);
    expect(notGen1.err).toMatch(/works on Gen1 .* is a gen2 location/);
    const refused = await cli(['cutover', 'final-sync', src, dst, '--state-dir', state]);
    expect(refused.code).toBe(6);
    expect(refused.err).toMatch(/Final sync refused: .* is not frozen.*cutover freeze/);
    const missing = await cli(['cutover', 'decommission-check', src, dst, '--state-dir', state, '--workloads', join(dir, 'nope')]);
    expect(missing.code).toBe(4);
    const badMetastore = await cli(['cutover', 'decommission-check', src, dst, '--state-dir', state, '--metastore', '%zz://x']);
    expect(badMetastore.code).toBe(2);
    expect(badMetastore.err).toMatch(/--metastore .* must be a postgres:\/\/, mysql:\/\/ or mssql:\/\/ URL/);
    expect((await cli(['cutover', 'unfreeze', '--state-dir', join(dir, 'empty-state')])).code).toBe(4);
    expect(existsSync(join(dir, 'empty-state'))).toBe(false);
  });

  it('a dry-run freeze counts and changes nothing, and creates no state directory', async () => {
    const fresh = join(dir, 'fresh-state');
    const r = await cli(['cutover', 'freeze', src, '--dry-run', '--output', 'json', '--state-dir', fresh]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out) as { state: string; changed: number; seen: number };
    expect(report).toMatchObject({ state: 'would-freeze', seen: 6 });
    expect(report.changed).toBeGreaterThan(0);
    expect(((await source.getAcl('raw/2024')).permissions & 0o222) !== 0).toBe(true);
    expect(existsSync(fresh)).toBe(false);
  });

  it('freezes, final-syncs, gates on the workloads, and unfreezes exactly', async () => {
    const before = await source.getAcl('raw/2024');
    const frozen = await cli(['cutover', 'freeze', src, '--state-dir', state]);
    expect(frozen.code, frozen.err).toBe(0);
    expect(frozen.out).toMatch(/result: frozen; only superusers can write/);
    expect((await source.getAcl('raw/2024')).permissions & 0o222).toBe(0);

    const dry = await cli(['cutover', 'final-sync', src, dst, '--dry-run', '--state-dir', state]);
    expect(dry.code, dry.err).toBe(0);
    expect(dry.out).toMatch(/nothing copied or recorded \(dry run\)/);
    const sync = await cli(['cutover', 'final-sync', src, dst, '--output', 'json', '--state-dir', state]);
    expect(sync.code, sync.err).toBe(0);
    expect(JSON.parse(sync.out)).toMatchObject({ ok: true, validation: { differenceCount: 0, checks: { checksum: true } } });

    const noWorkloads = await cli(['cutover', 'decommission-check', src, dst, '--output', 'json', '--state-dir', state]);
    expect(noWorkloads.code).toBe(6);
    const conditions = (JSON.parse(noWorkloads.out) as { conditions: { id: string; ok: boolean; checked: boolean }[] }).conditions;
    expect(Object.fromEntries(conditions.map((c) => [c.id, c.checked ? c.ok : 'not checked']))).toEqual({
      frozen: true, 'final-sync-current': true, 'validation-clean': true, 'all-paths-held': true, 'workloads-clean': false, 'no-drift': 'not checked', 'metastore-no-gen1': 'not checked',
    });
    const text = await cli(['cutover', 'decommission-check', src, dst, '--state-dir', state]);
    expect(text.out).toMatch(/\[pass\] Gen1 is frozen/);
    expect(text.out).toMatch(/\[FAIL\] Workloads name no Gen1 location/);
    expect(text.out).toMatch(/\[n\/a \] No drift older than the settle window.*\(no-drift\)\n +not checked: no gateway input given\n +to check: .*--gateway/);
    expect(text.out).toMatch(/\[n\/a \] The Hive metastore has no Gen1 location \(metastore-no-gen1\)/);
    expect((await cli(['cutover', 'decommission-check', src, dst, '--gateway', join(state, 'nowhere'), '--state-dir', state])).code).toBe(4);
    expect(text.out).toMatch(/\[ \] RBAC:/);
    expect(text.out).toMatch(/do not delete the Gen1 account/);

    const pass = await cli(['cutover', 'decommission-check', src, dst, '--workloads', workloads, '--state-dir', state]);
    expect(pass.code, pass.out).toBe(0);
    expect(pass.out).toMatch(/\[pass\] Workloads name no Gen1 location \(workloads-clean\)\n +1 file under .*: no Gen1 reference/);
    expect(pass.out).toMatch(/result: every checked condition holds; the gate is passed \(2 not checked/);
    writeFileSync(join(workloads, 'mount.py'), 'dbutils.fs.mount(source="adl://contoso.azuredatalakestore.net/raw", mount_point="/mnt/raw", extra_configs=configs)\n');
    const mapped = await cli(['cutover', 'decommission-check', src, dst, '--workloads', workloads, '--output', 'json', '--state-dir', state, '--map', 'adl://contoso.azuredatalakestore.net/=abfss://gen1@contoso2.dfs.core.windows.net/']);
    expect(mapped.code).toBe(6);
    const evidence = (JSON.parse(mapped.out) as { conditions: { id: string; evidence: string }[] }).conditions.find((c) => c.id === 'workloads-clean')?.evidence;
    expect(evidence).toMatch(/mount\.py:1:\d+ .*adl:\/\/contoso\.azuredatalakestore\.net\/raw.*\(rewrite\)/);
    expect((await cli(['cutover', 'decommission-check', src, dst, '--workloads', workloads, '--state-dir', state, '--map', 'nonsense=x'])).code).toBe(2);

    const dryUndo = await cli(['cutover', 'unfreeze', '--dry-run', '--state-dir', state]);
    expect(dryUndo.code).toBe(0);
    expect(dryUndo.out).toMatch(/would-restore +"raw\/2024"/);
    expect((await source.getAcl('raw/2024')).permissions & 0o222).toBe(0);
    const undo = await cli(['cutover', 'unfreeze', src, '--output', 'json', '--state-dir', state]);
    expect(undo.code, undo.err).toBe(0);
    expect(JSON.parse(undo.out)).toMatchObject({ state: 'unfrozen' });
    expect(await source.getAcl('raw/2024')).toEqual(before);
    expect((await cli(['cutover', 'final-sync', src, dst, '--state-dir', state])).code).toBe(6);
  }, 60_000);
});
