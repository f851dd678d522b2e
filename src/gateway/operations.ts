import type { Gen1Reply, OpContext } from './context.js';
import { handleCheckAccess, handleGetAclStatus, handleGetContentSummary, handleGetFileStatus, handleListStatus, handleOpen } from './ops-read.js';
import { handleAppend, handleConcat, handleConcurrentAppend, handleCreate } from './ops-write.js';
import {
  handleDelete, handleMkdirs, handleModifyAclEntries, handleRemoveAcl, handleRemoveAclEntries, handleRemoveDefaultAcl, handleRename,
  handleSetAcl, handleSetExpiry, handleSetOwner, handleSetPermission, handleSetTimes,
} from './ops-namespace.js';

/**
 * The gateway's Gen1 operation table: `op` -> method, whether it changes anything (the mirror journals
 * those), and the handler that serves it from the store. Every Gen1 op of the service's catalogue is
 * here or refused by name in REFUSED (docs/gateway.md lists each choice).
 */

export type HttpMethod = 'GET' | 'PUT' | 'POST' | 'DELETE';

export interface GatewayOperation {
  method: HttpMethod;
  mutates: boolean;
  /** The generic WebHDFS redirect flag (CREATE write=true, APPEND append=true, OPEN read=true). */
  redirectFlag?: string;
  handler: (ctx: OpContext) => Promise<Gen1Reply>;
}

const read = (handler: GatewayOperation['handler']): GatewayOperation => ({ method: 'GET', mutates: false, handler });
const put = (handler: GatewayOperation['handler']): GatewayOperation => ({ method: 'PUT', mutates: true, handler });

const OPERATIONS: Record<string, GatewayOperation> = {
  OPEN: { ...read(handleOpen), redirectFlag: 'read' },
  GETFILESTATUS: read(handleGetFileStatus),
  MSGETFILESTATUS: read(handleGetFileStatus),
  LISTSTATUS: read(handleListStatus),
  MSLISTSTATUS: read(handleListStatus),
  GETCONTENTSUMMARY: read(handleGetContentSummary),
  GETACLSTATUS: read(handleGetAclStatus),
  MSGETACLSTATUS: read(handleGetAclStatus),
  CHECKACCESS: read(handleCheckAccess),
  CREATE: { ...put(handleCreate), redirectFlag: 'write' },
  MKDIRS: put(handleMkdirs),
  RENAME: put(handleRename),
  SETOWNER: put(handleSetOwner),
  SETPERMISSION: put(handleSetPermission),
  SETTIMES: put(handleSetTimes),
  SETACL: put(handleSetAcl),
  MODIFYACLENTRIES: put(handleModifyAclEntries),
  REMOVEACLENTRIES: put(handleRemoveAclEntries),
  REMOVEDEFAULTACL: put(handleRemoveDefaultAcl),
  REMOVEACL: put(handleRemoveAcl),
  SETEXPIRY: put(handleSetExpiry),
  APPEND: { method: 'POST', mutates: true, redirectFlag: 'append', handler: handleAppend },
  CONCURRENTAPPEND: { method: 'POST', mutates: true, handler: handleConcurrentAppend },
  CONCAT: { method: 'POST', mutates: true, handler: handleConcat },
  MSCONCAT: { method: 'POST', mutates: true, handler: handleConcat },
  DELETE: { method: 'DELETE', mutates: true, handler: handleDelete },
};

/** Gen1 operations the gateway knows and refuses, with the reason given to the client. */
export const REFUSED: Readonly<Record<string, string>> = {
  GETFILECHECKSUM: 'Gen1 never implemented GETFILECHECKSUM; read the file and hash it.',
  GETFILEINFO: 'GETFILEINFO is not served; use GETFILESTATUS.',
  ENUMERATEDELETEDITEMS: 'Gen1 trash is not served by the gateway: Gen2 has no equivalent it can reach through the store contract.',
  RESTOREDELETEDITEMS: 'Gen1 trash is not served by the gateway: Gen2 has no equivalent it can reach through the store contract.',
  GETHOMEDIRECTORY: 'GETHOMEDIRECTORY is not served; Gen1 accounts have no home directories.',
  CREATESYMLINK: 'Symbolic links exist neither in Gen1 nor in Gen2.',
  SETREPLICATION: 'Replication is managed by the service; SETREPLICATION is not served.',
};

export function findOperation(op: string): GatewayOperation | undefined {
  return Object.prototype.hasOwnProperty.call(OPERATIONS, op) ? OPERATIONS[op] : undefined;
}

export const OPERATION_NAMES: readonly string[] = Object.keys(OPERATIONS);
