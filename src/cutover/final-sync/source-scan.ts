import type { Store } from '../../core/store.js';
import { treePages } from '../freeze/tree-pages.js';

export interface SourceScan {
  /** Paths listed, the root included. */
  paths: number;
  /** Newest modification time of any path (directories change when children are added or removed). */
  latestChangeMs: number;
  latestChangePath: string;
  /** Paths whose mode grants a write bit (a frozen tree has none). */
  writable: number;
  writableExamples: string[];
}

const EXAMPLES = 10;

/**
 * One listing of a tree (no per-path calls): the newest change and the paths whose mode still grants
 * writing. The mode alone decides: with an extended ACL its group bits are the mask, which bounds
 * every named entry and the owning group. Throws StorageError when the tree cannot be listed.
 */
export async function scanSource(store: Store, signal?: AbortSignal): Promise<SourceScan> {
  const scan: SourceScan = { paths: 0, latestChangeMs: 0, latestChangePath: '', writable: 0, writableExamples: [] };
  for await (const page of treePages(store, signal)) {
    for (const e of page) {
      scan.paths++;
      if (e.mtimeMs > scan.latestChangeMs) {
        scan.latestChangeMs = e.mtimeMs;
        scan.latestChangePath = e.path;
      }
      if (e.permissions !== undefined && (e.permissions & 0o222) !== 0) {
        scan.writable++;
        if (scan.writableExamples.length < EXAMPLES) scan.writableExamples.push(e.path);
      }
    }
  }
  return scan;
}
