import { MAX_ACL_ENTRIES_PER_SCOPE } from '../core/acl-types.js';
import { StorageError, throwIfCancelled } from '../core/errors.js';
import { nameRejection } from '../core/names.js';
import { parentPath } from '../core/entry.js';
import type { Store } from '../core/store.js';
import { ASSESS_CASES, depthOf, planLake, rootAcl } from './plan.js';
import { seedBytes } from './random.js';
import { SEED_PROFILES, type SeedItem, type SeedOptions, type SeedSummary } from './types.js';

const MAX_CHUNK = 4 * 1024 * 1024;
/** Gen2 path names hold at most 1,024 characters. */
const GEN2_MAX_PATH_CHARS = 1024;
const OBJECT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Gen2 filesystem names: 3-63 lowercase letters, digits and single hyphens, starting and ending alphanumeric. */
const FILESYSTEM_NAME = /^(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;

/** Runs `work` over `items` with at most `concurrency` in flight; stops at the first failure and rethrows it. */
async function runPool<T>(items: Iterable<T>, concurrency: number, work: (item: T) => Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  const running = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  for (const item of items) {
    if (failure !== undefined) break;
    throwIfCancelled(signal);
    const task: Promise<void> = work(item)
      .catch((error: unknown) => {
        failure ??= { error };
      })
      .finally(() => running.delete(task));
    running.add(task);
    if (running.size >= concurrency) await Promise.race(running);
  }
  await Promise.all(running);
  if (failure !== undefined) throw failure.error;
}

/** Writes a file whose bytes are `seedBytes(path, …)`, streamed in chunks; replaces an existing file. */
async function writeSeedFile(store: Store, path: string, size: number, signal: AbortSignal | undefined): Promise<void> {
  const chunk = Math.max(1, Math.min(MAX_CHUNK, store.capabilities.maxChunkSize));
  const call = signal === undefined ? {} : { signal };
  const writer = await store.createWriter(path, { overwrite: true, ...call });
  try {
    for (let offset = 0; offset < size; offset += chunk) {
      await writer.write(offset, seedBytes(path, size, offset, Math.min(chunk, size - offset)), call);
    }
    await writer.commit({ size, ...call });
  } catch (error) {
    await writer.abort().catch(() => undefined);
    throw error;
  }
}

function checkOptions(options: SeedOptions): { files: number; concurrency: number } {
  if (!SEED_PROFILES.includes(options.profile)) {
    throw new StorageError('invalid-argument', `Unknown seed profile '${String(options.profile)}': use one of ${SEED_PROFILES.join(', ')}.`);
  }
  const files = options.files ?? 100_000;
  if (!Number.isInteger(files) || files < 1 || files > 10_000_000) {
    throw new StorageError('invalid-argument', `The number of files must be a whole number from 1 to 10000000, got ${String(options.files)}.`);
  }
  if (options.files !== undefined && options.profile !== 'bench') {
    throw new StorageError('invalid-argument', `--files applies to the bench profile only (the ${options.profile} profile has a fixed size).`);
  }
  const concurrency = options.concurrency ?? 8;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256) {
    throw new StorageError('invalid-argument', `Concurrency must be a whole number from 1 to 256, got ${String(options.concurrency)}.`);
  }
  return { files, concurrency };
}

/**
 * Writes a deterministic, realistic lake through the Store contract: data sets with Hive-style
 * partitions, empty directories, owners and groups, ACLs (some near the 32-entry limit), sticky
 * bits, times spread over years, expiring files and awkward names. Features the store lacks are
 * left out and listed in `unsupported`; names its rules refuse are listed in `skipped`.
 * Phase 1 creates every path; phase 2 sets metadata, so inheritance and parent mtimes do not
 * depend on timing. Idempotent: reseeding replaces files and keeps directories.
 * Throws invalid-argument for bad options, and whatever the store throws.
 */
export async function seedLake(store: Store, options: SeedOptions): Promise<SeedSummary> {
  const { files, concurrency } = checkOptions(options);
  const started = Date.now();
  const caps = store.capabilities;
  const signal = options.signal;
  const call = signal === undefined ? {} : { signal };
  const summary: SeedSummary = {
    profile: options.profile, files: 0, directories: 0, bytes: 0, largestFile: { path: '', size: -1 }, emptyDirectories: [],
    awkward: [], skipped: [], aclPaths: [], nearLimitAclPaths: [], stickyPaths: [], expiringFiles: [], owners: [], groups: [],
    deepestPath: { path: '', depth: 0 }, unsupported: [], elapsedMs: 0,
    assessCases: { longPaths: [], nonObjectIdPrincipals: [], invalidFilesystemNames: [], privateDirectories: [], largeDirectories: [], rootAcl: false },
  };
  const cases = summary.assessCases;
  const nonObjectIds = new Set<string>();
  const invalidFsNames = new Set<string>();
  let largeDirChildren = 0;
  const noteIdentity = (id: string | undefined): void => {
    if (id !== undefined && id !== '' && id !== '$superuser' && !OBJECT_ID.test(id)) nonObjectIds.add(id);
  };
  const owners = new Set<string>();
  const groups = new Set<string>();
  const unsupported = new Set<string>();
  let progress = 0;
  const tick = (): void => options.onProgress?.(++progress);

  function* accepted(record: boolean): Generator<SeedItem> {
    for (const item of planLake(options.profile, files)) {
      let reason = nameRejection(item.path, caps.names);
      if (reason === undefined && item.awkward === 'nfd' && !caps.names.distinctUnicodeForms) reason = 'the store does not keep NFC and NFD spellings apart';
      if (reason !== undefined) {
        if (record) summary.skipped.push({ path: item.path, reason });
        continue;
      }
      yield item;
    }
  }

  await runPool(accepted(true), concurrency, async (item) => {
    if (item.kind === 'directory') {
      // Directories with contents appear when their files commit (the contract creates parents);
      // only the empty ones need a request of their own.
      if (item.empty === true) await store.mkdir(item.path, call);
      summary.directories++;
      if (item.empty === true) summary.emptyDirectories.push(item.path);
    } else {
      await writeSeedFile(store, item.path, item.size, signal);
      summary.files++;
      summary.bytes += item.size;
      if (item.size > summary.largestFile.size) summary.largestFile = { path: item.path, size: item.size };
    }
    if (item.awkward !== undefined) summary.awkward.push({ kind: item.awkward, path: item.path });
    if (item.path.length > GEN2_MAX_PATH_CHARS) cases.longPaths.push(item.path);
    const top = item.path.split('/')[0] ?? '';
    if (!FILESYSTEM_NAME.test(top)) invalidFsNames.add(top);
    if (parentPath(item.path) === ASSESS_CASES.largeDirectory) largeDirChildren++;
    const depth = depthOf(item.path);
    if (depth > summary.deepestPath.depth) summary.deepestPath = { path: item.path, depth };
    tick();
  }, signal);

  let oldest = Number.POSITIVE_INFINITY;
  let newest = Number.NEGATIVE_INFINITY;
  await runPool(accepted(false), concurrency, async (item) => {
    if (item.owner !== undefined || item.group !== undefined) {
      if (caps.ownership) {
        await store.setOwner(item.path, item.owner, item.group, call);
        if (item.owner !== undefined) owners.add(item.owner);
        if (item.group !== undefined) groups.add(item.group);
        noteIdentity(item.owner);
        noteIdentity(item.group);
      } else unsupported.add('ownership');
    }
    const sticky = item.permissions !== undefined && (item.permissions & 0o1000) !== 0;
    if (item.acl !== undefined && caps.acl) {
      await store.setAcl(item.path, item.acl, call);
      summary.aclPaths.push(item.path);
      for (const e of item.acl) noteIdentity(e.id);
      const perScope = Math.max(...(['access', 'default'] as const).map((s) => item.acl?.filter((e) => e.scope === s).length ?? 0));
      if (perScope >= MAX_ACL_ENTRIES_PER_SCOPE - 4) summary.nearLimitAclPaths.push(item.path);
    } else if (item.permissions !== undefined) {
      if (item.acl !== undefined) unsupported.add('acl');
      if (caps.permissions) {
        const mode = sticky && !caps.stickyBit ? item.permissions & 0o777 : item.permissions;
        await store.setPermissions(item.path, mode, call);
        if (sticky && caps.stickyBit) summary.stickyPaths.push(item.path);
        else if (sticky) unsupported.add('stickyBit');
        const foreign = item.owner !== undefined && item.owner !== '$superuser' && caps.ownership;
        if (item.kind === 'directory' && foreign && (mode & 0o077) === 0) cases.privateDirectories.push(item.path);
      } else unsupported.add('permissions');
    }
    if (item.expiryMs !== undefined) {
      if (caps.expiry && store.setExpiry !== undefined) {
        await store.setExpiry(item.path, item.expiryMs, call);
        summary.expiringFiles.push(item.path);
      } else unsupported.add('expiry');
    }
    if (store.setTimes !== undefined) {
      await store.setTimes(item.path, { mtimeMs: item.mtimeMs, ...(caps.accessTime && item.atimeMs !== undefined ? { atimeMs: item.atimeMs } : {}) }, call);
      oldest = Math.min(oldest, item.mtimeMs);
      newest = Math.max(newest, item.mtimeMs);
    } else unsupported.add('times');
    tick();
  }, signal);

  // The root ACL goes last, so its default entries do not change what the paths above inherit.
  if (caps.acl) {
    await store.setAcl('', rootAcl(), call);
    cases.rootAcl = true;
  } else unsupported.add('acl');
  if (largeDirChildren > 4000) cases.largeDirectories.push(ASSESS_CASES.largeDirectory);

  // Lists are filled concurrently: sort them so summaries of two runs compare equal.
  const byPath = (a: { path: string }, b: { path: string }): number => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
  summary.awkward.sort(byPath);
  summary.skipped.sort(byPath);
  for (const list of [summary.emptyDirectories, summary.aclPaths, summary.nearLimitAclPaths, summary.stickyPaths, summary.expiringFiles]) list.sort();
  summary.owners = [...owners].sort();
  summary.groups = [...groups].sort();
  summary.unsupported = [...unsupported].sort();
  cases.longPaths.sort();
  cases.privateDirectories.sort();
  cases.nonObjectIdPrincipals = [...nonObjectIds].sort();
  cases.invalidFilesystemNames = [...invalidFsNames].sort();
  if (Number.isFinite(oldest)) summary.mtimeRange = { oldestMs: oldest, newestMs: newest };
  if (summary.largestFile.size < 0) summary.largestFile = { path: '', size: 0 };
  summary.elapsedMs = Date.now() - started;
  return summary;
}
