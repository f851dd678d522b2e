import type { IncomingMessage } from 'node:http';
import type { SasPermission, SasResourceType } from './auth/types.js';
import { submitBatch } from './batch.js';
import { copyBlob } from './copy.js';
import { getBlockList, putBlob, putBlock, putBlockList, setBlobMetadataOrProperties } from './blob-ops.js';
import type { Handler } from './call.js';
import { appendData, flushData, readPath } from './data-ops.js';
import { onlineOnly, refuseSnapshotted, withUploadTier } from './hns-wrappers.js';
import { getServiceProperties, setServiceProperties } from './service-properties.js';
import { createSnapshot, getSnapshotBlockList, readSnapshot } from './snapshots.js';
import { deleteFilesystemWithHns, deleteWithHns, listDeletedPaths, undeletePath } from './soft-delete.js';
import { setBlobTier } from './tiers.js';
import { getContainerAcl, setContainerAcl } from './container-acl.js';
import { createFilesystem, getAccountInfo, getFilesystemProperties, leaseFilesystem, listContainers, listFilesystems, setFilesystemMetadata } from './fs-ops.js';
import { listBlobs, listPaths } from './list-ops.js';
import { getServiceStats, getUserDelegationKey } from './service-ops.js';
import { createPath, getPathProperties, leasePath, renamePath, setAccessControl, setAccessControlRecursive, setPathProperties } from './path-ops.js';
import { header, WireError, type Api } from './wire.js';

/**
 * The operation table: tells DFS from Blob requests on one port (protocols.md D.2) and names each
 * operation with the SAS permission and resource type it needs.
 */

export interface Operation { name: string; api: Api; permission: SasPermission; resourceType: SasResourceType; run: Handler }

const op = (name: string, api: Api, permission: SasPermission, resourceType: SasResourceType, run: Handler): Operation => ({ name, api, permission, resourceType, run });

const unsupported = (api: Api, what: string): WireError =>
  new WireError(api === 'dfs' ? 400 : 501, api === 'dfs' ? 'UnsupportedOperation' : 'NotImplemented', `${what} is not supported by the lakeshift Gen2 emulator.`);

/** Where the request points: service (no filesystem), filesystem, or a path (possibly the root, `fs/`). */
export type Level = 'service' | 'filesystem' | 'path';

/** API a request belongs to before its operation is known (used to format early errors). */
export function guessApi(req: IncomingMessage, query: Map<string, string>): Api {
  if (req.method === 'PATCH' || query.has('resource') || query.has('action') || header(req, 'x-ms-rename-source') !== undefined) return 'dfs';
  if (query.has('comp') || query.has('restype')) return 'blob';
  if (req.method === 'DELETE' && (query.has('recursive') || (header(req, 'accept') ?? '').includes('json'))) return 'dfs';
  return 'blob';
}

/** Picks the operation; throws WireError (400/501) for requests the emulator does not serve. */
export function route(req: IncomingMessage, query: Map<string, string>, level: Level): Operation {
  const method = req.method ?? 'GET';
  const comp = query.get('comp');
  const restype = query.get('restype');
  const resource = query.get('resource');
  const action = query.get('action');
  if (level === 'service') {
    if (method === 'GET' && resource === 'account') return op('ListFilesystems', 'dfs', 'l', 's', listFilesystems);
    if (method === 'GET' && comp === 'list') return op('ListContainers', 'blob', 'l', 's', listContainers);
    if ((method === 'GET' || method === 'HEAD') && restype === 'account' && comp === 'properties') return op('GetAccountInfo', 'blob', 'r', 's', getAccountInfo);
    if (method === 'POST' && restype === 'service' && comp === 'userdelegationkey') return op('GetUserDelegationKey', 'blob', 'r', 's', getUserDelegationKey);
    if (method === 'GET' && restype === 'service' && comp === 'stats') return op('GetServiceStats', 'blob', 'r', 's', getServiceStats);
    if (method === 'GET' && restype === 'service' && comp === 'properties') return op('GetBlobServiceProperties', 'blob', 'r', 's', getServiceProperties);
    if (method === 'PUT' && restype === 'service' && comp === 'properties') return op('SetBlobServiceProperties', 'blob', 'w', 's', setServiceProperties);
    // restype=container on the account too: the JS SDK adds it to path-style (emulator) account URLs.
    if (method === 'POST' && comp === 'batch' && (restype === undefined || restype === 'container')) return op('SubmitBatch', 'blob', 'd', 's', submitBatch);
    throw unsupported(guessApi(req, query), `${method} on the account with these parameters`);
  }
  if (level === 'filesystem') {
    if (method === 'PATCH' || resource !== undefined) {
      if (resource !== 'filesystem') throw new WireError(400, 'InvalidQueryParameterValue', `Value for one of the query parameters specified in the request URI is invalid: resource='${resource ?? ''}'. Use resource=filesystem on a filesystem.`);
      switch (method) {
        case 'PUT': return op('CreateFilesystem', 'dfs', 'c', 'c', createFilesystem);
        case 'PATCH': return op('SetFilesystemProperties', 'dfs', 'w', 'c', setFilesystemMetadata);
        case 'HEAD': return op('GetFilesystemProperties', 'dfs', 'r', 'c', getFilesystemProperties);
        case 'DELETE': return op('DeleteFilesystem', 'dfs', 'd', 'c', deleteFilesystemWithHns);
        case 'GET': return op('ListPaths', 'dfs', 'l', 'c', listPaths);
        default: throw unsupported('dfs', `${method} on a filesystem`);
      }
    }
    if (restype === 'container') {
      if (comp === undefined) {
        if (method === 'PUT') return op('CreateContainer', 'blob', 'c', 'c', createFilesystem);
        if (method === 'GET' || method === 'HEAD') return op('GetContainerProperties', 'blob', 'r', 'c', getFilesystemProperties);
        if (method === 'DELETE') return op('DeleteContainer', 'blob', 'd', 'c', deleteFilesystemWithHns);
      }
      if (comp === 'list' && method === 'GET' && query.has('showonly')) return op('ListDeletedPaths', 'blob', 'l', 'c', listDeletedPaths);
      if (comp === 'list' && method === 'GET') return op('ListBlobs', 'blob', 'l', 'c', listBlobs);
      if (comp === 'metadata' && method === 'PUT') return op('SetContainerMetadata', 'blob', 'w', 'c', setFilesystemMetadata);
      if (comp === 'lease' && method === 'PUT') return op('LeaseContainer', 'blob', 'w', 'c', leaseFilesystem);
      if (comp === 'acl' && (method === 'GET' || method === 'HEAD')) return op('GetContainerACL', 'blob', 'r', 'c', getContainerAcl);
      if (comp === 'acl' && method === 'PUT') return op('SetContainerACL', 'blob', 'w', 'c', setContainerAcl);
      if (comp === 'batch' && method === 'POST') return op('SubmitBatch', 'blob', 'd', 'c', submitBatch);
    }
    throw unsupported(guessApi(req, query), `${method} on a container with ${comp === undefined ? 'these parameters' : `comp=${comp}`}`);
  }
  // Path level (including the root `fs/` for DFS actions).
  if (method === 'PATCH') {
    switch (action) {
      case 'append': return op('AppendData', 'dfs', 'w', 'o', onlineOnly(appendData));
      case 'flush': return op('FlushData', 'dfs', 'w', 'o', onlineOnly(flushData));
      case 'setAccessControl': return op('SetAccessControl', 'dfs', header(req, 'x-ms-owner') !== undefined || header(req, 'x-ms-group') !== undefined ? 'o' : 'p', 'o', setAccessControl);
      case 'setAccessControlRecursive': return op('SetAccessControlRecursive', 'dfs', 'p', 'o', setAccessControlRecursive);
      case 'setProperties': return op('SetPathProperties', 'dfs', 'w', 'o', setPathProperties);
      default: throw new WireError(400, 'InvalidQueryParameterValue', `Value for one of the query parameters specified in the request URI is invalid: action='${action ?? ''}'. Use append, flush, setAccessControl, setAccessControlRecursive or setProperties.`);
    }
  }
  if (method === 'PUT') {
    if (resource === 'file' || resource === 'directory') return op('CreatePath', 'dfs', 'c', 'o', createPath);
    if (resource !== undefined) throw new WireError(400, 'InvalidQueryParameterValue', `Value for one of the query parameters specified in the request URI is invalid: resource='${resource}'. Use file or directory.`);
    if (header(req, 'x-ms-rename-source') !== undefined) return op('RenamePath', 'dfs', 'm', 'o', refuseSnapshotted(renamePath));
    switch (comp) {
      case 'block': if (header(req, 'x-ms-copy-source') !== undefined) throw unsupported('blob', 'Put Block From URL (x-ms-copy-source)'); return op('PutBlock', 'blob', 'w', 'o', putBlock);
      case 'blocklist': return op('PutBlockList', 'blob', 'w', 'o', withUploadTier(putBlockList));
      case 'metadata': return op('SetBlobMetadata', 'blob', 'w', 'o', onlineOnly((c) => setBlobMetadataOrProperties(c, 'metadata')));
      case 'properties': return op('SetBlobProperties', 'blob', 'w', 'o', onlineOnly((c) => setBlobMetadataOrProperties(c, 'properties')));
      case 'lease': return op('LeaseBlob', 'blob', 'w', 'o', leasePath);
      case 'snapshot': return op('SnapshotBlob', 'blob', 'w', 'o', createSnapshot);
      case 'tier': return op('SetBlobTier', 'blob', 'w', 'o', setBlobTier);
      case 'undelete': return op('UndeleteBlob', 'blob', 'w', 'o', undeletePath);
      case undefined:
        if (header(req, 'x-ms-copy-source') !== undefined) return op(header(req, 'x-ms-blob-type') !== undefined ? 'PutBlobFromUrl' : header(req, 'x-ms-requires-sync') === undefined ? 'CopyBlob' : 'CopyBlobFromUrl', 'blob', 'w', 'o', withUploadTier(copyBlob));
        if (header(req, 'x-ms-blob-type') === undefined) throw new WireError(400, 'MissingRequiredHeader', 'An HTTP header that is mandatory for this request is not specified: x-ms-blob-type.');
        return op('PutBlob', 'blob', 'w', 'o', withUploadTier(putBlob));
      default: throw unsupported('blob', `PUT with comp=${comp}`);
    }
  }
  if (method === 'POST') {
    if (comp === undefined && header(req, 'x-ms-lease-action') !== undefined) return op('LeasePath', 'dfs', 'w', 'o', leasePath);
    throw unsupported(guessApi(req, query), `POST${comp === undefined ? '' : ` with comp=${comp}`}`);
  }
  if (method === 'HEAD' && action !== undefined) {
    if (action === 'getAccessControl' || action === 'getStatus') return op(action === 'getStatus' ? 'GetStatus' : 'GetAccessControl', 'dfs', action === 'getStatus' ? 'r' : 'e', 'o', getPathProperties);
    throw new WireError(400, 'InvalidQueryParameterValue', `Value for one of the query parameters specified in the request URI is invalid: action='${action}'. Use getAccessControl or getStatus.`);
  }
  if (method === 'GET' || method === 'HEAD') {
    if (comp === 'blocklist' && method === 'GET') return op('GetBlockList', 'blob', 'r', 'o', query.has('snapshot') ? getSnapshotBlockList : getBlockList);
    if (comp !== undefined || action !== undefined) throw unsupported(guessApi(req, query), `${method} with ${comp !== undefined ? `comp=${comp}` : `action=${action ?? ''}`}`);
    return op(method === 'GET' ? 'GetBlob' : 'GetBlobProperties', 'blob', 'r', 'o', query.has('snapshot') ? readSnapshot : readPath);
  }
  if (method === 'DELETE') {
    if (comp !== undefined) throw unsupported('blob', `DELETE with comp=${comp}`);
    const dfs = query.has('recursive') || query.has('continuation') || query.has('paginated') || (header(req, 'accept') ?? '').includes('application/json');
    return op(dfs ? 'DeletePath' : 'DeleteBlob', dfs ? 'dfs' : 'blob', 'd', 'o', deleteWithHns);
  }
  throw unsupported(guessApi(req, query), `HTTP method ${method}`);
}
