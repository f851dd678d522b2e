import { baseName, joinPath, parentPath, pathSegments } from '../core/entry.js';
import { mergeAclEntries, parseAclSpec, parseMode, removeAclEntries, withMask } from '../core/acl.js';
import type { AclEntry } from '../core/acl-types.js';
import { isStorageError } from '../core/errors.js';
import type { Store } from '../core/store.js';
import { TIME_PROPERTIES } from '../engine/metadata.js';
import { emptyReply, jsonReply, mappedOrThrow, resolveParamPath, type Gen1Reply, type OpContext } from './context.js';
import { badRequest, Gen1Failure, unsupported } from './gen1-errors.js';
import { boolParam, intParam, requiredParam } from './request.js';
import { creatorAccess, requestedMode } from './ops-write.js';

/** MKDIRS, RENAME, DELETE, SETOWNER, SETPERMISSION, SETTIMES, SETEXPIRY and the ACL changes. */

async function exists(store: Store, path: string): Promise<'file' | 'directory' | undefined> {
  try {
    return (await store.stat(path)).kind;
  } catch (error) {
    if (isStorageError(error, 'not-found')) return undefined;
    throw error;
  }
}

/** Creates the missing directories of `path` one level at a time, each owned by the caller. */
export async function handleMkdirs(ctx: OpContext): Promise<Gen1Reply> {
  if (ctx.resolved.kind === 'virtual') return jsonReply({ boolean: true });
  const { store, path } = mappedOrThrow(ctx);
  const mode = requestedMode(ctx);
  const segments = pathSegments(path);
  let depth = segments.length;
  while (depth > 0) {
    const kind = await exists(store, segments.slice(0, depth).join('/'));
    if (kind === 'file') throw new Gen1Failure('FileAlreadyExistsException', `MKDIRS failed: /${segments.slice(0, depth).join('/')} is a file.`);
    if (kind === 'directory') break;
    depth--;
  }
  for (let d = depth + 1; d <= segments.length; d++) {
    const dir = segments.slice(0, d).join('/');
    const access = creatorAccess(ctx, store, mode);
    if (store.capabilities.createWithMetadata) await store.mkdir(dir, { accessControl: access, permissions: mode });
    else {
      await store.mkdir(dir, { permissions: mode });
      if (access.owner !== undefined) await store.setOwner(dir, access.owner, undefined);
    }
  }
  return jsonReply({ boolean: true });
}

export async function handleRename(ctx: OpContext): Promise<Gen1Reply> {
  const { store, path } = mappedOrThrow(ctx);
  const dest = resolveParamPath(ctx, requiredParam(ctx.target.query, 'destination', 'RENAME'));
  const to = mappedOrThrow(ctx, dest.resolved, dest.gen1Path);
  if (ctx.resolved.kind !== 'mapped' || dest.resolved.kind !== 'mapped' || ctx.resolved.store !== dest.resolved.store) {
    throw unsupported(`RENAME from ${ctx.gen1Path} to ${dest.gen1Path} crosses mapped filesystems; Gen2 renames within one filesystem only (copy, then delete).`);
  }
  if (path === '') throw new Gen1Failure('AccessControlException', `RENAME failed: ${ctx.gen1Path} is the root of a mapped filesystem.`);
  const q = ctx.target.query;
  const overwrite = (q.get('renameoptions') ?? '').toUpperCase() === 'OVERWRITE' || boolParam(q, 'overwrite', false);
  const done = await ctx.state.locks.run(path, async () => {
    const kind = await exists(store, path);
    if (kind === undefined) return false;
    let target = to.path;
    const targetKind = await exists(store, target);
    if (targetKind === 'directory') {
      target = joinPath(target, baseName(path));
      // Moving into a directory that already holds the name fails, as on Gen1.
      if ((await exists(store, target)) !== undefined) return false;
    } else if (targetKind === 'file' && (kind === 'directory' || !overwrite)) return false;
    if (target === path || target.startsWith(`${path}/`)) return target === path;
    if ((await exists(store, parentPath(target))) !== 'directory') return false;
    await store.rename(path, target, { overwrite });
    return true;
  });
  return jsonReply({ boolean: done });
}

export async function handleDelete(ctx: OpContext): Promise<Gen1Reply> {
  const { store, path } = mappedOrThrow(ctx);
  if (path === '') throw new Gen1Failure('AccessControlException', `DELETE failed: ${ctx.gen1Path} is the root of a mapped filesystem and cannot be deleted.`);
  const recursive = boolParam(ctx.target.query, 'recursive', false);
  try {
    await store.remove(path, { recursive });
  } catch (error) {
    if (isStorageError(error, 'not-found')) return jsonReply({ boolean: false });
    if (isStorageError(error, 'not-empty')) throw new Gen1Failure('PathIsNotEmptyDirectoryException', `DELETE failed: ${ctx.gen1Path} is a non-empty directory; delete it with recursive=true.`);
    throw error;
  }
  return jsonReply({ boolean: true });
}

export async function handleSetOwner(ctx: OpContext): Promise<Gen1Reply> {
  const { store, path } = mappedOrThrow(ctx);
  const su = ctx.state.superusers;
  if (su.size > 0 && !su.has(ctx.caller.oid)) {
    throw new Gen1Failure('AccessControlException', 'SETOWNER failed with error 0x83090aa2 (Forbidden. ACL verification failed. Only a superuser may change owners.).');
  }
  const owner = ctx.target.query.get('owner') || undefined;
  const group = ctx.target.query.get('group') || undefined;
  if (owner === undefined && group === undefined) throw badRequest('SETOWNER needs owner, group or both.');
  await store.setOwner(path, owner, group);
  return emptyReply();
}

export async function handleSetPermission(ctx: OpContext): Promise<Gen1Reply> {
  const { store, path } = mappedOrThrow(ctx);
  await store.setPermissions(path, parseMode(ctx.target.query.get('permission') ?? '755'));
  return emptyReply();
}

async function mergeProperties(store: Store, path: string, changes: Record<string, string | undefined>): Promise<void> {
  if (!store.capabilities.properties) throw unsupported('This destination keeps no properties, so times and expiry cannot be recorded.');
  const props = { ...(await store.getProperties(path)) };
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined) delete props[k];
    else props[k] = v;
  }
  await store.setProperties(path, props);
}

/** SETTIMES: native where the store can set times, else kept as the properties migrate uses. */
export async function handleSetTimes(ctx: OpContext): Promise<Gen1Reply> {
  const { store, path } = mappedOrThrow(ctx);
  const mtime = intParam(ctx.target.query, 'modificationtime');
  const atime = intParam(ctx.target.query, 'accesstime');
  if (store.setTimes !== undefined) {
    await store.setTimes(path, { ...(mtime === undefined ? {} : { mtimeMs: mtime }), ...(atime === undefined ? {} : { atimeMs: atime }) });
  } else {
    await store.stat(path);
    await mergeProperties(store, path, {
      ...(mtime === undefined ? {} : { [TIME_PROPERTIES.mtime]: String(mtime) }),
      ...(atime === undefined ? {} : { [TIME_PROPERTIES.atime]: String(atime) }),
    });
  }
  return emptyReply();
}

/**
 * SETEXPIRY: recorded as the `lakeshift_expiry` property (what migrate writes for Gen1 expiry) and
 * shown as msExpirationTime; Gen2 itself does not delete the file. RelativeToCreationDate is refused:
 * the store contract has no creation time.
 */
export async function handleSetExpiry(ctx: OpContext): Promise<Gen1Reply> {
  const { store, path } = mappedOrThrow(ctx);
  const option = (ctx.target.query.get('expiryoption') ?? '').toLowerCase();
  const time = intParam(ctx.target.query, 'expiretime');
  let expiry: number | undefined;
  if (option === 'neverexpire') expiry = undefined;
  else if (option === 'relativetonow') expiry = ctx.state.now() + (time ?? 0);
  else if (option === 'absolute') expiry = time ?? 0;
  else if (option === 'relativetocreationdate') throw unsupported('SETEXPIRY with RelativeToCreationDate is not supported by the gateway (Gen2 through lakeshift keeps no creation time); use Absolute or RelativeToNow.');
  else throw badRequest(`SETEXPIRY: expiryOption '${option}' is not one of NeverExpire, RelativeToNow, RelativeToCreationDate, Absolute.`);
  const entry = await store.stat(path);
  if (entry.kind !== 'file') throw badRequest(`SETEXPIRY: ${ctx.gen1Path} is a directory; only files expire.`);
  await mergeProperties(store, path, { [TIME_PROPERTIES.expiry]: expiry === undefined || expiry <= 0 ? undefined : String(expiry) });
  return emptyReply();
}

async function changeAcl(ctx: OpContext, fn: (current: AclEntry[]) => AclEntry[]): Promise<Gen1Reply> {
  const { store, path } = mappedOrThrow(ctx);
  const current = await store.getAcl(path);
  await store.setAcl(path, fn(current.entries));
  return emptyReply();
}

const spec = (ctx: OpContext, withoutPermissions = false): AclEntry[] =>
  parseAclSpec(requiredParam(ctx.target.query, 'aclspec', ctx.op), { withoutPermissions });

export const handleSetAcl = (ctx: OpContext): Promise<Gen1Reply> => {
  const entries = withMask(spec(ctx));
  return changeAcl(ctx, () => entries);
};
export const handleModifyAclEntries = (ctx: OpContext): Promise<Gen1Reply> => {
  const changes = spec(ctx);
  return changeAcl(ctx, (current) => mergeAclEntries(current, changes));
};
export const handleRemoveAclEntries = (ctx: OpContext): Promise<Gen1Reply> => {
  const removals = spec(ctx, true);
  return changeAcl(ctx, (current) => removeAclEntries(current, removals));
};
export const handleRemoveDefaultAcl = (ctx: OpContext): Promise<Gen1Reply> => changeAcl(ctx, (current) => current.filter((e) => e.scope === 'access'));
/** REMOVEACL: only the base entries stay; group:: takes the mask's bits, as chmod shows them. */
export const handleRemoveAcl = (ctx: OpContext): Promise<Gen1Reply> =>
  changeAcl(ctx, (current) => {
    const access = current.filter((e) => e.scope === 'access');
    const mask = access.find((e) => e.type === 'mask');
    return access
      .filter((e) => e.id === '' && e.type !== 'mask')
      .map((e) => (e.type === 'group' && mask !== undefined ? { ...e, perms: mask.perms } : e));
  });
