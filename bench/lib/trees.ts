/**
 * Benchmark and test file trees written to a temporary folder, plus helpers to list and compare them.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, openSync, closeSync, writeSync, readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

export interface TreeSpec {
  name: string;
  files: number;
  bytesPerFile: number;
}

/** The two trees of the peer figures: many small files and a few large ones. */
export const PEER_TREES: readonly TreeSpec[] = [
  { name: 'small', files: 2000, bytesPerFile: 64 * 1024 },
  { name: 'big', files: 8, bytesPerFile: 128 * 1024 * 1024 },
];

/** Writes `spec` under `root/spec.name` (random bytes, 20 files per sub-folder); returns the folder. */
export function writeTree(root: string, spec: TreeSpec): string {
  const dir = join(root, spec.name);
  const chunk = randomBytes(Math.min(spec.bytesPerFile, 8 * 1024 * 1024) || 1);
  for (let i = 0; i < spec.files; i++) {
    const sub = join(dir, `d${String(Math.floor(i / 20)).padStart(3, '0')}`);
    mkdirSync(sub, { recursive: true });
    const fd = openSync(join(sub, `f${String(i).padStart(5, '0')}.bin`), 'w');
    try {
      // Vary the first bytes per file so no two files are equal.
      const head = Buffer.from(`${spec.name}-${i}-`);
      let written = 0;
      while (written < spec.bytesPerFile) {
        const piece = written === 0 ? Buffer.concat([head, chunk]) : chunk;
        const n = Math.min(piece.length, spec.bytesPerFile - written);
        writeSync(fd, piece, 0, n);
        written += n;
      }
    } finally {
      closeSync(fd);
    }
  }
  return dir;
}

/** Relative paths ('/'-separated) of all files under `dir`, sorted, with their sizes. */
export function listFiles(dir: string): { path: string; size: number }[] {
  const out: { path: string; size: number }[] = [];
  const walk = (current: string): void => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const full = join(current, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) out.push({ path: relative(dir, full).split(sep).join('/'), size: statSync(full).size });
    }
  };
  walk(dir);
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Relative paths of all folders under `dir` (not `dir` itself), sorted. */
export function listDirs(dir: string): string[] {
  const out: string[] = [];
  const walk = (current: string): void => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const full = join(current, entry.name);
      out.push(relative(dir, full).split(sep).join('/'));
      walk(full);
    }
  };
  walk(dir);
  return out.sort();
}

/** Total bytes of the files under `dir`. */
export function treeBytes(dir: string): number {
  return listFiles(dir).reduce((sum, f) => sum + f.size, 0);
}
