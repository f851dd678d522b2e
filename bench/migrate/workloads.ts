/**
 * The namespaces the migrate benchmark loads into the Gen1 emulator (through `bulkLoadNamespace`):
 * the peer trees written on local disk, a tree of directories with named-entry ACLs and tiny files,
 * and a large flat-ish namespace of empty files for the scan.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BulkEntry } from '../../src/emulators/gen1/bulk-load.js';
import { listDirs, listFiles } from '../lib/trees.js';

/** Principals used in the ACL workload (object ids). */
export const BENCH_USER = '1b000000-0000-4000-8000-00000000a001';
export const BENCH_GROUP = '1b000000-0000-4000-8000-00000000b001';

/** The local tree `dir` as Gen1 entries under `/${name}` (file bytes read lazily, one file at a time). */
export function* localTreeEntries(dir: string, name: string): Generator<BulkEntry> {
  yield { path: `/${name}`, type: 'DIRECTORY', perm: 0o750 };
  for (const d of listDirs(dir)) yield { path: `/${name}/${d}`, type: 'DIRECTORY', perm: 0o750 };
  for (const f of listFiles(dir)) yield { path: `/${name}/${f.path}`, type: 'FILE', perm: 0o640, data: readFileSync(join(dir, f.path)) };
}

/**
 * `dirs` directories (top level of sqrt(dirs) folders, the rest spread below them), each with an access
 * and a default ACL naming a user and a group, and `files` tiny files (24-40 bytes, mode 640) spread
 * evenly over the directories. Parents come before children.
 */
export function* aclTreeEntries(root: string, dirs: number, files: number): Generator<BulkEntry> {
  const acl = `user::rwx,user:${BENCH_USER}:r-x,group::r-x,group:${BENCH_GROUP}:rwx,other::---,` +
    `default:user::rwx,default:user:${BENCH_USER}:r-x,default:group::r-x,default:group:${BENCH_GROUP}:rwx,default:other::---`;
  yield { path: `/${root}`, type: 'DIRECTORY', perm: 0o755 };
  const top = Math.max(1, Math.round(Math.sqrt(dirs)));
  const paths: string[] = [];
  for (let t = 0; t < top && paths.length < dirs; t++) paths.push(`/${root}/t${String(t).padStart(4, '0')}`);
  for (let i = 0; paths.length < dirs; i++) paths.push(`/${root}/t${String(i % top).padStart(4, '0')}/s${String(i).padStart(6, '0')}`);
  for (const p of paths) yield { path: p, type: 'DIRECTORY', acl };
  for (let i = 0; i < files; i++) {
    const dir = paths[i % paths.length] ?? `/${root}`;
    yield { path: `${dir}/f${String(i).padStart(6, '0')}.txt`, type: 'FILE', perm: 0o640, data: Buffer.from(`tiny file ${i} of the acl tree\n`) };
  }
}

/** `total` entries: `dirs` directories under `/${root}`, the rest empty files spread evenly over them. */
export function* scanNamespaceEntries(root: string, total: number, dirs: number): Generator<BulkEntry> {
  yield { path: `/${root}`, type: 'DIRECTORY', perm: 0o755 };
  for (let d = 0; d < dirs; d++) yield { path: `/${root}/d${String(d).padStart(5, '0')}`, type: 'DIRECTORY', perm: 0o750 };
  const files = total - dirs;
  for (let i = 0; i < files; i++) yield { path: `/${root}/d${String(i % dirs).padStart(5, '0')}/file-${String(i).padStart(7, '0')}.parquet`, type: 'FILE', perm: 0o640 };
}
