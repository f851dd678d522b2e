/**
 * Response writing with the headers the real Gen1 service sends on every answer (protocols.md A.4).
 * JSON and error bodies always carry a Content-Length (the Java SDK reads error bodies only then).
 */
import type { ServerResponse } from 'node:http';
import { GEN1_STATUS_CODES, type Gen1Error } from './errors.js';
import type { EntryRow, ListTuple } from './metadata.js';

export const WEBHDFS_VERSION = '17.04.24.00';

/** Sets the common Gen1 headers. */
export function setCommonHeaders(res: ServerResponse, requestId: string, statusCode: string = GEN1_STATUS_CODES.ok): void {
  res.setHeader('x-ms-request-id', requestId);
  res.setHeader('x-ms-webhdfs-version', WEBHDFS_VERSION);
  res.setHeader('Status', statusCode);
  res.setHeader('Cache-Control', 'no-cache, no-cache, no-store, max-age=0');
  res.setHeader('Expires', '-1');
  res.setHeader('Pragma', 'no-cache');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Strict-Transport-Security', 'max-age=15724800; includeSubDomains');
}

/** Sends a JSON text body. */
export function sendJson(res: ServerResponse, status: number, json: string): void {
  const body = Buffer.from(json, 'utf8');
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(body.length) });
  res.end(body);
}

/** Sends an empty success. */
export function sendEmpty(res: ServerResponse, status: number, extra: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Length': '0', ...extra });
  res.end();
}

/** Sends `{"boolean":value}`. */
export function sendBoolean(res: ServerResponse, value: boolean): void {
  sendJson(res, 200, `{"boolean":${value}}`);
}

/** Sends a RemoteException body (keys: exception, message, javaClassName), message suffixed like Gen1's. */
export function sendError(res: ServerResponse, error: Gen1Error, requestId: string, extra: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (error.statusCode !== undefined) res.setHeader('Status', error.statusCode);
  for (const [k, v] of Object.entries(extra)) res.setHeader(k, v);
  const message = `${error.message} [${requestId}][${new Date().toISOString()}]`;
  sendJson(
    res,
    error.status,
    `{"RemoteException":{"exception":${JSON.stringify(error.exception)},"message":${JSON.stringify(message)},"javaClassName":${JSON.stringify(error.javaClassName)}}}`,
  );
}

/** Gen1 permission text: 3 octal digits, with a leading `1` when the sticky bit is set. */
export function formatPermission(perm: number): string {
  const base = (perm & 0o777).toString(8).padStart(3, '0');
  return perm & 0o1000 ? `1${base}` : base;
}

/** FileStatus JSON object in the service's key order (A.6); `msExpirationTime` on files only. */
export function fileStatusJson(row: EntryRow, pathSuffix: string): string {
  const isFile = row.type === 'FILE';
  return (
    `{"length":${isFile ? row.length : 0},"pathSuffix":${JSON.stringify(pathSuffix)},"type":"${row.type}",` +
    `"blockSize":${isFile ? 268435456 : 0},"accessTime":${row.atime},"modificationTime":${row.mtime},` +
    `"replication":${isFile ? 1 : 0},"permission":"${formatPermission(row.perm)}","owner":${JSON.stringify(row.owner)},` +
    `"group":${JSON.stringify(row.grp)},${isFile ? `"msExpirationTime":${row.expiry},` : ''}"aclBit":${row.acl !== ''}}`
  );
}

const PERMISSION_TEXT = new Map<number, string>();
/** JSON string literal; skips JSON.stringify for the common case of nothing to escape. */
function quote(v: string): string {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c) return JSON.stringify(v);
  }
  return `"${v}"`;
}

function permissionText(perm: number): string {
  let t = PERMISSION_TEXT.get(perm);
  if (t === undefined) {
    t = formatPermission(perm);
    PERMISSION_TEXT.set(perm, t);
  }
  return t;
}

/**
 * FileStatus JSON for a listing tuple (same keys and order as fileStatusJson, pathSuffix = name).
 * `quoted` caches JSON-quoted owner/group strings, which repeat across a listing.
 */
export function listEntryJson(t: ListTuple, quoted: Map<string, string>): string {
  const owner = t[6];
  const group = t[7];
  let qo = quoted.get(owner);
  if (qo === undefined) {
    qo = quote(owner);
    quoted.set(owner, qo);
  }
  let qg = quoted.get(group);
  if (qg === undefined) {
    qg = quote(group);
    quoted.set(group, qg);
  }
  const isFile = t[1] !== 1;
  return (
    '{"length":' + (isFile ? t[2] : 0) + ',"pathSuffix":' + quote(t[0]) + (isFile ? ',"type":"FILE","blockSize":268435456' : ',"type":"DIRECTORY","blockSize":0') +
    ',"accessTime":' + t[3] + ',"modificationTime":' + t[4] + (isFile ? ',"replication":1' : ',"replication":0') +
    ',"permission":"' + permissionText(t[5]) + '","owner":' + qo + ',"group":' + qg +
    (isFile ? ',"msExpirationTime":' + t[8] : '') + ',"aclBit":' + (t[9] === 1 ? 'true' : 'false') + '}'
  );
}
