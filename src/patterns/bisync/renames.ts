import type { Delta } from './listing.js';
import type { Action, Side } from './types.js';

/**
 * Rename detection. On one side, a path deleted since the baseline plus a new path of the same size
 * whose content fingerprint equals the deleted one's agreed MD5 is a rename: it becomes one rename on
 * the other side instead of a delete and a copy (so renames never count against --max-delete).
 * When every baseline file under a directory moved the same way, the file renames collapse into one
 * directory rename.
 */

export interface RenameContext {
  /** MD5 of a new file on a side (from the listing or read, within the size limit), or undefined. */
  fingerprint(side: Side, d: Delta): Promise<string | undefined>;
  /** Baseline file count under a directory (for directory renames). */
  baselineFilesUnder(dir: string): Promise<number>;
}

interface Planned {
  action: Action;
  delta: Delta;
}

/**
 * Replaces matching delete/copy pairs in `planned` with renames (mutates and returns the new list).
 * Only one-sided moves qualify: the deleted path is unchanged on the other side and the new path is
 * absent there.
 */
export async function detectRenames(planned: Planned[], ctx: RenameContext): Promise<Planned[]> {
  const renamed = new Set<Planned>();
  const added: Planned[] = [];
  for (const side of [1, 2] as Side[]) {
    const target: Side = side === 1 ? 2 : 1;
    // Deleted on `side`, still unchanged on the other: a delete planned on `target`.
    const gone = new Map<number, Planned[]>();
    for (const p of planned) {
      if (p.action.op !== 'delete' || p.action.side !== target || p.delta.b?.md5 == null || p.delta.b.kind !== 'file') continue;
      const size = side === 1 ? p.delta.b.s1.size : p.delta.b.s2.size;
      gone.set(size, [...(gone.get(size) ?? []), p]);
    }
    if (gone.size === 0) continue;
    for (const p of planned) {
      const e = side === 1 ? p.delta.e1 : p.delta.e2;
      const c = side === 1 ? p.delta.c1 : p.delta.c2;
      if (p.action.op !== 'copy' || p.action.side !== target || c !== 'new' || e?.kind !== 'file') continue;
      const candidates = gone.get(e.size)?.filter((g) => !renamed.has(g));
      if (candidates === undefined || candidates.length === 0) continue;
      const md5 = await ctx.fingerprint(side, p.delta);
      if (md5 === undefined) continue;
      const match = candidates.find((g) => g.delta.b?.md5 === md5);
      if (match === undefined) continue;
      renamed.add(match);
      renamed.add(p);
      added.push({ action: { op: 'rename', path: p.action.path, from: match.action.path, side: target, reason: `renamed on path${side} from '${match.action.path}'` }, delta: { ...p.delta, ...(match.delta.b === undefined ? {} : { b: match.delta.b }) } });
    }
  }
  if (added.length === 0) return planned;
  return [...planned.filter((p) => !renamed.has(p)), ...await groupDirectoryRenames(added, planned, ctx)];
}

/**
 * The directory pair (old, new) that maps `from` to `to` keeping the longest run of trailing names,
 * e.g. a/x/f -> b/x/f gives (a, b); undefined when the leaf name changed or a side is the root.
 */
function dirPair(from: string, to: string): { oldDir: string; newDir: string } | undefined {
  const a = from.split('/');
  const b = to.split('/');
  let i = 0;
  while (i < a.length - 1 && i < b.length - 1 && a[a.length - 1 - i] === b[b.length - 1 - i]) i++;
  if (i === 0) return undefined;
  const oldDir = a.slice(0, a.length - i).join('/');
  const newDir = b.slice(0, b.length - i).join('/');
  return oldDir === newDir ? undefined : { oldDir, newDir };
}

async function groupDirectoryRenames(renames: Planned[], all: Planned[], ctx: RenameContext): Promise<Planned[]> {
  const groups = new Map<string, Planned[]>();
  for (const r of renames) {
    const pair = r.action.from === undefined ? undefined : dirPair(r.action.from, r.action.path);
    if (pair === undefined) continue;
    const key = `${r.action.side ?? 0}\n${pair.oldDir}\n${pair.newDir}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const out: Planned[] = [];
  const grouped = new Set<Planned>();
  for (const [key, members] of groups) {
    const [sideText, oldDir = '', newDir = ''] = key.split('\n');
    const side = Number(sideText) as Side;
    if (members.length < 2 || members.length !== await ctx.baselineFilesUnder(oldDir)) continue;
    // Nothing else may change under either directory, or one directory rename would move it too.
    const inside = (p: string, dir: string): boolean => p.startsWith(`${dir}/`);
    const others = all.some((p) => (inside(p.action.path, oldDir) || inside(p.action.path, newDir)) && !members.some((m) => m.action.path === p.action.path || m.action.from === p.action.path));
    if (others) continue;
    for (const m of members) grouped.add(m);
    const first = members[0];
    if (first === undefined) continue;
    out.push({ action: { op: 'rename-dir', path: newDir, from: oldDir, side, files: members.length, reason: `directory renamed on path${side === 1 ? 2 : 1} from '${oldDir}' (${members.length} files)` }, delta: first.delta });
  }
  return [...renames.filter((r) => !grouped.has(r)), ...out];
}

export type { Planned };
