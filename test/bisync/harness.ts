import { expect } from 'vitest';
import { parseAclSpec } from '../../src/core/acl-spec.js';
import type { Store } from '../../src/core/store.js';
import { isBisyncStop, runBisync, type BisyncOptions, type BisyncSummary } from '../../src/patterns/bisync/index.js';
import { dumpBaseline } from '../../src/patterns/bisync/dump.js';
import type { JobDb } from '../../src/state/db.js';
import { storeRead, walkAll } from '../migrate-helpers.js';

/**
 * The bisync scenario harness: a scenario is initial trees, then steps of edits on either side and
 * runs, each run with what it must report and what both sides (and the baseline) must hold after it.
 * The same scenarios run on memory <-> memory and on the Gen1 emulator <-> the Gen2 emulator.
 */

export type SideName = 1 | 2;
export type Tree = Record<string, string>;

export type Edit =
  | { write: SideName; path: string; data: string }
  | { delete: SideName; path: string }
  | { rename: SideName; from: string; to: string }
  | { mkdir: SideName; path: string }
  /** Sets the mtime of every file on a side (a mass timestamp change; needs setTimes). */
  | { touchAll: SideName; mtimeMs: number }
  /** Replaces a path's ACL (a spec such as 'user::rw-,user:OID:r--,group::r--,mask::r--,other::---'). */
  | { acl: SideName; path: string; spec: string };

export interface RunExpect {
  /** The run stops before writing with this kind (guard -> exit 6, needs-resync -> exit 7). */
  stop?: 'guard' | 'needs-resync' | 'listing';
  /** With `stop`: the stop's message must match (which guard tripped). */
  message?: RegExp;
  outcome?: BisyncSummary['outcome'];
  /** Both sides hold exactly this tree (files only, outside _lakeshift/). */
  both?: Tree;
  side1?: Tree;
  side2?: Tree;
  /** Planned action counts that must match (others may be anything unless listed as 0). */
  planned?: Record<string, number>;
  conflicts?: number;
  /** Paths (on a side) that must exist, e.g. conflict backups under _lakeshift/. */
  exists?: { side: SideName; pathMatch: RegExp }[];
  /** Baseline lines (see dumpBaseline) that must equal. */
  state?: string[];
  skipped?: number;
  /** A named ACL entry (`user:OID:perms` text) that a path must carry on a side. */
  acl?: { side: SideName; path: string; entry: string }[];
  check?: (s: BisyncSummary) => void;
}

export interface Step {
  edits?: Edit[];
  run?: Partial<Omit<BisyncOptions, 'path1' | 'path2' | 'jobDb'>>;
  expect?: RunExpect;
}

export interface Scenario {
  name: string;
  /** Written to path1 and path2 before the first step (path2 defaults to path1's tree). */
  initial1?: Tree;
  initial2?: Tree;
  /** Run `--resync` first (default true) and expect both sides equal to the union. */
  resyncFirst?: boolean;
  steps: Step[];
  /** Skip on pairs that lack a capability (a reason is printed). */
  needs?: (p: PairUnderTest) => string | undefined;
  /** Wrap the stores for this scenario (fault injection). */
  wrap?: (p1: Store, p2: Store) => { p1: Store; p2: Store };
}

export interface PairUnderTest {
  label: string;
  p1: Store;
  p2: Store;
  jobDb: JobDb;
}

export async function writeFile(store: Store, path: string, data: string): Promise<void> {
  const bytes = Buffer.from(data);
  const w = await store.createWriter(path, { overwrite: true });
  if (bytes.length > 0) await w.write(0, bytes);
  await w.commit({ size: bytes.length });
}

export async function readTree(store: Store, withReserved = false): Promise<Tree> {
  const out: Tree = {};
  for (const e of await walkAll(store)) {
    if (e.kind !== 'file') continue;
    if (!withReserved && (e.path === '_lakeshift' || e.path.startsWith('_lakeshift/'))) continue;
    out[e.path] = (await storeRead(store, e.path)).toString();
  }
  return out;
}

export async function applyEdit(p: { p1: Store; p2: Store }, e: Edit): Promise<void> {
  const side = (n: SideName): Store => (n === 1 ? p.p1 : p.p2);
  if ('write' in e) await writeFile(side(e.write), e.path, e.data);
  else if ('delete' in e) await side(e.delete).remove(e.path, { recursive: true });
  else if ('rename' in e) {
    const s = side(e.rename);
    const parent = e.to.includes('/') ? e.to.slice(0, e.to.lastIndexOf('/')) : '';
    if (parent !== '') await s.mkdir(parent);
    await s.rename(e.from, e.to);
  } else if ('mkdir' in e) await side(e.mkdir).mkdir(e.path);
  else if ('acl' in e) await side(e.acl).setAcl(e.path, parseAclSpec(e.spec));
  else {
    const s = side(e.touchAll);
    for (const f of await walkAll(s)) if (f.kind === 'file') await s.setTimes?.(f.path, { mtimeMs: e.mtimeMs });
  }
}

/** Runs bisync, turning a stop into a result the scenario can expect. */
export async function runOnce(p: PairUnderTest, opts: Step['run'] = {}): Promise<{ summary?: BisyncSummary; stop?: string; message?: string }> {
  try {
    return { summary: await runBisync({ settleMs: 0, ...opts, path1: p.p1, path2: p.p2, jobDb: p.jobDb }) };
  } catch (error) {
    if (isBisyncStop(error)) return { stop: error.kind, message: error.message };
    throw error;
  }
}

export async function runScenario(base: PairUnderTest, sc: Scenario): Promise<void> {
  for (const [path, data] of Object.entries(sc.initial1 ?? {})) await writeFile(base.p1, path, data);
  for (const [path, data] of Object.entries(sc.initial2 ?? sc.initial1 ?? {})) await writeFile(base.p2, path, data);
  if (sc.resyncFirst !== false) {
    const r = await runOnce(base, { resync: true });
    expect(r.stop, r.message).toBeUndefined();
    const union = { ...(sc.initial2 ?? {}), ...(sc.initial1 ?? {}) };
    expect(await readTree(base.p1)).toEqual(union);
    expect(await readTree(base.p2)).toEqual(union);
  }
  // Faults and concurrent edits apply to the steps, not to the initial resync.
  const wrapped = sc.wrap ? sc.wrap(base.p1, base.p2) : { p1: base.p1, p2: base.p2 };
  const p: PairUnderTest = { ...base, ...wrapped };
  let n = 0;
  for (const step of sc.steps) {
    n++;
    for (const e of step.edits ?? []) await applyEdit({ p1: base.p1, p2: base.p2 }, e);
    if (step.expect === undefined) continue;
    const x = step.expect;
    const r = await runOnce(p, step.run);
    const where = `${sc.name} step ${n} on ${p.label}`;
    if (x.stop !== undefined) {
      expect(r.stop, `${where}: ${r.message ?? 'no stop'}`).toBe(x.stop);
      if (x.message !== undefined) expect(r.message, where).toMatch(x.message);
    } else {
      expect(r.stop, `${where}: ${r.message ?? ''}`).toBeUndefined();
    }
    const s = r.summary;
    if (s !== undefined) {
      if (x.outcome !== undefined) expect(s.outcome, `${where}: ${JSON.stringify(s.failures)}`).toBe(x.outcome);
      else expect(s.failures, where).toEqual([]);
      for (const [op, count] of Object.entries(x.planned ?? {})) expect(s.planned[op] ?? 0, `${where}: planned ${op} in ${JSON.stringify(s.planned)}`).toBe(count);
      if (x.conflicts !== undefined) expect(s.conflicts.length, where).toBe(x.conflicts);
      if (x.skipped !== undefined) expect(s.skipped.length, `${where}: ${JSON.stringify(s.skipped)}`).toBe(x.skipped);
      x.check?.(s);
    }
    if (x.both !== undefined) {
      expect(await readTree(base.p1), `${where}: path1`).toEqual(x.both);
      expect(await readTree(base.p2), `${where}: path2`).toEqual(x.both);
    }
    if (x.side1 !== undefined) expect(await readTree(base.p1), `${where}: path1`).toEqual(x.side1);
    if (x.side2 !== undefined) expect(await readTree(base.p2), `${where}: path2`).toEqual(x.side2);
    for (const ex of x.exists ?? []) {
      const tree = await readTree(ex.side === 1 ? base.p1 : base.p2, true);
      expect(Object.keys(tree).some((k) => ex.pathMatch.test(k)), `${where}: ${String(ex.pathMatch)} in ${Object.keys(tree).join(', ')}`).toBe(true);
    }
    for (const a of x.acl ?? []) {
      const status = await (a.side === 1 ? base.p1 : base.p2).getAcl(a.path);
      const [type, id, perms] = a.entry.split(':');
      const bits = [...(perms ?? '')].reduce((n, ch, i) => n + (ch === '-' ? 0 : [4, 2, 1][i] ?? 0), 0);
      expect(status.entries.some((x) => x.scope === 'access' && x.type === type && x.id === id && x.perms === bits), `${where}: ${a.entry} on path${a.side} ${a.path} in ${JSON.stringify(status.entries)}`).toBe(true);
    }
    if (x.state !== undefined) expect(await dumpBaseline(p.jobDb, p.p1.displayUri, p.p2.displayUri), where).toEqual(x.state);
  }
}

/** A baseline row's side (size, mtime, no version) and a file row with both sides equal, for state tests. */
export const baselineSide = (size: number) => ({ size, mtimeMs: 1000, version: null });
export const baselineRow = (path: string, size = 1) => ({ path, kind: 'file' as const, s1: baselineSide(size), s2: baselineSide(size), md5: null });
