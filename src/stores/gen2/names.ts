import { StorageError, nameRejection, pathSegments, type Capabilities, type NameRules } from '../../core/index.js';

/**
 * Gen2 (hierarchical namespace) naming rules, and the paths this store refuses before the service
 * could reject or silently alter them.
 *
 * Sources: "Naming and Referencing Containers, Blobs, and Metadata" (directory and blob names 1-1024
 * characters, any combination of characters, no control characters, avoid names ending in '.');
 * domain.md section 3 (names of only spaces/tabs or ending in '.' are altered or rejected; PathIsTooDeep
 * at 60 or more segments, so at most 59).
 *
 * Colon: allowed. The storage service accepts ':' in HNS names (the naming rules allow any character
 * except control characters). The portal migration tool refuses it because of the Gen1 compatibility
 * layer and Hadoop's Path class, which cannot parse 'a:b' as a relative name. That is a workload
 * concern (flagged by assessment), not a storage limit, so the store does not hide such files.
 */

/** Whole-path limit in characters (within the filesystem). */
export const GEN2_MAX_PATH_CHARS = 1024;
/** Most segments a path within the filesystem may have (PathIsTooDeep at >= 60). */
export const GEN2_MAX_DEPTH = 59;
/** Largest append body the service accepts (4000 MiB). */
export const GEN2_MAX_APPEND_BYTES = 4000 * 1024 * 1024;

/** Largest Put Block body (4000 MiB since service version 2019-12-12). */
export const GEN2_MAX_BLOCK_BYTES = 4000 * 1024 * 1024;
/** Largest Put Blob body (5000 MiB since service version 2019-12-12). */
export const GEN2_MAX_PUT_BLOB_BYTES = 5000 * 1024 * 1024;

/** Prefix of the hidden names writers stage data under; such entries never appear in listings. */
export const TEMP_PREFIX = '.lakeshift-tmp-';

export function isTempName(name: string): boolean {
  return name.startsWith(TEMP_PREFIX);
}

/** Name rules for a store rooted at `basePath` (its own length and depth count against the limits). */
export function gen2NameRules(basePath: string): NameRules {
  const baseChars = basePath === '' ? 0 : basePath.length + 1;
  const baseDepth = pathSegments(basePath).length;
  return {
    maxSegmentBytes: GEN2_MAX_PATH_CHARS,
    maxPathLength: GEN2_MAX_PATH_CHARS - baseChars,
    maxDepth: GEN2_MAX_DEPTH - baseDepth,
    colon: true,
    trailingDot: false,
    onlyWhitespace: false,
    controlCharacters: false,
    distinctUnicodeForms: true,
    backslash: true,
  };
}

/** Capabilities; `blobWrites`: the store writes through the Blob API (one-shot Put Blob). */
export function gen2Capabilities(basePath: string, blobWrites = false): Capabilities {
  return {
    ...(blobWrites ? { oneShotMaxBytes: GEN2_MAX_PUT_BLOB_BYTES } : {}),
    acl: true,
    ownership: true,
    permissions: true,
    stickyBit: true,
    properties: true,
    emptyDirectories: true,
    atomicRename: true,
    accessTime: false,
    // setExpiry (Blob comp=expiry) is implemented, but the emulator answers 501 to it, so it stays
    // undeclared until it can be tested; the engine then keeps Gen1 expiry as a property.
    expiry: false,
    contentMd5: true,
    parallelChunkWrites: true,
    createWithMetadata: true,
    maxChunkSize: GEN2_MAX_APPEND_BYTES,
    names: gen2NameRules(basePath),
  };
}

function refuse(path: string, why: string, hint: string): StorageError {
  return new StorageError('invalid-argument', `The path '${path}' ${why}. ${hint}`, { path });
}

/** Checks the shape of any store path: no leading/trailing '/', no empty, '.' or '..' segments. */
export function checkPathShape(path: string): void {
  if (path === '') return;
  for (const seg of path.split('/')) {
    if (seg === '' || seg === '.' || seg === '..') {
      throw refuse(path, `has an empty, '.' or '..' segment`, "Write store paths as 'dir/name' without leading, trailing or doubled '/'.");
    }
  }
}

/**
 * Checks a path the store is about to create against the Gen2 rules (`rules` from gen2NameRules), so
 * the service never silently alters it (trailing '.') or answers a vaguer error.
 * Throws invalid-argument naming the offending part and what to do.
 */
export function checkCreatablePath(path: string, rules: NameRules): void {
  checkPathShape(path);
  const why = nameRejection(path, rules);
  if (why !== undefined) throw refuse(path, `cannot be created on Gen2: ${why}`, 'Rename it (or skip it) before copying.');
}
