/**
 * The Gen1 operation table: `op` name → HTTP method and handler.
 */
import {
  handleGetAclStatus, handleModifyAclEntries, handleRemoveAcl, handleRemoveAclEntries, handleRemoveDefaultAcl, handleSetAcl,
} from './handlers-acl.js';
import {
  handleDelete, handleMkdirs, handleRename, handleSetExpiry, handleSetOwner, handleSetPermission, handleSetTimes,
} from './handlers-namespace.js';
import { handleCheckAccess, handleGetContentSummary, handleGetFileStatus, handleListStatus, handleOpen } from './handlers-read.js';
import { handleAppend, handleConcat, handleConcurrentAppend, handleCreate } from './handlers-write.js';
import type { OpContext } from './namespace.js';

export type HttpMethod = 'GET' | 'PUT' | 'POST' | 'DELETE';

export interface Operation {
  method: HttpMethod;
  handler: (ctx: OpContext) => void | Promise<void>;
}

const OPERATIONS: Record<string, Operation> = {
  OPEN: { method: 'GET', handler: handleOpen },
  GETFILESTATUS: { method: 'GET', handler: handleGetFileStatus },
  MSGETFILESTATUS: { method: 'GET', handler: handleGetFileStatus },
  LISTSTATUS: { method: 'GET', handler: handleListStatus },
  MSLISTSTATUS: { method: 'GET', handler: handleListStatus },
  GETCONTENTSUMMARY: { method: 'GET', handler: handleGetContentSummary },
  GETACLSTATUS: { method: 'GET', handler: handleGetAclStatus },
  MSGETACLSTATUS: { method: 'GET', handler: handleGetAclStatus },
  CHECKACCESS: { method: 'GET', handler: handleCheckAccess },
  CREATE: { method: 'PUT', handler: handleCreate },
  MKDIRS: { method: 'PUT', handler: handleMkdirs },
  RENAME: { method: 'PUT', handler: handleRename },
  SETOWNER: { method: 'PUT', handler: handleSetOwner },
  SETPERMISSION: { method: 'PUT', handler: handleSetPermission },
  SETTIMES: { method: 'PUT', handler: handleSetTimes },
  SETACL: { method: 'PUT', handler: handleSetAcl },
  MODIFYACLENTRIES: { method: 'PUT', handler: handleModifyAclEntries },
  REMOVEACLENTRIES: { method: 'PUT', handler: handleRemoveAclEntries },
  REMOVEDEFAULTACL: { method: 'PUT', handler: handleRemoveDefaultAcl },
  REMOVEACL: { method: 'PUT', handler: handleRemoveAcl },
  SETEXPIRY: { method: 'PUT', handler: handleSetExpiry },
  APPEND: { method: 'POST', handler: handleAppend },
  CONCURRENTAPPEND: { method: 'POST', handler: handleConcurrentAppend },
  CONCAT: { method: 'POST', handler: handleConcat },
  MSCONCAT: { method: 'POST', handler: handleConcat },
  DELETE: { method: 'DELETE', handler: handleDelete },
};

/** The operation for an upper-cased op name, or undefined for an unknown op. */
export function findOperation(op: string): Operation | undefined {
  return Object.prototype.hasOwnProperty.call(OPERATIONS, op) ? OPERATIONS[op] : undefined;
}

/** All operation names (for docs and tests). */
export const OPERATION_NAMES: readonly string[] = Object.keys(OPERATIONS);
