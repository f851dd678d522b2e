import { applyMode, parseAclSpec, parsePermissions, parseScope, parseUmask, updateAcl, formatScope } from './acl.js';
import { boolQuery, decodeToken, encodeToken, intQuery, type Call } from './call.js';
import { applyLeaseAction, checkConditions, checkWriteLease, newLease } from './conditions.js';
import type { PathRow } from './meta.js';
import {
  accessOf, checkPerm, checkSticky, checkTraverse, dropItem, ensureParents, isSuper, newItem, parentOf, requireFs, validateNewPath,
} from './namespace.js';
import { aclText, contentOf, metadataOf, parseProperties, pathHeaders, readContentHeaders } from './present.js';
import { header, httpDate, newEtag, notFoundPath, permissionMismatch, quoteEtag, sendEmpty, sendJson, WireError, writeHeadWith } from './wire.js';

/** DFS path operations: create, rename, delete, properties, access control, leases. */

const alreadyExists = (): WireError => new WireError(409, 'PathAlreadyExists', 'The specified path already exists.');
const pathConflict = (): WireError => new WireError(409, 'PathConflict', 'The specified path, or an element of the path, exists and its resource type is invalid for this operation.');

function getRow(c: Call, api: 'dfs' | 'blob' = 'dfs'): PathRow {
  requireFs(c.ns, api, c.account, c.fs);
  checkTraverse(c.ns, c.principal, c.account, c.fs ?? '', c.path);
  const row = c.ns.db.getPath(c.account, c.fs ?? '', c.path);
  if (!row) throw api === 'dfs' ? notFoundPath() : new WireError(404, 'BlobNotFound', 'The specified blob does not exist.');
  return row;
}

const tagHeaders = (etag: string, modified: number): Record<string, string> => ({ ETag: quoteEtag(etag), 'Last-Modified': httpDate(modified) });

/** PUT ?resource=file|directory — creates (or for files overwrites) a path (201). */
export function createPath(c: Call): void {
  const resource = c.query.get('resource');
  const isDir = resource === 'directory';
  if (c.path === '') throw new WireError(400, 'InvalidUri', 'The requested URI does not represent any resource on the server: a path is required.');
  validateNewPath(c.path);
  const perms = header(c.req, 'x-ms-permissions');
  const aclHeader = header(c.req, 'x-ms-acl');
  if (perms !== undefined && aclHeader !== undefined) throw new WireError(400, 'InvalidHeaderValue', 'x-ms-permissions and x-ms-acl are mutually exclusive; send only one.');
  const parsedMode = perms === undefined ? undefined : parsePermissions(perms);
  const umask = parseUmask(header(c.req, 'x-ms-umask'));
  const props = parseProperties(header(c.req, 'x-ms-properties'));
  const content = readContentHeaders(c.req, 'x-ms-content-', 'x-ms-cache-control');
  const owner = header(c.req, 'x-ms-owner');
  const group = header(c.req, 'x-ms-group');
  const expiry = header(c.req, 'x-ms-expiry-option');
  if (expiry !== undefined && expiry !== 'NeverExpire') throw new WireError(501, 'NotImplemented', 'x-ms-expiry-option is not supported by the lakeshift Gen2 emulator.');
  const leaseDuration = header(c.req, 'x-ms-lease-duration');
  const fs = c.fs ?? '';
  const out = c.ns.db.tx(() => {
    requireFs(c.ns, 'dfs', c.account, c.fs);
    const existing = c.ns.db.getPath(c.account, fs, c.path);
    checkConditions(c.req, existing, { read: false, existsError: alreadyExists });
    if ((owner !== undefined || group !== undefined) && !isSuper(c.principal)) throw permissionMismatch();
    const etag = newEtag();
    if (existing) {
      if ((existing.is_dir === 1) !== isDir) throw pathConflict();
      checkWriteLease(c.req, existing.lease, 'dfs', c.now);
      checkTraverse(c.ns, c.principal, c.account, fs, c.path);
      checkPerm(c.principal, existing, 2);
      if (isDir) {
        c.ns.db.updatePath(existing.id, { etag, modified: c.now, ...(props ? { metadata: JSON.stringify(props) } : {}) });
      } else {
        c.ns.bytes.remove(c.ns.db.deletePath(existing));
        const { id: _old, ...kept } = existing;
        c.ns.db.insertPath({ ...kept, size: 0, extents: '[]', md5: null, etag, modified: c.now, metadata: JSON.stringify(props ?? {}), headers: JSON.stringify(content) });
      }
      return { etag, modified: c.now };
    }
    const parent = ensureParents(c.ns, c.principal, c.account, fs, c.path, c.now);
    checkPerm(c.principal, parent, 3);
    const row = newItem(c.account, fs, c.path, parent, c.principal, { isDir, mode: parsedMode?.mode, umask, owner, group, sticky: parsedMode?.sticky ?? false, now: c.now });
    if (aclHeader !== undefined) {
      const pair = updateAcl({ access: accessOf(row as PathRow), def: parseScope(row.default_acl) }, 'set', parseAclSpec(aclHeader, true), isDir, false);
      row.acl = formatScope(pair.access);
      row.default_acl = formatScope(pair.def, true);
    }
    row.metadata = JSON.stringify(props ?? {});
    row.headers = JSON.stringify(content);
    if (leaseDuration !== undefined) {
      row.lease = newLease(leaseDuration, header(c.req, 'x-ms-proposed-lease-id'), c.now);
    }
    c.ns.db.insertPath(row);
    return { etag: row.etag, modified: c.now };
  });
  sendEmpty(c, 201, { ...tagHeaders(out.etag, out.modified), 'x-ms-request-server-encrypted': 'true' });
}

/** Splits `x-ms-rename-source` (`/[account/]fs/path[?sas]`) into filesystem and path. */
function parseRenameSource(c: Call, value: string): { fs: string; path: string } {
  const q = value.indexOf('?');
  const raw = (q < 0 ? value : value.slice(0, q)).replace(/^\/+/, '');
  let segs: string[];
  try {
    segs = raw.split('/').map((s) => decodeURIComponent(s));
  } catch {
    throw new WireError(400, 'InvalidSourceUri', 'The source URI is invalid: it is not correctly percent-encoded.');
  }
  if (segs.some((s) => s === '.' || s === '..')) throw new WireError(400, 'InvalidSourceUri', 'The source URI is invalid: it may not contain . or .. segments.');
  if (segs[0] === c.account && segs.length >= 3 && segs[1] !== undefined && c.ns.db.getFs(c.account, segs[1])) segs.shift();
  const fs = segs.shift() ?? '';
  const path = segs.join('/').replace(/\/+$/, '');
  if (fs === '' || path === '') throw new WireError(400, 'InvalidSourceUri', 'The source URI is invalid: x-ms-rename-source must be /filesystem/path.');
  return { fs, path };
}

/** PUT with x-ms-rename-source — atomic rename of a file or directory subtree (201). */
export function renamePath(c: Call): void {
  const src = parseRenameSource(c, header(c.req, 'x-ms-rename-source') ?? '');
  const mode = (c.query.get('mode') ?? 'posix').toLowerCase();
  if (mode !== 'legacy' && mode !== 'posix') throw new WireError(400, 'InvalidQueryParameterValue', `Value for one of the query parameters specified in the request URI is invalid: mode='${mode}'. Use legacy or posix.`);
  if (c.path === '') throw new WireError(400, 'InvalidDestinationPath', 'The destination path is invalid: it is the filesystem root.');
  const props = parseProperties(header(c.req, 'x-ms-properties'));
  const out = c.ns.db.tx(() => {
    requireFs(c.ns, 'dfs', c.account, c.fs);
    const destFs = c.fs ?? '';
    const source = c.ns.db.getFs(c.account, src.fs) ? c.ns.db.getPath(c.account, src.fs, src.path) : undefined;
    if (!source) throw new WireError(404, 'SourcePathNotFound', 'The source path for a rename operation does not exist.');
    checkConditions(c.req, source, { read: false, source: true });
    checkWriteLease(c.req, source.lease, 'dfs', c.now, 'x-ms-source-lease-id');
    let dest = c.path;
    let existing = c.ns.db.getPath(c.account, destFs, dest);
    if (mode === 'posix' && existing?.is_dir && !(destFs === src.fs && dest === src.path)) {
      dest = `${dest}/${src.path.slice(src.path.lastIndexOf('/') + 1)}`;
      existing = c.ns.db.getPath(c.account, destFs, dest);
    }
    validateNewPath(dest);
    if (destFs === src.fs && dest === src.path) return { etag: source.etag, modified: source.modified };
    if (destFs === src.fs && dest.startsWith(`${src.path}/`)) throw new WireError(400, 'InvalidDestinationPath', 'The destination path is inside the source directory.');
    const destParent = c.ns.db.getPath(c.account, destFs, parentOf(dest));
    if (!destParent) throw new WireError(404, 'RenameDestinationParentPathNotFound', 'The parent directory of the destination path does not exist.');
    if (!destParent.is_dir) throw pathConflict();
    const p = c.principal;
    if (!isSuper(p)) {
      checkTraverse(c.ns, p, c.account, src.fs, src.path);
      const srcParent = c.ns.db.getPath(c.account, src.fs, parentOf(src.path));
      if (srcParent) {
        checkPerm(p, srcParent, 3);
        checkSticky(p, srcParent, source);
      }
      checkTraverse(c.ns, p, c.account, destFs, dest);
      checkPerm(p, destParent, 3);
    }
    checkConditions(c.req, existing, { read: false, existsError: alreadyExists });
    if (existing) {
      if (existing.is_dir !== source.is_dir) throw new WireError(409, 'InvalidSourceOrDestinationResourceType', 'The source and destination resource type must be identical.');
      if (existing.is_dir && c.ns.db.hasChildren(c.account, destFs, dest)) throw new WireError(409, 'DirectoryNotEmpty', 'The recursive query parameter value must be true to delete a non-empty directory.');
      checkWriteLease(c.req, existing.lease, 'dfs', c.now);
      checkSticky(p, destParent, existing);
      dropItem(c.ns, existing);
    }
    c.ns.db.movePath(source, destFs, dest, parentOf(dest));
    if (props) c.ns.db.updatePath(source.id, { metadata: JSON.stringify(props) });
    return { etag: source.etag, modified: source.modified };
  });
  sendEmpty(c, 201, tagHeaders(out.etag, out.modified));
}

export function checkSubtreeWritable(c: Call, row: PathRow): void {
  if (isSuper(c.principal)) return;
  let after = '';
  for (;;) {
    const page = c.ns.db.byPrefix(c.account, row.fs, `${row.path}/`, after, 1000);
    for (const d of page) {
      if (d.is_dir) checkPerm(c.principal, d, 3);
      after = d.path;
    }
    if (page.length < 1000) return;
  }
}

/** DELETE (DFS flavour, 200) or Blob delete (202): a file or a directory, recursive and paginated. */
export function deletePath(c: Call): void {
  const recursive = boolQuery(c, 'recursive', false);
  const paginated = boolQuery(c, 'paginated', false);
  const api = c.api;
  const out = c.ns.db.tx((): string | undefined => {
    const row = getRow(c, api);
    if (row.path === '') throw new WireError(409, 'OperationNotPermittedOnRoot', 'The root directory of a filesystem cannot be deleted; delete the filesystem instead.');
    checkConditions(c.req, row, { read: false });
    checkWriteLease(c.req, row.lease, api, c.now);
    const parent = c.ns.db.getPath(c.account, row.fs, parentOf(row.path));
    if (parent) {
      checkPerm(c.principal, parent, 3);
      checkSticky(c.principal, parent, row);
    }
    if (!row.is_dir || !c.ns.db.hasChildren(c.account, row.fs, row.path)) {
      dropItem(c.ns, row);
      return undefined;
    }
    if (!recursive || api === 'blob') {
      throw new WireError(409, 'DirectoryNotEmpty', 'The recursive query parameter value must be true to delete a non-empty directory.');
    }
    checkSubtreeWritable(c, row);
    const limit = paginated ? c.limits.deletePageSize : Number.MAX_SAFE_INTEGER;
    for (;;) {
      const page = c.ns.db.descendantsDesc(c.account, row.fs, row.path, Math.min(limit, 5000));
      for (const d of page) dropItem(c.ns, d);
      if (paginated && page.length >= limit && c.ns.db.hasChildren(c.account, row.fs, row.path)) return encodeToken(row.path);
      if (page.length < Math.min(limit, 5000)) break;
    }
    dropItem(c.ns, row);
    return undefined;
  });
  const h: Record<string, string> = { 'x-ms-delete-type-permanent': 'true' };
  if (out !== undefined) h['x-ms-continuation'] = out;
  sendEmpty(c, api === 'dfs' ? 200 : 202, h);
}

/** HEAD ?action=getStatus|getAccessControl — DFS properties, with `x-ms-acl` for getAccessControl (200). */
export function getPathProperties(c: Call): void {
  const action = c.query.get('action');
  const row = getRow(c);
  if (checkConditions(c.req, row, { read: true }) === 'not-modified') throw new WireError(304, 'ConditionNotMet', 'Not modified.', tagHeaders(row.etag, row.modified));
  const h = pathHeaders(row, c.now, action !== 'getstatus' && action !== 'getStatus');
  h['Content-Length'] = String(row.size);
  if (action === 'getAccessControl') {
    h['x-ms-acl'] = aclText(row);
    h['x-ms-namespace-enabled'] = 'true';
  }
  writeHeadWith(c, 200, h);
  c.res.end();
}

/** PATCH ?action=setAccessControl — owner, group, permissions or a full ACL (200). */
export function setAccessControl(c: Call): void {
  const owner = header(c.req, 'x-ms-owner');
  const group = header(c.req, 'x-ms-group');
  const perms = header(c.req, 'x-ms-permissions');
  const aclHeader = header(c.req, 'x-ms-acl');
  if (perms !== undefined && aclHeader !== undefined) throw new WireError(400, 'InvalidHeaderValue', 'x-ms-permissions and x-ms-acl are mutually exclusive; send only one.');
  const out = c.ns.db.tx(() => {
    const row = getRow(c);
    checkConditions(c.req, row, { read: false });
    checkWriteLease(c.req, row.lease, 'dfs', c.now);
    const p = c.principal;
    if (!isSuper(p)) {
      if (p.oid !== row.owner || owner !== undefined) throw permissionMismatch();
      if (group !== undefined && group !== row.grp && !p.groups.includes(group)) throw permissionMismatch();
    }
    let access = accessOf(row);
    let def = parseScope(row.default_acl);
    let sticky = row.sticky;
    if (aclHeader !== undefined) ({ access, def } = updateAcl({ access, def }, 'set', parseAclSpec(aclHeader, true), row.is_dir === 1, false));
    if (perms !== undefined) {
      const m = parsePermissions(perms);
      applyMode(access, m.mode);
      sticky = m.sticky ? 1 : 0;
    }
    const etag = newEtag();
    c.ns.db.updatePath(row.id, { acl: formatScope(access), default_acl: formatScope(def, true), sticky, owner: owner ?? row.owner, grp: group ?? row.grp, etag, modified: c.now });
    return { etag, modified: c.now };
  });
  sendEmpty(c, 200, { ...tagHeaders(out.etag, out.modified), 'x-ms-namespace-enabled': 'true' });
}

/** PATCH ?action=setAccessControlRecursive&mode=set|modify|remove — batches with continuation (200 JSON). */
export function setAccessControlRecursive(c: Call): void {
  const mode = c.query.get('mode');
  if (mode !== 'set' && mode !== 'modify' && mode !== 'remove') throw new WireError(400, 'InvalidQueryParameterValue', `Value for one of the query parameters specified in the request URI is invalid: mode='${mode ?? ''}'. Use set, modify or remove.`);
  const aclHeader = header(c.req, 'x-ms-acl');
  if (aclHeader === undefined) throw new WireError(400, 'MissingRequiredHeader', 'An HTTP header that is mandatory for this request is not specified: x-ms-acl.');
  const maxRecords = Math.min(intQuery(c, 'maxRecords', false) ?? 2000, 2000);
  if (maxRecords < 1) throw new WireError(400, 'InvalidQueryParameterValue', 'Value for one of the query parameters specified in the request URI is invalid: maxRecords. Use 1 to 2000.');
  const force = boolQuery(c, 'forceFlag', false);
  const token = decodeToken('continuation', c.query.get('continuation'));
  const spec = parseAclSpec(aclHeader, mode !== 'remove');
  const result = c.ns.db.tx(() => {
    const target = getRow(c);
    updateAcl({ access: accessOf(target), def: parseScope(target.default_acl) }, mode, spec, target.is_dir === 1, true);
    const todo: PathRow[] = [];
    if (token === '') todo.push(target);
    const after = token === '' ? '' : token.slice(1);
    let more = false;
    if (target.is_dir) {
      const rest = c.ns.db.byPrefix(c.account, target.fs, target.path === '' ? '' : `${target.path}/`, after, maxRecords - todo.length + 1);
      more = todo.length + rest.length > maxRecords;
      todo.push(...rest.slice(0, maxRecords - todo.length));
    }
    const counts = { directoriesSuccessful: 0, filesSuccessful: 0, failureCount: 0 };
    const failedEntries: { errorMessage: string; name: string; type: string }[] = [];
    let last = '';
    for (const row of todo) {
      last = row.path;
      if (!isSuper(c.principal) && c.principal.oid !== row.owner) {
        counts.failureCount++;
        failedEntries.push({ errorMessage: 'This request is not authorized to perform this operation using this permission.', name: row.path, type: row.is_dir ? 'DIRECTORY' : 'FILE' });
        if (!force) {
          more = true;
          break;
        }
        continue;
      }
      const pair = updateAcl({ access: accessOf(row), def: parseScope(row.default_acl) }, mode, spec, row.is_dir === 1, true);
      c.ns.db.updatePath(row.id, { acl: formatScope(pair.access), default_acl: row.is_dir ? formatScope(pair.def, true) : '', etag: newEtag(), modified: c.now });
      if (row.is_dir) counts.directoriesSuccessful++;
      else counts.filesSuccessful++;
    }
    return { body: { directoriesSuccessful: counts.directoriesSuccessful, failedEntries, failureCount: counts.failureCount, filesSuccessful: counts.filesSuccessful }, next: more ? encodeToken(`>${last}`) : undefined };
  });
  sendJson(c, 200, result.body, { 'x-ms-namespace-enabled': 'true', ...(result.next === undefined ? {} : { 'x-ms-continuation': result.next }) });
}

/** PATCH ?action=setProperties — replaces `x-ms-properties` and sets content headers given (200). */
export function setPathProperties(c: Call): void {
  const props = parseProperties(header(c.req, 'x-ms-properties'));
  const content = readContentHeaders(c.req, 'x-ms-content-', 'x-ms-cache-control');
  const out = c.ns.db.tx(() => {
    const row = getRow(c);
    checkPerm(c.principal, row, 2);
    checkConditions(c.req, row, { read: false });
    checkWriteLease(c.req, row.lease, 'dfs', c.now);
    const etag = newEtag();
    c.ns.db.updatePath(row.id, { metadata: JSON.stringify(props ?? metadataOf(row)), headers: JSON.stringify({ ...contentOf(row), ...content }), etag, modified: c.now });
    return { etag, modified: c.now };
  });
  sendEmpty(c, 200, tagHeaders(out.etag, out.modified));
}

/** DFS `POST` with x-ms-lease-action, or Blob `PUT ?comp=lease`, on a path. */
export function leasePath(c: Call): void {
  const out = c.ns.db.tx(() => {
    const row = getRow(c, c.api);
    checkConditions(c.req, row, { read: false });
    if (!isSuper(c.principal)) checkPerm(c.principal, row, 2);
    const r = applyLeaseAction(c.req, row.lease, c.now, row.modified);
    c.ns.db.updatePath(row.id, { lease: r.lease });
    return { ...r, etag: row.etag, modified: row.modified };
  });
  sendEmpty(c, out.status, { ...tagHeaders(out.etag, out.modified), ...out.headers });
}

