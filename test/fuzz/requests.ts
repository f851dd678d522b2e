import { request as httpRequest } from 'node:http';
import fc from 'fast-check';

/** Random HTTP requests for the request-parsing fuzz tests (emulators and gateway). */

export const RUNS = Number(process.env['LAKESHIFT_FUZZ_RUNS'] ?? 400);

export interface Sent { status: number; body: string }

/** Sends one raw request; `undefined` when Node's own client refuses to send it (not the server's doing). */
export function sendRaw(base: string, method: string, path: string, headers: Record<string, string>, body: Buffer): Promise<Sent | undefined> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    let req;
    try {
      req = httpRequest({ host: url.hostname, port: url.port, method, path, headers: { ...headers, 'Content-Length': String(body.length) } }, (res) => {
        const parts: Buffer[] = [];
        res.on('data', (d: Buffer) => parts.push(d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString('utf8') }));
        res.on('error', reject);
      });
    } catch {
      resolve(undefined);
      return;
    }
    req.on('error', reject);
    req.end(body);
  });
}

const segment = fc.oneof(
  fc.constantFrom('raw', 'a b', '%20', '%2e%2e', '%2E', '..', '.', '%2F', '%5C', '%00', '%', '%zz', '%C3%A9', 'e%CC%81', '%F0%9F%98%80', '~', '$', '@', ':', ';', '+', '_x', 'x'.repeat(300), 'webhdfs', 'v1', 'WebHdfsExt', 'devstoreaccount1', 'fuzz', 'dir', 'file.txt'),
  fc.stringMatching(/^[A-Za-z0-9._~-]{0,12}$/),
);
const rawPath = fc.array(segment, { maxLength: 7 }).map((s) => `/${s.join('/')}`);
const queryName = fc.constantFrom('op', 'resource', 'action', 'comp', 'restype', 'position', 'offset', 'length', 'recursive', 'continuation', 'maxResults', 'maxresults', 'prefix', 'directory', 'timeout', 'permission', 'owner', 'group', 'aclspec', 'destination', 'sources', 'overwrite', 'append', 'expiryOption', 'expireTime', 'listSize', 'listAfter', 'mode', 'retainUncommittedData', 'close', 'blockid', 'blocklisttype', 'include', 'marker', 'delimiter', 'upn', 'sv', 'sig', 'se', 'sp', 'sr', 'ss', 'srt', 'api-version', 'read', 'flush', 'leaseid', 'syncFlag', 'filesessionid', 'x');
const queryValue = fc.oneof(
  fc.constantFrom('', 'LISTSTATUS', 'GETFILESTATUS', 'MKDIRS', 'CREATE', 'APPEND', 'CONCURRENTAPPEND', 'OPEN', 'DELETE', 'RENAME', 'SETPERMISSION', 'SETOWNER', 'SETACL', 'MODIFYACLENTRIES', 'REMOVEACLENTRIES', 'REMOVEDEFAULTACL', 'GETACLSTATUS', 'CONCAT', 'MSCONCAT', 'GETCONTENTSUMMARY', 'SETEXPIRY', 'CHECKACCESS', 'GETFILECHECKSUM', 'file', 'directory', 'append', 'flush', 'setAccessControl', 'setAccessControlRecursive', 'getAccessControl', 'getStatus', 'lease', 'block', 'blocklist', 'metadata', 'properties', 'list', 'container', 'service', 'account', 'true', 'false', '-1', '0', '1', '9999999999999999999', '1e3', '0x10', 'NaN', 'user::rwx', 'user:x:q', '777', '1777', '8888', '%2e%2e', '/../x', 'A%3D%3D', '*'),
  fc.stringMatching(/^[A-Za-z0-9%._~:-]{0,16}$/),
);
const query = fc.array(fc.tuple(queryName, queryValue), { maxLength: 6 }).map((pairs) => pairs.map(([n, v]) => `${n}=${v}`).join('&'));
const headerName = fc.constantFrom('x-ms-version', 'x-ms-date', 'x-ms-lease-id', 'x-ms-lease-action', 'x-ms-lease-duration', 'x-ms-proposed-lease-id', 'x-ms-lease-break-period', 'x-ms-rename-source', 'x-ms-source-lease-id', 'x-ms-owner', 'x-ms-group', 'x-ms-permissions', 'x-ms-umask', 'x-ms-acl', 'x-ms-properties', 'x-ms-blob-type', 'x-ms-blob-content-md5', 'x-ms-content-md5', 'content-md5', 'content-type', 'range', 'x-ms-range', 'x-ms-range-get-content-md5', 'if-match', 'if-none-match', 'if-modified-since', 'if-unmodified-since', 'x-ms-source-if-match', 'x-ms-meta-a', 'x-ms-expiry-option', 'x-ms-expiry-time', 'x-ms-copy-source', 'x-ms-blob-public-access', 'x-ms-client-request-id', 'accept', 'x-ms-encryption-scope');
const headerValue = fc.oneof(
  fc.constantFrom('', ' ', '2021-12-02', '2017-04-17', '9999-99-99', 'acquire', 'renew', 'break', 'release', 'change', '-1', '15', '61', '0', 'bytes=0-', 'bytes=5-2', 'bytes=-3', 'bytes=0-0,2-3', '*', '"0x1"', 'W/"x"', 'Thu, 01 Jan 1970 00:00:00 GMT', 'not a date', 'true', 'rwxrwxrwx', 'rwx', '0777', '9999', 'user::rwx,group::r-x,other::---', 'user:oid:rwx', 'a=YQ==', 'a=%%%', 'BlockBlob', 'AppendBlob', 'PageBlob', 'AAAAAAAAAAAAAAAAAAAAAA==', 'short', '/devstoreaccount1/fuzz/a', '/fuzz/../../etc', 'application/json', 'application/xml'),
  fc.stringMatching(/^[\x20-\x7e]{0,24}$/),
);
const headers = fc.dictionary(headerName, headerValue, { maxKeys: 5 });
const body = fc.oneof(
  fc.constant(Buffer.alloc(0)),
  fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
  fc.constantFrom('<?xml version="1.0"?><BlockList><Latest>AAAA</Latest></BlockList>', '<BlockList/>', '<BlockList><Latest>', '{"aclspec":"user::rwx"}', '{', '<x><!DOCTYPE a [<!ENTITY b SYSTEM "file:///etc/passwd">]></x>').map((s) => Buffer.from(s)),
);
const method = fc.constantFrom('GET', 'HEAD', 'PUT', 'POST', 'PATCH', 'DELETE', 'OPTIONS', 'MKCOL', 'TRACE');
export const request = fc.record({ method, path: rawPath, query, headers, body });

/** Statuses a storage service gives; 500 and dropped connections are what this test hunts. */
export function plausible(status: number): boolean {
  return (status >= 200 && status < 500) || status === 501 || status === 503;
}

