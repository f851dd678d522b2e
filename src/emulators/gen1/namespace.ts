/**
 * Shared state of a Gen1 emulator and the namespace rules every handler uses: path resolution with
 * traverse checks, POSIX permission checks, sticky bit, expiry, and ACL inheritance for new children.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { accessFromMode, deserializeAcl, effectivePerm, formatPerm, normalizeScope, serializeAcl, type Acl, type AclEntry, type Caller } from './acl.js';
import type { BlobStore } from './blobs.js';
import { accessDenied, Gen1Error, notFound } from './errors.js';
import { ROOT_ID, type EntryRow, type EntryType, type MetadataStore } from './metadata.js';
import type { Gen1Target } from './request.js';

/** Gen1's constant umask: strips all `other` bits on inheritance. */
export const GEN1_UMASK = 0o007;

export interface Gen1State {
  meta: MetadataStore;
  blobs: BlobStore;
  maxAppendBytes: number;
  locks: KeyedLock;
  now(): number;
}

/** Everything a handler needs for one request. */
export interface OpContext {
  state: Gen1State;
  req: IncomingMessage;
  res: ServerResponse;
  target: Gen1Target;
  /** Display path, e.g. `/a/b`. */
  path: string;
  op: string;
  caller: Caller;
  requestId: string;
  /** api-version query value, '' when absent. */
  apiVersion: string;
}

/** Serializes async work per key (one writer per file at a time). */
export class KeyedLock {
  private readonly tails = new Map<number, Promise<unknown>>();

  async run<T>(key: number, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => undefined);
    this.tails.set(key, tail);
    try {
      return await next;
    } finally {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}

/** Parsed ACLs by mode and stored text: a lake holds few distinct ACLs, and every path step checks one. */
const parsedAcls = new Map<string, Acl>();
const PARSED_ACLS_MAX = 4096;
/** The same, by row object: cached rows (metadata.ts) come back as the same frozen object. */
const aclsByRow = new WeakMap<EntryRow, Acl>();

/** The full ACL of `row`. Shared and frozen: copy before changing. */
export function aclOf(row: EntryRow): Acl {
  const known = aclsByRow.get(row);
  if (known !== undefined) return known;
  const mode = row.perm & 0o777;
  const key = row.acl === '' ? String(mode) : `${mode}:${row.acl}`;
  let acl = parsedAcls.get(key);
  if (acl === undefined) {
    const parsed = deserializeAcl(mode, row.acl);
    acl = Object.freeze({
      access: Object.freeze(parsed.access.map((e) => Object.freeze(e))) as AclEntry[],
      defaults: Object.freeze(parsed.defaults.map((e) => Object.freeze(e))) as AclEntry[],
    });
    if (parsedAcls.size >= PARSED_ACLS_MAX) parsedAcls.clear();
    parsedAcls.set(key, acl);
  }
  aclsByRow.set(row, acl);
  return acl;
}

/** True when an expiry has passed (the item then behaves as deleted). */
export function isExpired(row: EntryRow, now: number): boolean {
  return row.type === 'FILE' && row.expiry > 0 && row.expiry <= now;
}

/** True when `caller` holds all of `bits` on `row` (superusers hold everything). */
export function holdsPerm(ctx: OpContext, row: EntryRow, bits: number): boolean {
  return ctx.caller.isSuperuser || (effectivePerm(ctx.caller, row.owner, row.grp, aclOf(row)) & bits) === bits;
}

/** Throws 403 AccessControlException unless `caller` holds all of `bits` on `row`. */
export function requirePerm(ctx: OpContext, row: EntryRow, bits: number, where: string): void {
  if (ctx.caller.isSuperuser) return;
  const have = effectivePerm(ctx.caller, row.owner, row.grp, aclOf(row));
  if ((have & bits) !== bits) {
    throw accessDenied(ctx.op, `Caller ${ctx.caller.oid} needs ${formatPerm(bits)} on ${where} and holds ${formatPerm(have)}.`);
  }
}

/** Throws 403 unless the caller owns `row` or is a superuser. */
export function requireOwner(ctx: OpContext, row: EntryRow, where: string): void {
  if (ctx.caller.isSuperuser || ctx.caller.oid === row.owner) return;
  throw accessDenied(ctx.op, `Only the owner of ${where} or a superuser may do this.`);
}

/** Sticky bit on `parent`: only the owner of the item, the owner of the parent, or a superuser may remove or rename it. */
export function requireSticky(ctx: OpContext, parent: EntryRow, row: EntryRow, where: string): void {
  if (ctx.caller.isSuperuser || (parent.perm & 0o1000) === 0) return;
  if (ctx.caller.oid === row.owner || ctx.caller.oid === parent.owner) return;
  throw accessDenied(ctx.op, `The sticky bit on the parent of ${where} allows only the owners to delete or rename it.`);
}

export interface Resolved {
  /** The item, when it exists (and is not expired). */
  entry: EntryRow | undefined;
  /** The parent directory, when it exists. */
  parent: EntryRow | undefined;
  /** Existing directories from the root down (the parent included when it exists). */
  chain: EntryRow[];
}

/**
 * Walks `segments` from the root, checking traverse (x) on every directory passed through for
 * non-superusers. A missing component or a file in the middle yields `entry` undefined.
 */
export function resolve(ctx: OpContext, segments: readonly string[]): Resolved {
  const meta = ctx.state.meta;
  const root = meta.get(ROOT_ID);
  if (!root) throw new Error('The Gen1 metadata database has no root row.');
  if (segments.length === 0) return { entry: root, parent: undefined, chain: [] };
  const chain: EntryRow[] = [];
  let cur: EntryRow = root;
  for (let i = 0; i < segments.length; i++) {
    const name = segments[i] ?? '';
    if (cur.type !== 'DIRECTORY') return { entry: undefined, parent: undefined, chain };
    // The path text is built only for the error.
    if (!holdsPerm(ctx, cur, 1)) requirePerm(ctx, cur, 1, `/${segments.slice(0, i).join('/')}`);
    chain.push(cur);
    const next = meta.child(cur.id, name);
    if (!next) return { entry: undefined, parent: i === segments.length - 1 ? cur : undefined, chain };
    if (isExpired(next, ctx.state.now())) {
      discardTree(ctx.state, next.id);
      return { entry: undefined, parent: i === segments.length - 1 ? cur : undefined, chain };
    }
    cur = next;
  }
  return { entry: cur, parent: chain[chain.length - 1], chain };
}

/** Like resolve, but 404 FileNotFoundException when missing. */
export function resolveExisting(ctx: OpContext, segments: readonly string[], shown = ctx.path): Resolved & { entry: EntryRow } {
  const r = resolve(ctx, segments);
  if (!r.entry) throw notFound(shown);
  return { ...r, entry: r.entry };
}

/** Removes an item and its subtree, discarding their bytes in the background. */
export function discardTree(state: Gen1State, id: number): void {
  const blobs = state.meta.removeTree(id);
  for (const b of blobs) void state.blobs.remove(b).catch(() => undefined);
}

/**
 * Mode and stored ACL text for a new child of `parent`. With a default ACL on the parent the child's
 * access ACL is that default ACL masked by the requested mode (0777 when absent) and the 007 umask;
 * directories also inherit the default ACL. Without one: the requested mode as given, else 0777 & ~umask.
 */
export function inheritAccess(parent: EntryRow, type: EntryType, requested: number | undefined): { perm: number; acl: string } {
  const pacl = aclOf(parent);
  const sticky = (requested ?? 0) & 0o1000;
  if (pacl.defaults.length === 0) {
    return { perm: requested ?? (0o777 & ~GEN1_UMASK), acl: '' };
  }
  const mode = (requested ?? 0o777) & ~GEN1_UMASK;
  const hasMask = pacl.defaults.some((e) => e.tag === 'mask');
  const access = pacl.defaults.map((e) => {
    const a = { ...e, isDefault: false };
    if (e.id !== '') return a;
    if (e.tag === 'user') a.perm &= (mode >> 6) & 7;
    else if (e.tag === 'other') a.perm &= mode & 7;
    else if (e.tag === 'mask' || (e.tag === 'group' && !hasMask)) a.perm &= (mode >> 3) & 7;
    return a;
  });
  const acl: Acl = { access: normalizeScope(access, false, true), defaults: type === 'DIRECTORY' ? pacl.defaults : [] };
  const text = serializeAcl(acl);
  const modeBits = acl.access.length > 0 ? modeOf(acl) : mode;
  return { perm: sticky | modeBits, acl: text };
}

function modeOf(acl: Acl): number {
  const get = (tag: string): number => acl.access.find((e) => e.tag === tag && e.id === '')?.perm ?? 0;
  const g = acl.access.some((e) => e.tag === 'mask') ? get('mask') : get('group');
  return (get('user') << 6) | (g << 3) | get('other');
}

/** Creates a child row (file or directory) owned by the caller, group from the parent. */
export function createChild(
  ctx: OpContext,
  parent: EntryRow,
  name: string,
  type: EntryType,
  requested: number | undefined,
  extra: { blob?: string | null; lease?: string | null } = {},
): EntryRow {
  const now = ctx.state.now();
  const { perm, acl } = inheritAccess(parent, type, requested);
  // One transaction: one WAL commit per created item.
  return ctx.state.meta.transaction(() => {
    const row = ctx.state.meta.insert({
      parent: parent.id, name, type, length: 0, blob: extra.blob ?? null, owner: ctx.caller.oid, grp: parent.grp, perm, acl,
      mtime: now, atime: now, ctime: now, expiry: 0, lease: extra.lease ?? null, appendMode: 0,
    });
    ctx.state.meta.touchDir(parent.id, now);
    return row;
  });
}

/**
 * Ensures the directories `segments` exist (like `mkdir -p`), checking w+x on the nearest existing
 * ancestor. A file on the way → 403 FileAlreadyExistsException.
 */
export function ensureDirectories(ctx: OpContext, segments: readonly string[], requested: number | undefined): EntryRow {
  const meta = ctx.state.meta;
  let cur = meta.get(ROOT_ID);
  if (!cur) throw new Error('The Gen1 metadata database has no root row.');
  let checkedWrite = false;
  for (let i = 0; i < segments.length; i++) {
    const name = segments[i] ?? '';
    if (!holdsPerm(ctx, cur, 1)) requirePerm(ctx, cur, 1, `/${segments.slice(0, i).join('/')}`);
    let next = meta.child(cur.id, name);
    if (next && isExpired(next, ctx.state.now())) {
      discardTree(ctx.state, next.id);
      next = undefined;
    }
    if (next && next.type === 'FILE') {
      throw new Gen1Error('FileAlreadyExistsException', `Cannot create directory under /${segments.slice(0, i + 1).join('/')}: a file exists at that path.`);
    }
    if (!next) {
      if (!checkedWrite) {
        requirePerm(ctx, cur, 3, `/${segments.slice(0, i).join('/')}`);
        checkedWrite = true;
      }
      next = createChild(ctx, cur, name, 'DIRECTORY', requested);
    }
    cur = next;
  }
  return cur;
}

/** The minimal access ACL entries for mode bits (re-exported for handlers). */
export { accessFromMode };
