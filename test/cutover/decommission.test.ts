import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAclSpec } from '../../src/core/acl.js';
import type { Store } from '../../src/core/store.js';
import { scanWorkloads } from '../../src/cutover/index.js';
import { runDecommissionCheck } from '../../src/cutover/decommission/decommission-check.js';
import type { WorkloadScanner } from '../../src/cutover/decommission/types.js';
import { runFinalSync } from '../../src/cutover/final-sync/final-sync.js';
import { freezeTree } from '../../src/cutover/freeze/freeze.js';
import { resolveOpenFreeze, unfreezeTree } from '../../src/cutover/freeze/unfreeze.js';
import { GEN1_EMULATOR_ADMIN_OID, startGen1Emulator, type Gen1Emulator } from '../../src/emulators/gen1/index.js';
import { rawClient, tokenFor, type RawCall, type RawResponse } from '../../src/emulators/gen1/test-support.js';
import { startGen2Emulator, type Gen2Emulator } from '../../src/emulators/gen2/index.js';
import { runLiftAndShift } from '../../src/patterns/lift-and-shift.js';
import { openJournal } from '../../src/gateway/journal.js';
import { runCliCaptured } from '../../src/cli/test-support.js';
import { openSqliteJobDb, type JobDb } from '../../src/state/db.js';
import { createMetastore, MAP, seedMetastore, serverProblem } from '../cutover-metastore/metastore-fixtures.js';
import { openGen1, openGen2, storeRead } from '../migrate-helpers.js';

// The decommission gate over both emulators: each condition is made to fail in turn (the others
// holding), and the gate passes when all hold. The workload condition runs the product's scanner.
const ALICE = '11111111-1111-4111-8111-111111111111';
const BOB = '22222222-2222-4222-8222-222222222222';

const pgProblem = await serverProblem('postgres', 'the metastore condition of the decommission gate');
let gen1: Gen1Emulator;
let gen2: Gen2Emulator;
let source: Store;
let dest: Store;
let jobDb: JobDb;
let dir: string;
let admin: (c: RawCall) => Promise<RawResponse>;
let clean: string;
let dirty: string;

const scanner: WorkloadScanner = async (paths) => {
  const r = await scanWorkloads(paths);
  return { filesScanned: r.files_scanned, findings: r.findings, skipped: r.skipped };
};

async function put(store: Store, path: string, text: string, properties?: Record<string, string>): Promise<void> {
  const w = await store.createWriter(path, { overwrite: true, ...(properties === undefined ? {} : { properties }) });
  await w.write(0, Buffer.from(text));
  await w.commit({ size: Buffer.byteLength(text) });
}

/** Each condition's verdict (true, false, or 'not checked' when its input was not given) and the gate's. */
async function gate(workloads = [clean], acceptNotHeld = false, flags: Record<string, unknown> = {}): Promise<Record<string, boolean | string> & { passed: boolean }> {
  const r = await runDecommissionCheck(source, dest, { jobDb, workloads, scanWorkloads: scanner, acceptNotHeld, flags });
  return { ...Object.fromEntries(r.conditions.map((c) => [c.id, c.checked ? c.ok : 'not checked'])), passed: r.passed };
}

const allHold = {
  frozen: true, 'final-sync-current': true, 'validation-clean': true, 'all-paths-held': true, 'workloads-clean': true,
  'no-drift': 'not checked', 'metastore-no-gen1': 'not checked', passed: true,
};

async function finalSync(): Promise<boolean> {
  return (await runFinalSync(source, dest, { jobDb, concurrency: 4 })).ok;
}

beforeAll(async () => {
  gen1 = await startGen1Emulator({ port: 0, inMemory: true });
  gen2 = await startGen2Emulator({ port: 0, inMemory: true });
  admin = rawClient(gen1.url, tokenFor(GEN1_EMULATOR_ADMIN_OID));
  source = openGen1(gen1.url, 'lake');
  dest = openGen2(gen2.url, 'gen1');
  // Traversal for non-superusers (alice changes her own file below).
  await admin({ method: 'PUT', path: '/', query: 'op=SETPERMISSION&permission=0755' });
  await admin({ method: 'PUT', path: '/lake', query: 'op=MKDIRS&permission=0755' });
  await source.mkdir('raw/2024', { permissions: 0o775 });
  await source.mkdir('shared', { permissions: 0o770 });
  await source.setAcl('shared', parseAclSpec(`user::rwx,user:${BOB}:rwx,group::r-x,mask::rwx,other::---,default:user::rwx,default:user:${BOB}:rwx,default:group::r-x,default:mask::rwx,default:other::---`));
  for (let i = 0; i < 4; i++) await put(source, `raw/2024/part-${i}.csv`, `id,value\n${i},${i * 7}\n`);
  await put(source, 'shared/report.csv', 'quarter,total\nq1,10\n');
  await source.setAcl('shared/report.csv', parseAclSpec(`user::rw-,user:${BOB}:rw-,group::r--,mask::rw-,other::---`));
  await put(source, 'raw/alice.txt', 'alice owns this\n');
  await source.setOwner('raw/alice.txt', ALICE, undefined);
  await source.setPermissions('raw/alice.txt', 0o644);
  dir = mkdtempSync(join(tmpdir(), 'lakeshift-decommission-'));
  jobDb = await openSqliteJobDb(join(dir, 'state'));
  clean = join(dir, 'clean');
  dirty = join(dir, 'dirty');
  mkdirSync(clean);
  mkdirSync(dirty);
  writeFileSync(join(clean, 'etl.py'), 'df = spark.read.csv("abfss://gen1@lake.dfs.core.windows.net/raw/2024")\n');
  writeFileSync(join(dirty, 'core-site.xml'), '<configuration>\n  <property><name>fs.defaultFS</name><value>adl://contoso.azuredatalakestore.net</value></property>\n</configuration>\n');
  const first = await runLiftAndShift({ source, dest, jobDb, concurrency: 4 });
  expect(first.failures).toEqual([]);
}, 60_000);

afterAll(async () => {
  await Promise.allSettled([source?.close(), dest?.close()]);
  await jobDb?.close();
  await Promise.allSettled([gen1?.close(), gen2?.close()]);
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe('decommission-check over the emulators', () => {
  it('fails everything but the workloads before the freeze; final sync refuses an unfrozen source', async () => {
    expect(await gate()).toEqual({ ...allHold, frozen: false, 'final-sync-current': false, 'validation-clean': false, 'all-paths-held': false, passed: false });
    await expect(runFinalSync(source, dest, { jobDb })).rejects.toMatchObject({ code: 'precondition-failed', message: expect.stringMatching(/not frozen/) });
  });

  it('after the freeze only the final-sync conditions fail; after the final sync all hold, with pre-freeze ACLs in Gen2', async () => {
    expect((await freezeTree(source, { jobDb })).state).toBe('frozen');
    expect(await gate()).toEqual({ ...allHold, 'final-sync-current': false, 'validation-clean': false, 'all-paths-held': false, passed: false });
    expect(await finalSync()).toBe(true);
    expect(await gate()).toEqual(allHold);
    // Gen2 keeps the modes and ACLs from before the freeze, not the frozen ones.
    expect((await dest.getAcl('raw/alice.txt')).permissions).toBe(0o644);
    expect((await dest.getAcl('shared/report.csv')).entries).toContainEqual({ scope: 'access', type: 'user', id: BOB, perms: 6 });
    expect((await source.getAcl('raw/alice.txt')).permissions).toBe(0o444);
  });

  it('workloads that name Gen1 fail the workload condition alone', async () => {
    const r = await runDecommissionCheck(source, dest, { jobDb, workloads: [clean, dirty], scanWorkloads: scanner });
    expect(Object.fromEntries(r.conditions.map((c) => [c.id, c.checked ? c.ok : 'not checked']))).toEqual({ ...allHold, 'workloads-clean': false, passed: undefined });
    expect(r.conditions.find((c) => c.id === 'workloads-clean')?.evidence).toMatch(/core-site\.xml:2:\d+ "adl:\/\/contoso\.azuredatalakestore\.net/);
    expect((await gate([])).passed).toBe(false);
  });

  it('a Gen1 change after the final sync fails its freshness alone, until the next final sync', async () => {
    // A superuser still writes while frozen (that is how the final sync could repair things).
    expect((await admin({ method: 'POST', path: '/lake/raw/2024/part-1.csv', query: 'op=APPEND&append=true', body: '9,63\n' })).status).toBe(200);
    expect(await gate()).toEqual({ ...allHold, 'final-sync-current': false, passed: false });
    expect(await finalSync()).toBe(true);
    expect(await gate()).toEqual(allHold);
    expect((await storeRead(dest, 'raw/2024/part-1.csv')).toString()).toContain('9,63');
  });

  it('a validation difference fails the validation condition alone', async () => {
    const props = await dest.getProperties('raw/2024/part-2.csv');
    const size = (await dest.stat('raw/2024/part-2.csv')).size;
    await put(dest, 'raw/2024/part-2.csv', 'X'.repeat(size), props);
    expect(await finalSync()).toBe(false);
    expect(await gate()).toEqual({ ...allHold, 'validation-clean': false, passed: false });
    await dest.remove('raw/2024/part-2.csv');
    expect(await finalSync()).toBe(true);
    expect(await gate()).toEqual(allHold);
  });

  it('an owner giving a write bit back fails the frozen condition alone, until frozen again', async () => {
    const alice = rawClient(gen1.url, tokenFor(ALICE));
    expect((await alice({ method: 'PUT', path: '/lake/raw/alice.txt', query: 'op=SETPERMISSION&permission=644' })).status).toBe(200);
    expect(await gate()).toEqual({ ...allHold, frozen: false, passed: false });
    expect((await freezeTree(source, { jobDb })).refrozen).toBe(1);
    expect(await gate()).toEqual(allHold);
  });

  it('a source path Gen2 cannot hold fails all-paths-held alone unless accepted', async () => {
    await put(source, 'raw/ends-with-dot.', 'Gen2 refuses a trailing dot\n');
    await freezeTree(source, { jobDb });
    expect(await finalSync()).toBe(true);
    expect(await gate()).toEqual({ ...allHold, 'all-paths-held': false, passed: false });
    expect(await gate([clean], true)).toEqual(allHold);
  });

  it('with --gateway STATE-DIR: an unmirrored change in the gateway journal fails no-drift alone; once mirrored it holds', async () => {
    const gwDir = join(dir, 'gateway-state');
    const pair = `${source.displayUri} -> ${dest.displayUri}`;
    const withJournal = async <T>(fn: (j: Awaited<ReturnType<typeof openJournal>>) => Promise<T>): Promise<T> => {
      const db = await openSqliteJobDb(gwDir);
      try {
        return await fn(await openJournal(db));
      } finally {
        await db.close();
      }
    };
    const id = await withJournal((j) => j.record(pair, 'CREATE', 'raw/2024/part-9.csv'));
    const flags = { gateway: gwDir };
    expect(await gate([clean], true, flags)).toEqual({ ...allHold, 'no-drift': false, passed: false });
    const r = await runDecommissionCheck(source, dest, { jobDb, workloads: [clean], scanWorkloads: scanner, acceptNotHeld: true, flags, dryRun: true });
    expect(r.conditions.find((c) => c.id === 'no-drift')).toMatchObject({ checked: true, ok: false, evidence: expect.stringContaining('gateway journal 1 entries') });
    await withJournal((j) => j.done([id]));
    expect(await gate([clean], true, flags)).toEqual({ ...allHold, 'no-drift': true });
    // --gateway alone reads this job database's journal (empty here).
    expect((await gate([clean], true, { gateway: true }))['no-drift']).toBe(true);
  });

  it.skipIf(pgProblem !== undefined)(`with --metastore: Gen1 locations fail metastore-no-gen1 alone; once rewritten it holds${pgProblem === undefined ? '' : ` (skipped: ${pgProblem})`}`, async () => {
    const ms = await createMetastore('postgres', '3.1.0');
    try {
      await seedMetastore(ms);
      const flags = { metastore: ms.url };
      expect(await gate([clean], true, flags)).toEqual({ ...allHold, 'metastore-no-gen1': false, passed: false });
      const undoFile = join(dir, `undo-${ms.database}.jsonl`);
      expect((await runCliCaptured(['cutover', 'metastore', 'rewrite', '--metastore', ms.url, '--map', MAP, '--apply', '--undo-file', undoFile])).code).toBe(0);
      // Two locations are reported, not rewritten (see round-trip.test.ts): a person fixes them.
      await ms.exec(`UPDATE "DBS" SET "DB_LOCATION_URI" = 'abfss://gen1@contoso2.dfs.core.windows.net/x' WHERE "DB_ID" = 3`);
      await ms.exec(`UPDATE "SDS" SET "LOCATION" = 'abfss://gen1@contoso2.dfs.core.windows.net/short' WHERE "SD_ID" = 7`);
      expect(await gate([clean], true, flags)).toEqual({ ...allHold, 'metastore-no-gen1': true });
    } finally {
      await ms.close();
    }
  });

  it('unfreeze restores the recorded state and the gate fails again', async () => {
    const undo = await unfreezeTree(source, await resolveOpenFreeze(jobDb, source.displayUri), { jobDb });
    expect(undo.state).toBe('unfrozen');
    expect((await source.getAcl('raw/alice.txt')).permissions).toBe(0o644);
    expect((await gate([clean], true)).frozen).toBe(false);
  });
});
