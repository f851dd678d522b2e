/**
 * Bulk loading of a Gen1 emulator's data directory without going through REST: rows go straight
 * into the metadata SQLite (one transaction per batch) and file bytes into the blob store. Meant for
 * benchmarks and large fixtures (a million entries load in seconds instead of hours of CREATE calls).
 *
 * Run it while no emulator has the directory open (before `startGen1Emulator({ location })`).
 */
import { mkdirSync } from 'node:fs';
import { createDiskBlobStore } from './blobs.js';
import { GEN1_EMULATOR_ADMIN_OID } from './index.js';
import { modeFromAccess, normalizeScope, parseAclSpec, serializeAcl, type AclEntry } from './acl.js';
import { MetadataStore, ROOT_ID, type NewEntry } from './metadata.js';

export interface BulkEntry {
  /** Absolute path such as '/a/b/c'; parents must be loaded earlier (or exist already). */
  path: string;
  type: 'FILE' | 'DIRECTORY';
  /** File content; empty or absent = empty file (no blob). */
  data?: Buffer;
  /** Mode bits (default 0o770 for directories and files); ignored when `acl` is given. */
  perm?: number;
  /** Full Gen1 ACL spec ('user::rwx,user:OID:r-x,group::r-x,other::---,default:...'); the mode comes from it. */
  acl?: string;
  owner?: string;
  group?: string;
  /** ms since epoch; default now. */
  mtime?: number;
}

export interface BulkLoadResult {
  directories: number;
  files: number;
  bytes: number;
}

function accessAndAcl(spec: string): { perm: number; acl: string } {
  const all: AclEntry[] = parseAclSpec(spec, true);
  const access = normalizeScope(all.filter((e) => !e.isDefault), false, all.some((e) => !e.isDefault && e.tag === 'mask'));
  const defaults = normalizeScope(all.filter((e) => e.isDefault), true, all.some((e) => e.isDefault && e.tag === 'mask'));
  return { perm: modeFromAccess(access), acl: serializeAcl({ access, defaults }) };
}

function splitPath(path: string): { parent: string; name: string } {
  const clean = `/${path.split('/').filter((s) => s !== '').join('/')}`;
  const i = clean.lastIndexOf('/');
  return { parent: i <= 0 ? '/' : clean.slice(0, i), name: clean.slice(i + 1) };
}

/**
 * Inserts `entries` (parents before children) into the emulator data directory `location`, in
 * transactions of `batchSize` rows; file bytes are written to the blob store first. Throws when a
 * parent is missing or a (parent, name) already exists (rows of earlier batches stay). Not idempotent.
 */
export async function bulkLoadNamespace(location: string, entries: Iterable<BulkEntry>, options: { batchSize?: number } = {}): Promise<BulkLoadResult> {
  const batchSize = options.batchSize ?? 10_000;
  const now = Date.now();
  mkdirSync(location, { recursive: true });
  const meta = new MetadataStore(location, { owner: GEN1_EMULATOR_ADMIN_OID, group: GEN1_EMULATOR_ADMIN_OID, now });
  const blobs = await createDiskBlobStore(location);
  const dirIds = new Map<string, number>([['/', ROOT_ID]]);
  const result: BulkLoadResult = { directories: 0, files: 0, bytes: 0 };
  const resolveDir = (path: string): number => {
    const known = dirIds.get(path);
    if (known !== undefined) return known;
    const { parent, name } = splitPath(path);
    const row = meta.child(resolveDir(parent), name);
    if (row?.type !== 'DIRECTORY') throw new Error(`bulkLoadNamespace: the parent directory '${path}' does not exist; load parents before children.`);
    dirIds.set(path, row.id);
    return row.id;
  };
  let batch: { entry: BulkEntry; blob: string | null }[] = [];
  const flush = async (): Promise<void> => {
    const withData = batch.filter((b) => b.blob !== null);
    for (let i = 0; i < withData.length; i += 64) {
      await Promise.all(withData.slice(i, i + 64).map((b) => (b.blob === null || b.entry.data === undefined ? undefined : blobs.write(b.blob, 0, [b.entry.data]))));
    }
    meta.transaction(() => {
      for (const { entry, blob } of batch) {
        const { parent, name } = splitPath(entry.path);
        const access = entry.acl === undefined ? { perm: entry.perm ?? 0o770, acl: '' } : accessAndAcl(entry.acl);
        const mtime = entry.mtime ?? now;
        const row: NewEntry = {
          parent: resolveDir(parent), name, type: entry.type, length: entry.data?.length ?? 0, blob,
          owner: entry.owner ?? GEN1_EMULATOR_ADMIN_OID, grp: entry.group ?? GEN1_EMULATOR_ADMIN_OID,
          perm: access.perm, acl: access.acl, mtime, atime: mtime, ctime: mtime, expiry: 0, lease: null, appendMode: 0,
        };
        const inserted = meta.insert(row);
        if (entry.type === 'DIRECTORY') {
          dirIds.set(`${parent === '/' ? '' : parent}/${name}`, inserted.id);
          result.directories++;
        } else {
          result.files++;
          result.bytes += row.length;
        }
      }
    });
    batch = [];
  };
  try {
    for (const entry of entries) {
      const hasData = entry.type === 'FILE' && entry.data !== undefined && entry.data.length > 0;
      batch.push({ entry, blob: hasData ? blobs.newId() : null });
      if (batch.length >= batchSize) await flush();
    }
    await flush();
  } finally {
    await blobs.close();
    meta.close();
  }
  return result;
}
