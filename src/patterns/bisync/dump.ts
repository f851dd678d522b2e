import type { JobDb } from '../../state/db.js';
import { loadBaseline, pairIdOf } from './state.js';
import { bisyncDb } from './tables.js';

/**
 * The pair's baseline as sorted text lines `kind path size1 size2 md5?` (like rclone's .lst files),
 * for tests and `lakeshift bisync --dump-state`.
 */
export async function dumpBaseline(jobDb: JobDb, path1Uri: string, path2Uri: string): Promise<string[]> {
  const rows = await loadBaseline(await bisyncDb(jobDb), pairIdOf(path1Uri, path2Uri));
  return [...rows.values()].map((b) => `${b.kind} ${b.path} ${b.s1.size} ${b.s2.size}${b.md5 === null ? '' : ' md5'}`).sort();
}
