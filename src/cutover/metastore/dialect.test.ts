import { describe, expect, it } from 'vitest';
import { dialectFor, keysetAfter, keysetParams, type KeyColumn } from './dialect.js';
import { rowUpdateSql } from './sql-out.js';

const FUNC_RU_KEYS: KeyColumn[] = [{ name: 'FUNC_ID', type: 'int' }, { name: 'INTEGER_IDX', type: 'int' }];

describe('metastore SQL dialects', () => {
  it('Azure SQL (mssql): batched UPDATE joins a VALUES list on the key and the exact planned old value', () => {
    const d = dialectFor('mssql');
    const { sql, params } = d.batchUpdate('FUNC_RU', 'RESOURCE_URI', FUNC_RU_KEYS, [
      { key: ['1', '0'], old: 'adl://a.azuredatalakestore.net/u.jar', new: 'abfss://f@b.dfs.core.windows.net/u.jar' },
      { key: ['2', '3'], old: "adl://a.azuredatalakestore.net/o'k.jar", new: "abfss://f@b.dfs.core.windows.net/o'k.jar" },
    ]);
    expect(sql).toBe(
      'UPDATE t SET t.[RESOURCE_URI] = v.new_value FROM [FUNC_RU] AS t JOIN (VALUES '
      + '(CAST(@p1 AS BIGINT), CAST(@p2 AS BIGINT), @p3, @p4), (CAST(@p5 AS BIGINT), CAST(@p6 AS BIGINT), @p7, @p8)) '
      + 'AS v(k0, k1, old_value, new_value) ON t.[FUNC_ID] = v.k0 AND t.[INTEGER_IDX] = v.k1 '
      + 'AND t.[RESOURCE_URI] COLLATE Latin1_General_100_BIN2 = v.old_value COLLATE Latin1_General_100_BIN2',
    );
    expect(params).toEqual(['1', '0', 'adl://a.azuredatalakestore.net/u.jar', 'abfss://f@b.dfs.core.windows.net/u.jar', '2', '3', "adl://a.azuredatalakestore.net/o'k.jar", "abfss://f@b.dfs.core.windows.net/o'k.jar"]);
  });

  it('Azure SQL (mssql): keyset page with TOP, and a DBA statement with N literals', () => {
    const d = dialectFor('mssql');
    const after = keysetAfter(d, 'x', FUNC_RU_KEYS, 1);
    expect(after.sql).toBe('((x.[FUNC_ID] > @p1) OR (x.[FUNC_ID] = @p2 AND x.[INTEGER_IDX] > @p3))');
    expect(keysetParams(['7', '2'])).toEqual(['7', '7', '2']);
    expect(d.limitQuery('x.[SD_ID] AS k0', '[SDS] x', after.sql, 'x.[SD_ID]', 400)).toBe(
      `SELECT TOP (400) x.[SD_ID] AS k0 FROM [SDS] x WHERE ${after.sql} ORDER BY x.[SD_ID]`,
    );
    expect(rowUpdateSql(d, { table: 'SDS', column: 'LOCATION', keys: [{ name: 'SD_ID', type: 'int' }] }, { SD_ID: '3' }, "adl://a.azuredatalakestore.net/it's ü", 'abfss://f@b.dfs.core.windows.net/it\'s ü')).toBe(
      "UPDATE [SDS] SET [LOCATION] = N'abfss://f@b.dfs.core.windows.net/it''s ü' WHERE [SD_ID] = 3 AND [LOCATION] COLLATE Latin1_General_100_BIN2 = N'adl://a.azuredatalakestore.net/it''s ü' COLLATE Latin1_General_100_BIN2;",
    );
  });

  it('PostgreSQL and MySQL literals escape quotes (and MySQL backslashes); a non-numeric id is refused', () => {
    expect(dialectFor('postgres').literal("a'b\\c")).toBe("'a''b\\c'");
    expect(dialectFor('mysql').literal("a'b\\c")).toBe("'a''b\\\\c'");
    expect(() => rowUpdateSql(dialectFor('postgres'), { table: 'SDS', column: 'LOCATION', keys: [{ name: 'SD_ID', type: 'int' }] }, { SD_ID: '1; DROP' }, 'a', 'b')).toThrow(/not a whole number/);
  });
});
