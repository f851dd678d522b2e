import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliCaptured } from '../../src/cli/test-support.js';
import { MetastoreScanOutputSchema, metastoreHasNoGen1 } from '../../src/cutover/metastore/index.js';
import {
  createMetastore, dumpMetastore, HIVE_VERSIONS, locationRows, MAP, seedMetastore, serverProblem,
  type ExpectedFinding, type TestDialect, type TestMetastore,
} from './metastore-fixtures.js';

/**
 * Every location column of every supported schema version, on real PostgreSQL and MariaDB servers
 * loaded with Hive's official schema files: scan, apply (batched, with an undo file), a second run
 * that finds nothing, and undo back to a byte-identical dump.
 */
const problems: Record<TestDialect, string | undefined> = {
  postgres: await serverProblem('postgres', 'the PostgreSQL metastore round trips'),
  mysql: await serverProblem('mysql', 'the MariaDB metastore round trips'),
};

let tmp = '';
beforeAll(async () => { tmp = await mkdtemp(join(tmpdir(), 'ls-ms-')); });
afterAll(async () => { await rm(tmp, { recursive: true, force: true }); });

function comparable(f: Omit<ExpectedFinding, 'replacement'> & { replacement?: string | undefined }): string {
  return JSON.stringify([f.table, f.column, f.object, f.location, f.action, f.replacement ?? null]);
}

async function scanJson(url: string): Promise<ReturnType<typeof MetastoreScanOutputSchema.parse>> {
  const r = await runCliCaptured(['cutover', 'metastore', 'scan', '--metastore', url, '--map', MAP, '--batch-size', '2', '--output', 'json']);
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  return MetastoreScanOutputSchema.parse(JSON.parse(r.out));
}

/** What every location row must hold after the rewrite: the replacement where planned, else unchanged. */
function expectedAfter(before: Record<string, string | null>, expected: ExpectedFinding[]): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const [key, value] of Object.entries(before)) {
    const tableColumn = key.slice(0, key.indexOf(':'));
    const hit = expected.find((e) => e.action === 'rewrite' && `${e.table}.${e.column}` === tableColumn && e.location === value);
    out[key] = hit?.replacement ?? value;
  }
  return out;
}

for (const dialect of ['postgres', 'mysql'] as const) {
  describe.skipIf(problems[dialect] !== undefined)(`cutover metastore on ${dialect}`, () => {
    it.each(HIVE_VERSIONS)('Hive %s: every location column found, rewritten in batches, found no more, and undone byte for byte', async (version) => {
      const ms = await createMetastore(dialect, version);
      try {
        const expected = await seedMetastore(ms);
        const dumpBefore = await dumpMetastore(ms);
        const rowsBefore = await locationRows(ms);

        const scan = await scanJson(ms.url);
        expect(scan.schema_version).toBe(version);
        expect(scan.findings.map(comparable).sort()).toEqual(expected.map(comparable).sort());
        const partition = scan.findings.find((f) => f.object === 'sales.orders/ds=2020-01-02');
        expect(partition?.key).toEqual({ SD_ID: '3' });
        expect(scan.findings.find((f) => f.table === 'FUNC_RU')?.key).toEqual({ FUNC_ID: '1', INTEGER_IDX: '0' });
        expect(await dumpMetastore(ms)).toBe(dumpBefore); // scan is read-only

        const undoFile = join(tmp, `undo-${ms.database}.jsonl`);
        const apply = await runCliCaptured(['cutover', 'metastore', 'rewrite', '--metastore', ms.url, '--map', MAP, '--apply', '--undo-file', undoFile, '--batch-size', '2']);
        expect(apply.err).toBe('');
        expect(apply.code).toBe(0);
        const planned = expected.filter((e) => e.action === 'rewrite').length;
        expect(apply.out).toContain(`Rewrote ${planned} location(s)`);
        expect((await readFile(undoFile, 'utf8')).trim().split('\n')).toHaveLength(planned + 2);
        expect(await locationRows(ms)).toEqual(expectedAfter(rowsBefore, expected));

        const again = await scanJson(ms.url);
        expect(again.findings.filter((f) => f.action === 'rewrite')).toEqual([]);
        expect(again.findings.map((f) => f.object).sort()).toEqual(['other', 'sales.short']);

        const undo = await runCliCaptured(['cutover', 'metastore', 'undo', '--metastore', ms.url, undoFile]);
        expect(undo.err).toBe('');
        expect(undo.code).toBe(0);
        expect(await dumpMetastore(ms)).toBe(dumpBefore);
      } finally {
        await ms.close();
      }
    });

    it('--sql-out writes guarded UPDATEs that a DBA can run as they are; the metastore is not changed by lakeshift', async () => {
      const ms: TestMetastore = await createMetastore(dialect, '4.0.0');
      try {
        const expected = await seedMetastore(ms);
        const rowsBefore = await locationRows(ms);
        const file = join(tmp, `dba-${ms.database}.sql`);
        const r = await runCliCaptured(['cutover', 'metastore', 'rewrite', '--metastore', ms.url, '--map', MAP, '--sql-out', file]);
        expect(r.code).toBe(0);
        expect(await locationRows(ms)).toEqual(rowsBefore);
        const script = await readFile(file, 'utf8');
        const updates = script.split('\n').filter((l) => l.startsWith('UPDATE '));
        expect(updates).toHaveLength(expected.filter((e) => e.action === 'rewrite').length);
        for (const u of updates) expect(u).toMatch(dialect === 'postgres' ? /WHERE .* AND "[A-Z_]+" = '/ : /WHERE .* AND \(CONVERT\(`[A-Z_]+` USING utf8mb4\) COLLATE utf8mb4_bin = CONVERT\('/);
        await ms.exec(script);
        expect(await locationRows(ms)).toEqual(expectedAfter(rowsBefore, expected));
        const again = await scanJson(ms.url);
        expect(again.findings.filter((f) => f.action === 'rewrite')).toEqual([]);
      } finally {
        await ms.close();
      }
    });
  });
}

describe.skipIf(problems.postgres !== undefined)('decommission condition: metastoreHasNoGen1', () => {
  it('counts the Gen1 locations left, and passes once none remain', async () => {
    const ms = await createMetastore('postgres', '3.1.0');
    try {
      const expected = await seedMetastore(ms);
      const first = await metastoreHasNoGen1(ms.url);
      expect(first.ok).toBe(false);
      expect(first.remaining).toBe(expected.length);
      expect(first.evidence).toContain('Hive 3.1.0');
      expect(first.hint).toContain('cutover metastore rewrite');
      const undoFile = join(tmp, `decom-${ms.database}.jsonl`);
      expect((await runCliCaptured(['cutover', 'metastore', 'rewrite', '--metastore', ms.url, '--map', MAP, '--apply', '--undo-file', undoFile])).code).toBe(0);
      expect((await metastoreHasNoGen1(ms.url)).remaining).toBe(2);
      await ms.exec(`UPDATE "DBS" SET "DB_LOCATION_URI" = 'abfss://gen1@contoso2.dfs.core.windows.net/x' WHERE "DB_ID" = 3`);
      await ms.exec(`UPDATE "SDS" SET "LOCATION" = 'abfss://gen1@contoso2.dfs.core.windows.net/short' WHERE "SD_ID" = 7`);
      const last = await metastoreHasNoGen1(ms.url);
      expect(last).toMatchObject({ ok: true, remaining: 0 });
    } finally {
      await ms.close();
    }
  });
});
