import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanReportSchema } from '../../src/cutover/index.js';
import { ensureFreshBundle, ROOT } from '../guide/doc-runner.js';

/**
 * The built CLI (`bin/lakeshift.js` -> dist/bundle) starts its prefilter worker from its own bundle
 * entry (dist/bundle/scan-worker.js): a tree large enough for workers gives the same report with a
 * worker as without, UTF-16 and binary files included.
 */
const MAP = 'adl://contoso.azuredatalakestore.net/=abfss://gen1@contosoadls.dfs.core.windows.net/';
let dir: string;

beforeAll(async () => {
  await ensureFreshBundle();
  dir = await mkdtemp(join(tmpdir(), 'lakeshift-built-workers-'));
  for (let i = 0; i < 1500; i += 1) {
    const body = i % 60 === 0 ? `raw = spark.read.parquet("adl://contoso.azuredatalakestore.net/raw/${i}/")\n` : `rows_${i} = spark.table("orders").count()\n`;
    await writeFile(join(dir, `f${String(i).padStart(4, '0')}.py`), body);
  }
  await writeFile(join(dir, 'wide.ps1'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`$p = 'adl://contoso.azuredatalakestore.net/x'\r\n`, 'utf16le')]));
  await writeFile(join(dir, 'tool.bin'), Buffer.from([0x61, 0x64, 0x6c, 0x00]));
}, 120_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function scan(workers: number): ReturnType<typeof scanReportSchema.parse> {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'lakeshift.js'), 'cutover', 'scan', dir, '--map', MAP, '--output', 'json', '--workers', String(workers)], { encoding: 'utf8', maxBuffer: 1 << 26 });
  expect(r.status, r.stderr).toBe(0);
  // A worker that fails to load or dies is reported (its files are then scanned in the main thread).
  expect(r.stderr).not.toMatch(/worker/);
  return scanReportSchema.parse(JSON.parse(r.stdout));
}

describe('built CLI with prefilter worker threads', () => {
  it('reports the same with --workers 1 as with --workers 0', () => {
    const none = scan(0);
    const one = scan(1);
    expect(none.files_scanned).toBe(1501);
    expect(none.findings).toHaveLength(26);
    expect(none.findings.some((f) => f.file.endsWith('wide.ps1'))).toBe(true);
    expect(none.skipped).toEqual([{ file: join(dir, 'tool.bin'), reason: 'binary (NUL byte in the first 8 KiB)' }]);
    expect(one).toEqual(none);
  }, 120_000);
});
