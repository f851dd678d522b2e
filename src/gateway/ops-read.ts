import { compareNames, type Entry } from '../core/entry.js';
import { formatAclEntry, formatOctalMode, parsePermissions, sortAclEntries, STICKY_BIT } from '../core/acl.js';
import type { AclStatus } from '../core/acl-types.js';
import { isStorageError, StorageError } from '../core/errors.js';
import { baseName, emptyReply, fileStatus, jsonReply, mappedOrThrow, virtualStatus, type Gen1Reply, type OpContext } from './context.js';
import { Gen1Failure, unsupported } from './gen1-errors.js';
import { intParam, requiredParam } from './request.js';

/** Gen1 read operations served from the store: GETFILESTATUS, LISTSTATUS, OPEN, GETCONTENTSUMMARY, GETACLSTATUS, CHECKACCESS. */

/** LISTSTATUS page size used by the clients and the most the compatibility layer served per call. */
export const MAX_LIST_SIZE = 4000;

async function statWithOwner(ctx: OpContext): Promise<{ entry: Entry; props: Record<string, string> | undefined }> {
  const { store, path } = mappedOrThrow(ctx);
  // The properties hold the Gen1 times migrate preserved (Gen2 cannot set its own): read with the
  // stat where the store can (Gen2: one HEAD), else beside it.
  const wantProps = store.capabilities.properties && path !== '';
  const entry = await store.stat(path, { withProperties: wantProps });
  let props = entry.properties;
  if (props === undefined && wantProps) props = await store.getProperties(path).catch(() => undefined);
  if (entry.owner === undefined && store.capabilities.permissions) {
    // A filesystem root carries no owner in its properties: Get Access Control has it.
    const acl = await store.getAcl(path);
    Object.assign(entry, { owner: acl.owner, group: acl.group, permissions: acl.permissions, hasAcl: acl.entries.length > 3 });
  }
  return { entry, props };
}

export async function handleGetFileStatus(ctx: OpContext): Promise<Gen1Reply> {
  if (ctx.resolved.kind === 'virtual') return jsonReply({ FileStatus: virtualStatus('', ctx.state.now()) });
  const { entry, props } = await statWithOwner(ctx);
  return jsonReply({ FileStatus: fileStatus(entry, '', props) });
}

export async function handleListStatus(ctx: OpContext): Promise<Gen1Reply> {
  const q = ctx.target.query;
  if (q.has('listbefore')) throw unsupported('LISTSTATUS with listBefore is not supported by the gateway (nor was it by the Gen1 compatibility layer); page forward with listAfter.');
  const size = Math.min(MAX_LIST_SIZE, Math.max(1, intParam(q, 'listsize') ?? MAX_LIST_SIZE));
  const after = q.get('listafter') ?? '';
  const statuses: Record<string, unknown>[] = [];
  if (ctx.resolved.kind === 'virtual') {
    for (const name of ctx.resolved.children) {
      if (after !== '' && compareNames(name, after) <= 0) continue;
      if (statuses.length < size) statuses.push(virtualStatus(name, ctx.state.now()));
    }
  } else {
    const { store, path } = mappedOrThrow(ctx);
    // A first page asks Gen2 for no more than it answers; a later one (listAfter) skips up to the name in big pages.
    outer: for await (const page of store.list(path, { pageSize: after === '' ? size : MAX_LIST_SIZE })) {
      for (const e of page) {
        if (e.path === path && e.kind === 'file') {
          statuses.push(fileStatus(e, ''));
          break outer;
        }
        const name = baseName(e.path);
        if (after !== '' && compareNames(name, after) <= 0) continue;
        statuses.push(fileStatus(e, name));
        if (statuses.length >= size) break outer;
      }
    }
  }
  const last = statuses[statuses.length - 1];
  const token = statuses.length >= size && last !== undefined ? String(last['pathSuffix']) : '';
  // continuationToken before FileStatus: the Java client only sees it in that order.
  return jsonReply({ FileStatuses: { continuationToken: token, FileStatus: statuses } });
}

/**
 * OPEN without a separate stat: the store reads the range (a length past the end is cut short, an
 * offset at the end is empty) and refuses offsets past the end and directories itself.
 */
export async function handleOpen(ctx: OpContext): Promise<Gen1Reply> {
  const { store, path } = mappedOrThrow(ctx);
  const offset = intParam(ctx.target.query, 'offset') ?? 0;
  const length = intParam(ctx.target.query, 'length');
  const headers = { 'Content-Type': 'application/octet-stream' };
  try {
    if (length === 0) {
      const entry = await store.stat(path);
      if (entry.kind !== 'file' || offset > entry.size) throw new StorageError('invalid-argument', entry.kind !== 'file' ? 'is a directory' : 'beyond the end');
      return { ...emptyReply(200), headers };
    }
    return { status: 200, stream: await store.openRead(path, { offset, ...(length === undefined ? {} : { length }) }), headers };
  } catch (error) {
    if (isStorageError(error, 'invalid-argument')) {
      if (/beyond the end/.test(error.message)) throw new Gen1Failure('BadOffsetException', `OPEN failed with error 0x83090015 (Bad request. Invalid offset.): offset ${offset} is beyond the end of ${ctx.gen1Path}.`);
      throw new Gen1Failure('FileNotFoundException', `OPEN failed: ${ctx.gen1Path} is a directory, not a file.`);
    }
    throw error;
  }
}

export async function handleGetContentSummary(ctx: OpContext): Promise<Gen1Reply> {
  const { store, path } = mappedOrThrow(ctx);
  let directoryCount = 0;
  let fileCount = 0;
  let length = 0;
  for await (const page of store.list(path, { recursive: true, pageSize: 5000 })) {
    for (const e of page) {
      if (e.kind === 'directory') directoryCount++;
      else {
        fileCount++;
        length += e.size;
      }
    }
  }
  // The walk lists descendants only: count the directory itself, as Gen1 does.
  const self = await store.stat(path);
  if (self.kind === 'directory') directoryCount++;
  else if (fileCount === 0) {
    fileCount = 1;
    length = self.size;
  }
  return jsonReply({ ContentSummary: { directoryCount, fileCount, length, quota: -1, spaceConsumed: length, spaceQuota: -1 } });
}

export function aclStatusJson(acl: AclStatus): Record<string, unknown> {
  return {
    AclStatus: {
      entries: sortAclEntries(acl.entries).map((e) => formatAclEntry(e)),
      owner: acl.owner,
      group: acl.group,
      permission: formatOctalMode(acl.permissions & 0o777),
      stickyBit: (acl.permissions & STICKY_BIT) !== 0,
    },
  };
}

export async function handleGetAclStatus(ctx: OpContext): Promise<Gen1Reply> {
  const { store, path } = mappedOrThrow(ctx);
  return jsonReply(aclStatusJson(await store.getAcl(path)));
}

/** The rwx bits the caller has on a path under POSIX ACL rules (owner, named user, groups with the mask, other). */
export function grantedBits(acl: AclStatus, oid: string, groups: ReadonlySet<string>): number {
  const access = acl.entries.filter((e) => e.scope === 'access');
  const mask = access.find((e) => e.type === 'mask')?.perms ?? 7;
  if (acl.owner === oid) return (acl.permissions >> 6) & 7;
  const named = access.find((e) => e.type === 'user' && e.id === oid);
  if (named !== undefined) return named.perms & mask;
  const groupEntries = access.filter((e) => e.type === 'group' && (e.id === '' ? groups.has(acl.group) || acl.group === oid : groups.has(e.id)));
  if (groupEntries.length > 0) return groupEntries.reduce((bits, e) => bits | e.perms, 0) & mask;
  return acl.permissions & 7;
}

export async function handleCheckAccess(ctx: OpContext): Promise<Gen1Reply> {
  const wanted = parsePermissions(requiredParam(ctx.target.query, 'fsaction', 'CHECKACCESS'));
  if (ctx.state.superusers.size === 0 || ctx.state.superusers.has(ctx.caller.oid)) {
    const { store, path } = mappedOrThrow(ctx);
    await store.stat(path);
    return emptyReply();
  }
  const { store, path } = mappedOrThrow(ctx);
  let acl: AclStatus;
  try {
    acl = await store.getAcl(path);
  } catch (error) {
    if (isStorageError(error, 'not-found')) throw new Gen1Failure('FileNotFoundException', `CHECKACCESS failed: File/Folder does not exist: ${ctx.gen1Path}`);
    throw error;
  }
  if ((grantedBits(acl, ctx.caller.oid, ctx.caller.groups) & wanted) !== wanted) {
    throw new Gen1Failure('AccessControlException', 'CHECKACCESS failed with error 0x83090aa2 (Forbidden. ACL verification failed. Either the resource does not exist or the user is not authorized to perform the requested operation.).');
  }
  return emptyReply();
}
