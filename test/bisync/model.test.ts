import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/core/store.js';
import { parseLocation, type MemoryLocation } from '../../src/core/uri.js';
import { flakyStore } from '../../src/engine/test-stores.js';
import { BisyncStop, isBisyncStop } from '../../src/patterns/bisync/errors.js';
import { dumpBaseline } from '../../src/patterns/bisync/dump.js';
import { runBisync } from '../../src/patterns/bisync/run.js';
import { CRASH_POINTS, type BisyncEvent, type BisyncSummary, type CrashPoint, type LoserAction, type ResolvePolicy } from '../../src/patterns/bisync/types.js';
import { openSqliteJobDb, type JobDb } from '../../src/state/db.js';
import { createMemoryStore, dropMemoryStore } from '../../src/stores/memory/index.js';
import { readTree, writeFile, type Tree } from './harness.js';

/**
 * Model-based property test: random edits on both sides, runs with random policies, injected faults
 * and crashes, on memory <-> memory. After every run and at the end the four invariants hold:
 * (a) convergence: two clean runs make the sides equal and a third plans nothing;
 * (b) no lost update: every version present at a run's start that was never agreed on both sides
 *     still exists at the end (at a path, or as a conflict loser);
 * (c) no deletion of content modified after the baseline: a run never makes such content vanish;
 * (d) guards are never exceeded (deletions per side, bytes copied, files moved by renames per side), and
 *     a guard stop writes nothing. Mutants that skip the --max-transfer or --max-renames guard fail it.
 * Bounded (40 sequences of up to 14 commands) so it stays fast.
 */

const PATHS = ['a', 'b', 'x/c', 'x/d', 'y/z/e'];

type Cmd =
  | { t: 'write'; side: 1 | 2; path: string; len: number }
  | { t: 'delete'; side: 1 | 2; path: string }
  | { t: 'rename'; side: 1 | 2; from: string; to: string }
  | { t: 'run'; policy: ResolvePolicy; loser: LoserAction; maxDelete: number; force: boolean; faultEvery: number; crash?: CrashPoint | undefined; maxTransfer?: number | undefined; maxRenames?: number | undefined };

const side = fc.constantFrom<1 | 2>(1, 2);
const path = fc.constantFrom(...PATHS);
const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ t: fc.constant('write' as const), side, path, len: fc.integer({ min: 0, max: 3 }) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('delete' as const), side, path }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('rename' as const), side, from: path, to: fc.constantFrom(...PATHS, 'x/moved', 'm/n') }) },
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant('run' as const),
      policy: fc.constantFrom<ResolvePolicy>('path1', 'path2', 'newer', 'larger', 'none'),
      loser: fc.constantFrom<LoserAction>('backup', 'suffix'),
      maxDelete: fc.integer({ min: 20, max: 100 }),
      force: fc.boolean(),
      faultEvery: fc.constantFrom(0, 0, 4, 7),
      crash: fc.option(fc.constantFrom(...CRASH_POINTS), { nil: undefined }),
      // Contents are 4 to 20 bytes: a limit of 0 to 40 bytes stops some runs and lets others through.
      maxTransfer: fc.option(fc.integer({ min: 0, max: 40 }), { nil: undefined, freq: 3 }),
      maxRenames: fc.option(fc.integer({ min: 0, max: 2 }), { nil: undefined, freq: 3 }),
    }, { requiredKeys: ['t', 'policy', 'loser', 'maxDelete', 'force', 'faultEvery'] }),
  },
);

async function exists(store: Store, p: string): Promise<boolean> {
  return store.stat(p).then((e) => e.kind === 'file', () => false);
}

const contents = (t: Tree): Set<string> => new Set(Object.values(t));

describe('bisync model test (fast-check)', () => {
  let dir: string;
  let jobDb: JobDb;
  let n = 0;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lakeshift-bisync-model-'));
    jobDb = await openSqliteJobDb(dir);
  });
  afterAll(async () => {
    await jobDb?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('holds convergence, no lost update, no deletion of unagreed content, guards', async () => {
    await fc.assert(fc.asyncProperty(fc.array(cmd, { minLength: 1, maxLength: 14 }), async (cmds) => {
      n++;
      const names = [`bisync-model-${n}-1`, `bisync-model-${n}-2`];
      const p1 = createMemoryStore(parseLocation(`memory://${names[0]}/`) as MemoryLocation);
      const p2 = createMemoryStore(parseLocation(`memory://${names[1]}/`) as MemoryLocation);
      const stores = { 1: p1, 2: p2 };
      let version = 0;
      const agreed = new Map<string, string>();
      /** The user's own latest write per side and path (removed when the user deletes or overwrites it there). */
      const live = new Map<string, string>();
      const agreedEver = new Set<string>();
      try {
        // Every path starts agreed, so edits meet baseline rows (modify/delete, rename) from the start.
        for (const p of PATHS) {
          await writeFile(p1, p, `v-initial-${p}`);
          agreed.set(p, `v-initial-${p}`);
          agreedEver.add(`v-initial-${p}`);
        }
        await runBisync({ path1: p1, path2: p2, jobDb, resync: true, settleMs: 0 });
        const run = async (c: Extract<Cmd, { t: 'run' }>, clean: boolean): Promise<void> => {
          const before1 = await readTree(p1, true);
          const before2 = await readTree(p2, true);
          const baselineFiles = (await dumpBaseline(jobDb, p1.displayUri, p2.displayUri)).filter((l) => l.startsWith('file ')).length;
          const crashAt = c.crash === undefined || clean ? undefined : (p: CrashPoint): void => {
            if (p === c.crash) throw new BisyncStop('lease-lost', `simulated crash at ${p}`);
          };
          const wrapped = (s: Store): Store => (c.faultEvery > 0 && !clean ? flakyStore(s, c.faultEvery) : s);
          let stop: string | undefined;
          let summary: BisyncSummary | undefined;
          const moved = { 1: 0, 2: 0 };
          const onEvent = (e: BisyncEvent): void => {
            if (e.type !== 'action' || e.outcome !== 'done' || e.action.side === undefined) return;
            if (e.action.op === 'rename') moved[e.action.side]++;
            if (e.action.op === 'rename-dir') moved[e.action.side] += e.action.files ?? 0;
          };
          try {
            summary = await runBisync({
              path1: wrapped(p1), path2: wrapped(p2), jobDb, settleMs: 0, conflictResolve: c.policy, conflictLoser: c.loser, onEvent,
              maxDeletePercent: c.maxDelete, force: c.force, retry: { maxAttempts: 3, baseDelayMs: 0, maxDelayMs: 1 }, ...(crashAt === undefined ? {} : { crashAt }),
              ...(c.maxTransfer === undefined ? {} : { maxTransferBytes: c.maxTransfer }), ...(c.maxRenames === undefined ? {} : { maxRenames: c.maxRenames }),
            });
          } catch (error) {
            if (!isBisyncStop(error)) throw error;
            stop = error.kind;
          }
          const after1 = await readTree(p1, true);
          const after2 = await readTree(p2, true);
          // (d) a guard writes nothing.
          if (stop === 'guard') {
            expect(after1).toEqual(before1);
            expect(after2).toEqual(before2);
          }
          // (d) bytes copied and files moved by renames per side never exceed their limits (--force or not).
          if (c.maxTransfer !== undefined) expect(summary?.bytes ?? 0, JSON.stringify(cmds)).toBeLessThanOrEqual(c.maxTransfer);
          if (c.maxRenames !== undefined) expect(Math.max(moved[1], moved[2]), JSON.stringify(cmds)).toBeLessThanOrEqual(c.maxRenames);
          // (d) deletions on a side never exceed the limit (unless forced).
          const union = new Set([...contents(after1), ...contents(after2)]);
          for (const [before, after] of [[before1, after1], [before2, after2]] as const) {
            const here = contents(after);
            const deleted = Object.entries(before).filter(([k, v]) => after[k] === undefined && !here.has(v)).length;
            if (!c.force) expect(deleted * 100, JSON.stringify(cmds)).toBeLessThanOrEqual(c.maxDelete * baselineFiles);
          }
          // (c) content modified since the last agreement never vanishes.
          for (const before of [before1, before2]) {
            for (const [k, v] of Object.entries(before)) {
              if (k.startsWith('_lakeshift/') || agreed.get(k) === v) continue;
              expect(union.has(v), `unagreed '${v}' at ${k} vanished (cmds ${JSON.stringify(cmds)})`).toBe(true);
            }
          }
          for (const p of new Set([...Object.keys(after1), ...Object.keys(after2)])) {
            if (after1[p] !== undefined && after1[p] === after2[p]) {
              agreed.set(p, after1[p]);
              agreedEver.add(after1[p]);
            } else if (after1[p] === undefined && after2[p] === undefined) agreed.delete(p);
          }
          for (const p of [...agreed.keys()]) if (after1[p] === undefined && after2[p] === undefined) agreed.delete(p);
        };
        for (const c of cmds) {
          if (c.t === 'write') {
            const v = `v${++version}-${'#'.repeat(c.len)}`;
            await writeFile(stores[c.side], c.path, v);
            live.set(`${c.side}:${c.path}`, v);
          } else if (c.t === 'delete') {
            if (await exists(stores[c.side], c.path)) await stores[c.side].remove(c.path);
            live.delete(`${c.side}:${c.path}`);
          } else if (c.t === 'rename') {
            const s = stores[c.side];
            if (c.from !== c.to && await exists(s, c.from) && !(await exists(s, c.to))) {
              await s.rename(c.from, c.to);
              const v = live.get(`${c.side}:${c.from}`);
              live.delete(`${c.side}:${c.from}`);
              if (v !== undefined) live.set(`${c.side}:${c.to}`, v);
            }
          } else await run(c, false);
        }
        // (a) convergence: two clean runs, then the sides are equal and a third run plans nothing.
        const clean = { t: 'run' as const, policy: 'path1' as const, loser: 'backup' as const, maxDelete: 100, force: true, faultEvery: 0 };
        await run(clean, true);
        await run(clean, true);
        const t1 = await readTree(p1);
        const t2 = await readTree(p2);
        expect(t1, JSON.stringify(cmds)).toEqual(t2);
        const third = await runBisync({ path1: p1, path2: p2, jobDb, settleMs: 0, conflictResolve: 'path1', force: true });
        expect(third.planned, JSON.stringify(cmds)).toEqual({});
        // (b) no lost update: the user's latest write on a side, unless it was agreed on both sides and
        // then superseded by a later change, still exists somewhere (in place, moved, or as a conflict loser).
        const all = new Set([...contents(await readTree(p1, true)), ...contents(await readTree(p2, true))]);
        for (const v of live.values()) if (!agreedEver.has(v)) expect(all.has(v), `lost update '${v}' (cmds ${JSON.stringify(cmds)})`).toBe(true);
      } finally {
        for (const name of names) dropMemoryStore(name);
      }
    }), { numRuns: Number(process.env['LAKESHIFT_MODEL_RUNS'] ?? 60), seed: Number(process.env['LAKESHIFT_MODEL_SEED'] ?? 20261203), endOnFailure: true });
  }, 60_000);
});
