import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../core/store.js';
import { walk } from '../core/walk.js';
import { openSqliteJobDb, type JobDb } from '../state/db.js';
import { listDatasets, listRuns } from '../state/jobs.js';
import { createMemoryStore, dropMemoryStore } from '../stores/memory/index.js';
import { parseInterval, runIncremental } from './incremental.js';
import { runLiftAndShift } from './lift-and-shift.js';

async function put(store: Store, path: string, text: string): Promise<void> {
  const data = Buffer.from(text);
  const w = await store.createWriter(path, { overwrite: true });
  if (data.byteLength > 0) await w.write(0, data);
  await w.commit({ size: data.byteLength });
}

async function tree(store: Store): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for await (const page of walk(store, '')) {
    for (const e of page) {
      if (e.kind === 'directory') out[e.path] = '<dir>';
      else {
        const parts: Uint8Array[] = [];
        for await (const p of await store.openRead(e.path)) parts.push(p);
        out[e.path] = Buffer.concat(parts).toString();
      }
    }
  }
  return out;
}

const names: string[] = [];
function memory(tag: string): Store {
  const name = `inc-${tag}-${process.pid}-${names.length}`;
  names.push(name);
  return createMemoryStore({ kind: 'memory', name, path: '' });
}

describe('runIncremental', () => {
  let dir: string;
  let jobDb: JobDb;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lakeshift-inc-'));
    jobDb = await openSqliteJobDb(dir);
  });
  afterAll(async () => {
    await jobDb.close();
    rmSync(dir, { recursive: true, force: true });
    for (const n of names) dropMemoryStore(n);
  });

  it('copies only new and changed files, applies changed ACLs and deletes what left the source', async () => {
    const source = memory('s');
    const dest = memory('d');
    await put(source, 'a/one.txt', 'one');
    await put(source, 'a/two.txt', 'two');
    await put(source, 'b/three.txt', 'three');
    await source.mkdir('c/empty');
    const [first] = await runIncremental({ source, dest, jobDb, delete: true });
    expect(first?.files.copied).toBe(3);
    expect(await tree(dest)).toEqual(await tree(source));

    await new Promise((r) => setTimeout(r, 5));
    await put(source, 'a/two.txt', 'two, longer now');
    await put(source, 'b/four.txt', 'four');
    await source.remove('a/one.txt');
    await source.remove('c', { recursive: true });
    const mtime = (await source.stat('b/three.txt')).mtimeMs;
    await source.setPermissions('b/three.txt', 0o600);
    await source.setTimes?.('b/three.txt', { mtimeMs: mtime });
    const [second] = await runIncremental({ source, dest, jobDb, delete: true });
    expect(second?.jobId).toBe(first?.jobId);
    expect(second?.files.copied).toBe(2);
    expect(second?.deleted).toBe(3);
    expect(second?.files.metadataUpdated).toBe(1);
    expect(await tree(dest)).toEqual(await tree(source));
    expect((await dest.getAcl('b/three.txt')).permissions).toBe(0o600);
    // A completed delete leaves no row behind: the job database does not grow with files that came and went.
    const rows = await jobDb.db.selectFrom('items').select('rel_path').where('job_id', '=', second?.jobId ?? '').execute();
    const kept = rows.map((r) => r.rel_path);
    expect(kept).toEqual(expect.arrayContaining(['a/two.txt', 'b/four.txt', 'b/three.txt']));
    expect(kept.filter((p) => p === 'a/one.txt' || p === 'c' || p.startsWith('c/'))).toEqual([]);

    const [third] = await runIncremental({ source, dest, jobDb, delete: true });
    expect(third?.files.copied).toBe(0);
    expect(third?.deleted).toBe(0);
    const runs = await listRuns(jobDb, first?.jobId ?? '');
    expect(runs.map((r) => r.deleted)).toEqual([0, 3, 0]);
    const datasets = await listDatasets(jobDb, first?.jobId ?? '');
    expect(datasets[0]?.last_run).toBe(3);
    expect(datasets[0]?.watermark).toBe(runs[2]?.started_at);
  });

  it('continues the job of an earlier lift and shift: changed files are copied, not refused as existing', async () => {
    const source = memory('s');
    const dest = memory('d');
    await put(source, 'k/a.txt', 'first');
    await put(source, 'k/b.txt', 'bee');
    const first = await runLiftAndShift({ source, dest, jobDb });
    await new Promise((r) => setTimeout(r, 5));
    await put(source, 'k/a.txt', 'second version');
    const [catchUp] = await runIncremental({ source, dest, jobDb, delete: true });
    expect(catchUp?.jobId).toBe(first.jobId);
    expect(catchUp?.files.copied).toBe(1);
    expect(catchUp?.files.skipped).toBe(0);
    expect((await tree(dest))['k/a.txt']).toBe('second version');
  });

  it('with checksum, finds a change that keeps size and mtime', async () => {
    const source = memory('s');
    const dest = memory('d');
    await put(source, 'f.txt', 'aaaa');
    await runIncremental({ source, dest, jobDb, checksum: true });
    const before = await dest.stat('f.txt');
    await put(dest, 'f.txt', 'bbbb');
    await dest.setTimes?.('f.txt', { mtimeMs: before.mtimeMs });
    const [plain] = await runIncremental({ source, dest, jobDb, checksum: false });
    expect(plain?.files.copied).toBe(0);
    const [summed] = await runIncremental({ source, dest, jobDb, checksum: true });
    expect(summed?.files.copied).toBe(1);
    expect((await tree(dest))['f.txt']).toBe('aaaa');
  });

  it('refuses to delete more than maxDelete paths and deletes nothing', async () => {
    const source = memory('s');
    const dest = memory('d');
    for (let i = 0; i < 5; i++) await put(source, `f${i}.txt`, `${i}`);
    await runIncremental({ source, dest, jobDb, delete: true, maxDelete: 3 });
    for (let i = 0; i < 5; i++) await source.remove(`f${i}.txt`);
    const [run] = await runIncremental({ source, dest, jobDb, delete: true, maxDelete: 3 });
    expect(run?.status).toBe('failed');
    expect(run?.deleteRefused).toMatch(/More than 3 destination paths/);
    expect(Object.keys(await tree(dest))).toHaveLength(5);
  });

  it('repeats every interval until stopped, ending after the current run', async () => {
    const source = memory('s');
    const dest = memory('d');
    await put(source, 'x.txt', 'x');
    const stop = new AbortController();
    const summaries = await runIncremental({
      source, dest, jobDb, everyMs: 1000,
      stopSignal: stop.signal,
      onRun: (s) => {
        if (s.runNo >= 2) stop.abort();
      },
    });
    expect(summaries.map((s) => s.runNo)).toEqual([1, 2]);
    expect(parseInterval('15m')).toBe(900_000);
    expect(() => parseInterval('soon')).toThrow(/Invalid interval 'soon'/);
  });
});
