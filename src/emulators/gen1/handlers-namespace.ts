/**
 * Namespace operations: MKDIRS, RENAME, DELETE, SETTIMES, SETEXPIRY, SETOWNER, SETPERMISSION.
 */
import { applyMode, serializeAcl } from './acl.js';
import { accessDenied, badRequest, Gen1Error } from './errors.js';
import {
  aclOf, discardTree, ensureDirectories, requireOwner, requirePerm, requireSticky, resolve, resolveExisting, type OpContext,
} from './namespace.js';
import { boolParam, displayPath, intParam, permParam, splitPath } from './request.js';
import { sendBoolean, sendEmpty } from './response.js';

/** MKDIRS: creates the directory and missing parents; `{"boolean":true}`. */
export function handleMkdirs(ctx: OpContext): void {
  ensureDirectories(ctx, ctx.target.segments, permParam(ctx.target.query));
  sendBoolean(ctx.res, true);
}

/** DELETE: `{"boolean":true}`, false when missing (or the root); non-empty directory without recursive=true → 403 IOException. */
export function handleDelete(ctx: OpContext): void {
  const recursive = boolParam(ctx.target.query, 'recursive', false);
  const { entry, parent } = resolve(ctx, ctx.target.segments);
  if (!entry || !parent) {
    sendBoolean(ctx.res, false);
    return;
  }
  requirePerm(ctx, parent, 3, displayPath(ctx.target.segments.slice(0, -1)));
  requireSticky(ctx, parent, entry, ctx.path);
  if (entry.type === 'DIRECTORY' && !recursive && ctx.state.meta.hasChildren(entry.id)) {
    throw new Gen1Error('IOException', `Directory ${ctx.path} is not empty; pass recursive=true to delete it with its contents.`);
  }
  discardTree(ctx.state, entry.id);
  ctx.state.meta.touchDir(parent.id, ctx.state.now());
  sendBoolean(ctx.res, true);
}

/**
 * RENAME to `destination` (leading slash optional). Onto an existing directory: moves inside it.
 * Onto an existing file: only a file with renameoptions=OVERWRITE / overwrite=true replaces it.
 * Anything impossible answers `{"boolean":false}` as Gen1 does.
 */
export function handleRename(ctx: OpContext): void {
  const q = ctx.target.query;
  const destText = q.get('destination');
  if (destText === undefined || destText === '') throw badRequest('RENAME needs a destination parameter (an absolute path).');
  const destSegs = splitPath(destText, 'destination');
  const renameOpt = (q.get('renameoptions') ?? '').toUpperCase();
  const overwrite = renameOpt === 'OVERWRITE' || boolParam(q, 'overwrite', false);
  const src = resolve(ctx, ctx.target.segments);
  if (!src.entry || !src.parent) {
    sendBoolean(ctx.res, false);
    return;
  }
  const srcRow = src.entry;
  let finalSegs = destSegs;
  let dest = resolve(ctx, destSegs);
  if (dest.entry && dest.entry.id === srcRow.id) {
    sendBoolean(ctx.res, true);
    return;
  }
  if (dest.entry && dest.entry.type === 'DIRECTORY') {
    finalSegs = [...destSegs, srcRow.name];
    dest = resolve(ctx, finalSegs);
  }
  const destParent = dest.parent;
  if (!destParent || destParent.type !== 'DIRECTORY') {
    sendBoolean(ctx.res, false);
    return;
  }
  // Moving a directory under itself is impossible.
  if (srcRow.type === 'DIRECTORY' && (destParent.id === srcRow.id || dest.chain.some((d) => d.id === srcRow.id))) {
    sendBoolean(ctx.res, false);
    return;
  }
  const replaced = dest.entry;
  if (replaced) {
    if (replaced.id === srcRow.id) {
      sendBoolean(ctx.res, true);
      return;
    }
    if (!(overwrite && replaced.type === 'FILE' && srcRow.type === 'FILE')) {
      sendBoolean(ctx.res, false);
      return;
    }
  }
  requirePerm(ctx, src.parent, 3, displayPath(ctx.target.segments.slice(0, -1)));
  requireSticky(ctx, src.parent, srcRow, ctx.path);
  requirePerm(ctx, destParent, 3, displayPath(finalSegs.slice(0, -1)));
  if (replaced) requireSticky(ctx, destParent, replaced, displayPath(finalSegs));
  const now = ctx.state.now();
  const name = finalSegs[finalSegs.length - 1] ?? srcRow.name;
  ctx.state.meta.transaction(() => {
    if (replaced) discardTree(ctx.state, replaced.id);
    ctx.state.meta.move(srcRow.id, destParent.id, name, now);
    ctx.state.meta.touchDir(src.parent?.id ?? destParent.id, now);
    ctx.state.meta.touchDir(destParent.id, now);
  });
  sendBoolean(ctx.res, true);
}

/** SETTIMES: `modificationtime` / `accesstime` in ms since epoch; -1 or absent leaves a value unchanged. */
export function handleSetTimes(ctx: OpContext): void {
  const m = intParam(ctx.target.query, 'modificationtime', -1);
  const a = intParam(ctx.target.query, 'accesstime', -1);
  const { entry } = resolveExisting(ctx, ctx.target.segments);
  if (ctx.caller.oid !== entry.owner) requirePerm(ctx, entry, 2, ctx.path);
  ctx.state.meta.setTimes(entry.id, m === undefined || m === -1 ? entry.mtime : m, a === undefined || a === -1 ? entry.atime : a);
  sendEmpty(ctx.res, 200);
}

const EXPIRY_OPTIONS = ['neverexpire', 'relativetonow', 'relativetocreationdate', 'absolute'] as const;

/** SETEXPIRY (files only): expiryOption NeverExpire|RelativeToNow|RelativeToCreationDate|Absolute, expireTime in ms. */
export function handleSetExpiry(ctx: OpContext): void {
  const optText = ctx.target.query.get('expiryoption') ?? '';
  const opt = EXPIRY_OPTIONS.find((o) => o === optText.toLowerCase());
  if (!opt) throw badRequest(`Invalid value for parameter "expiryOption": '${optText}' (use NeverExpire, RelativeToNow, RelativeToCreationDate or Absolute).`);
  const time = intParam(ctx.target.query, 'expiretime');
  if (opt !== 'neverexpire' && time === undefined) throw badRequest(`SETEXPIRY with expiryOption=${optText} needs expireTime (ms).`);
  const { entry } = resolveExisting(ctx, ctx.target.segments);
  if (entry.type !== 'FILE') throw badRequest(`SETEXPIRY applies to files only; ${ctx.path} is a directory.`);
  if (ctx.caller.oid !== entry.owner) requirePerm(ctx, entry, 2, ctx.path);
  const t = time ?? 0;
  const expiry = opt === 'neverexpire' ? 0 : opt === 'relativetonow' ? ctx.state.now() + t : opt === 'relativetocreationdate' ? entry.ctime + t : t;
  ctx.state.meta.setExpiry(entry.id, expiry);
  sendEmpty(ctx.res, 200);
}

/**
 * SETOWNER (HDFS rules): only superusers change the owner; the owner may name itself as owner and set a
 * group it belongs to (its `groups` claim, or its own oid), even when that group is the current one.
 */
export function handleSetOwner(ctx: OpContext): void {
  const owner = ctx.target.query.get('owner') || undefined;
  const group = ctx.target.query.get('group') || undefined;
  const { entry } = resolveExisting(ctx, ctx.target.segments);
  if (!ctx.caller.isSuperuser) {
    if (ctx.caller.oid !== entry.owner) throw accessDenied('SETOWNER', `Only the owner of ${ctx.path} or a superuser may change its owner or group.`);
    if (owner !== undefined && owner !== ctx.caller.oid) throw accessDenied('SETOWNER', `Only a superuser may change the owner of ${ctx.path}.`);
    if (group !== undefined && !ctx.caller.groups.has(group) && group !== ctx.caller.oid) {
      throw accessDenied('SETOWNER', `The caller does not belong to group ${group}: the owner of ${ctx.path} may only set a group it belongs to (the token's groups claim).`);
    }
  }
  ctx.state.meta.setOwner(entry.id, owner ?? entry.owner, group ?? entry.grp);
  sendEmpty(ctx.res, 200);
}

/** SETPERMISSION: octal `permission` (leading 1 = sticky); owner or superuser; absent leaves it unchanged. */
export function handleSetPermission(ctx: OpContext): void {
  const perm = permParam(ctx.target.query);
  const { entry } = resolveExisting(ctx, ctx.target.segments);
  requireOwner(ctx, entry, ctx.path);
  if (perm !== undefined) {
    const acl = applyMode(aclOf(entry), perm & 0o777);
    ctx.state.meta.setAccess(entry.id, perm, serializeAcl(acl));
  }
  sendEmpty(ctx.res, 200);
}
