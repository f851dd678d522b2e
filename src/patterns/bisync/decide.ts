import type { Entry } from '../../core/entry.js';
import type { Delta, Change } from './listing.js';
import type { Action, Side } from './types.js';

/**
 * The decision table (docs/bisync.md): what one path's pair of changes asks for. Pure. Both-changed
 * paths come back as 'conflict' with no winner yet: the planner first tests them for equal content
 * (adopted without conflict), then applies the conflict policy.
 */

const changed = (c: Change): boolean => c === 'new' || c === 'changed' || c === 'meta';

function copy(path: string, to: Side, reason: string): Action {
  return { op: 'copy', path, side: to, reason };
}

/** The action for one delta, or undefined when nothing is needed. */
export function decide(d: Delta): Action | undefined {
  const { path, c1, c2, e1, e2 } = d;
  const dir = (e: Entry | undefined): boolean => e?.kind === 'directory';
  if (dir(e1) || dir(e2) || d.b?.kind === 'dir') return decideDir(d);
  if (c1 === 'none' && c2 === 'none') return undefined;
  if (c1 === 'meta' && c2 === 'none') return { op: 'meta', path, side: 2, reason: 'metadata changed on path1' };
  if (c1 === 'none' && c2 === 'meta') return { op: 'meta', path, side: 1, reason: 'metadata changed on path2' };
  if (c1 === 'meta' && c2 === 'meta') return { op: 'adopt', path, reason: 'metadata changed on both sides, content agrees' };
  if (changed(c1) && c2 === 'none') return e2 === undefined || c1 !== 'new' ? copy(path, 2, `${c1} on path1`) : { op: 'conflict', path, reason: 'new on path1, present on path2' };
  if (c1 === 'none' && changed(c2)) return e1 === undefined || c2 !== 'new' ? copy(path, 1, `${c2} on path2`) : { op: 'conflict', path, reason: 'new on path2, present on path1' };
  if (c1 === 'deleted' && c2 === 'none') return e2 === undefined ? { op: 'drop', path, reason: 'deleted on path1, absent on path2' } : { op: 'delete', path, side: 2, reason: 'deleted on path1' };
  if (c1 === 'none' && c2 === 'deleted') return e1 === undefined ? { op: 'drop', path, reason: 'deleted on path2, absent on path1' } : { op: 'delete', path, side: 1, reason: 'deleted on path2' };
  if (c1 === 'deleted' && changed(c2)) return copy(path, 1, `deleted on path1, ${c2} on path2: the change wins`);
  if (changed(c1) && c2 === 'deleted') return copy(path, 2, `${c1} on path1, deleted on path2: the change wins`);
  if (c1 === 'deleted' && c2 === 'deleted') return { op: 'drop', path, reason: 'deleted on both sides' };
  // A content change beats a metadata-only change on the other side.
  if (c1 === 'meta' && c2 === 'changed') return copy(path, 1, 'changed on path2, only metadata on path1');
  if (c1 === 'changed' && c2 === 'meta') return copy(path, 2, 'changed on path1, only metadata on path2');
  return { op: 'conflict', path, reason: `${c1} on path1, ${c2} on path2` };
}

function decideDir(d: Delta): Action | undefined {
  const { path, e1, e2, c1, c2 } = d;
  const isDir = (e: Entry | undefined): boolean => e?.kind === 'directory';
  if ((e1 !== undefined && e2 !== undefined && e1.kind !== e2.kind)) return { op: 'conflict', path, reason: 'a file on one side, a directory on the other' };
  if (c1 === 'new' && e2 === undefined && isDir(e1)) return { op: 'mkdir', path, side: 2, reason: 'new directory on path1' };
  if (c2 === 'new' && e1 === undefined && isDir(e2)) return { op: 'mkdir', path, side: 1, reason: 'new directory on path2' };
  if (c1 === 'new' && c2 === 'new') return { op: 'adopt', path, reason: 'new directory on both sides' };
  if (c1 === 'deleted' && c2 === 'deleted') return { op: 'drop', path, reason: 'directory deleted on both sides' };
  if (c1 === 'deleted' && e2 !== undefined) return { op: 'rmdir', path, side: 2, reason: 'directory deleted on path1' };
  if (c2 === 'deleted' && e1 !== undefined) return { op: 'rmdir', path, side: 1, reason: 'directory deleted on path2' };
  if (c1 === 'changed' || c2 === 'changed') return { op: 'conflict', path, reason: 'a file replaced a directory (or the reverse)' };
  return undefined;
}
