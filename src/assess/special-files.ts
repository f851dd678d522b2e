import { opendir } from 'node:fs/promises';
import { relative, sep } from 'node:path';

/**
 * Streams the special files (symbolic links, sockets, FIFOs, block and character devices) under a
 * local directory as store-relative paths. Local store listings skip them, so the assessment walks the
 * directory itself to report them. Skips the local store's `.lakeshift` sidecar folder. Streaming:
 * memory does not grow with the tree. Unreadable folders are skipped silently (the main scan reports
 * them).
 */
export async function* listLocalSpecialFiles(root: string): AsyncIterable<string> {
  let dir;
  try {
    dir = await opendir(root, { recursive: true, bufferSize: 256 });
  } catch {
    return;
  }
  try {
    for await (const d of dir) {
      if (!(d.isSymbolicLink() || d.isSocket() || d.isFIFO() || d.isBlockDevice() || d.isCharacterDevice())) continue;
      const rel = relative(root, `${d.parentPath}${sep}${d.name}`).split(sep).join('/');
      if (rel === '.lakeshift' || rel.startsWith('.lakeshift/')) continue;
      yield rel;
    }
  } catch {
    // A folder vanished or became unreadable mid-walk: the store scan reports what it could not read.
  }
}
