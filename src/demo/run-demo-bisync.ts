/**
 * `npm run demo:bisync`: Gen1 and Gen2 both live, kept in step. Starts both emulators in-process on
 * free ports (in memory), writes a small lake into Gen1, builds the baseline with `bisync --resync`,
 * then shows edits on both sides carried across, a conflict settled by per-prefix rules with the loser
 * kept under /_lakeshift/conflicts, and the max-delete guard stopping a mass delete (exit 6) with
 * nothing changed. Exits 0 only when every step behaved as shown.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../cli/main.js';
import type { Store } from '../core/store.js';
import { walk } from '../core/walk.js';
import { startGen1Emulator } from '../emulators/gen1/index.js';
import { DEV_ACCOUNT, startGen2Emulator } from '../emulators/gen2/index.js';
import { openStore } from '../stores/open-store.js';

const out = process.stdout;
const step = (n: number, text: string): void => void out.write(`\n[${n}/5] ${text}\n`);

async function writeText(store: Store, path: string, text: string): Promise<void> {
  const data = Buffer.from(text);
  const w = await store.createWriter(path, { overwrite: true });
  if (data.length > 0) await w.write(0, data);
  await w.commit({ size: data.length });
}

async function readText(store: Store, path: string): Promise<string | undefined> {
  try {
    const parts: Uint8Array[] = [];
    for await (const p of await store.openRead(path)) parts.push(p);
    return Buffer.concat(parts).toString();
  } catch {
    return undefined;
  }
}

async function files(store: Store): Promise<string[]> {
  const outList: string[] = [];
  for await (const page of walk(store, '')) for (const e of page) if (e.kind === 'file') outList.push(e.path);
  return outList.sort();
}

function check(ok: boolean, what: string): void {
  out.write(`  ${ok ? 'ok' : 'FAILED'}: ${what}\n`);
  if (!ok) process.exitCode = 1;
}

async function main(): Promise<void> {
  const stateDir = await mkdtemp(join(tmpdir(), 'lakeshift-demo-bisync-'));
  const gen1 = await startGen1Emulator({ port: 0, inMemory: true });
  const gen2 = await startGen2Emulator({ port: 0, inMemory: true });
  const u1 = `${gen1.url}/webhdfs/v1/lake`;
  const u2 = `${gen2.url}/${DEV_ACCOUNT}/lake`;
  const p1 = openStore(u1);
  const p2 = openStore(u2, { role: 'dest' });
  const bisync = (...extra: string[]): Promise<number> => runCli(['bisync', u1, u2, '--state-dir', stateDir, '--settle', '0s', ...extra]);
  try {
    step(1, 'A small lake on Gen1; `lakeshift bisync --resync` builds the baseline (copies across, never deletes)');
    await p1.mkdir('');
    for (let i = 0; i < 6; i++) await writeText(p1, `raw/events/day=${i}/part-0.csv`, `id,value\n${i},${i * 10}\n`);
    await writeText(p1, 'curated/sales/part-0.parquet', 'sales v1');
    await writeText(p1, 'curated/stock/part-0.parquet', 'stock v1');
    check(await bisync('--resync') === 0, 'resync exit 0');
    check((await files(p2)).length === 8, 'Gen2 holds the 8 files');

    step(2, 'Ingest still lands on Gen1, a moved job already writes Gen2: one bisync run carries both ways');
    await writeText(p1, 'raw/events/day=6/part-0.csv', 'id,value\n6,60\n');
    await writeText(p2, 'curated/sales/part-1.parquet', 'written by the Gen2 job');
    await p2.rename('curated/stock', 'curated/inventory');
    check(await bisync() === 0, 'bisync exit 0 (one copy each way; the directory rename is one rename, not deletes)');
    check(await readText(p2, 'raw/events/day=6/part-0.csv') !== undefined && await readText(p1, 'curated/sales/part-1.parquet') !== undefined, 'each new file is on both sides');
    check(await readText(p1, 'curated/inventory/part-0.parquet') === 'stock v1', 'Gen1 has the renamed directory');

    step(3, "Both sides change the same files: rules '/raw/**=path1' (Gen1 owns raw) and '/curated/**=path2' (Gen2 owns curated)");
    await writeText(p1, 'raw/events/day=0/part-0.csv', 'id,value\n0,1 (fixed on Gen1)\n');
    await writeText(p2, 'raw/events/day=0/part-0.csv', 'id,value\n0,2 (edited on Gen2)\n');
    await writeText(p1, 'curated/sales/part-0.parquet', 'sales v2 (Gen1)');
    await writeText(p2, 'curated/sales/part-0.parquet', 'sales v2 (Gen2 job)');
    check(await bisync('--conflict-rule', '/raw/**=path1', '--conflict-rule', '/curated/**=path2') === 0, 'bisync exit 0');
    check(await readText(p2, 'raw/events/day=0/part-0.csv') === 'id,value\n0,1 (fixed on Gen1)\n', 'raw: the Gen1 version won on both sides');
    check(await readText(p1, 'curated/sales/part-0.parquet') === 'sales v2 (Gen2 job)', 'curated: the Gen2 version won on both sides');
    const backups = (await files(p1)).filter((f) => f.startsWith('_lakeshift/conflicts/'));
    check(backups.length === 1, `the losing Gen1 curated file is kept at ${backups[0] ?? '(missing)'} (outside the table folder)`);

    step(4, 'Someone empties most of the raw folder on Gen2 by mistake: the max-delete guard stops the run (exit 6)');
    for (let i = 0; i < 7; i++) await p2.remove(`raw/events/day=${i}`, { recursive: true });
    const guarded = await bisync();
    check(guarded === 6, `bisync exit ${guarded} (6 = guard tripped)`);
    check((await files(p1)).filter((f) => f.startsWith('raw/')).length === 7, 'Gen1 still holds all 7 raw files: nothing was deleted');

    step(5, 'Restore Gen2 from Gen1 with a resync (it never deletes), then a clean run plans nothing');
    check(await bisync('--resync') === 0, 'resync exit 0');
    check(await bisync() === 0, 'bisync exit 0');
    const data = async (s: Store): Promise<string> => JSON.stringify((await files(s)).filter((f) => !f.startsWith('_lakeshift/')));
    check(await data(p1) === await data(p2), 'both sides hold the same files (conflict losers stay under _lakeshift/ on their own side)');
  } finally {
    await p1.close();
    await p2.close();
    await gen1.close();
    await gen2.close();
    await rm(stateDir, { recursive: true, force: true });
  }
  out.write(process.exitCode === 1 ? '\nDemo FAILED (see above).\n' : '\nDemo complete.\n');
}

await main();
