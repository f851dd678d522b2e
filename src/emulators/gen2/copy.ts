import { randomUUID } from 'node:crypto';
import { TLSSocket } from 'node:tls';
import { authenticate } from './auth/index.js';
import type { Call } from './call.js';
import type { Extent } from './bytes.js';
import { commitFile } from './data-ops.js';
import { checkPerm, checkTraverse, requireFs } from './namespace.js';
import { contentOf, readMetadata } from './present.js';
import { blobArchived, parsePriority, parseTier, tierOfPath } from './tiers.js';
import { header, httpDate, quoteEtag, sendEmpty, WireError } from './wire.js';

/**
 * Copy Blob (`PUT` with `x-ms-copy-source`) and Copy Blob From URL (`x-ms-requires-sync: true`) from a
 * blob of the same account on this emulator. The copy shares the source's stored chunks (no bytes are
 * copied) and completes at once: 202 with `x-ms-copy-status: success`.
 *
 * Source authorization follows the REST reference: a SAS on the source URL is checked (403
 * CannotVerifyCopySource when it does not grant read); without one, Copy Blob within the account is
 * authorized by the destination request, while Copy Blob From URL needs the source "public or
 * authorized via a shared access signature" (403 CannotVerifyCopySource).
 */

const cannotVerify = (): WireError =>
  new WireError(403, 'CannotVerifyCopySource', 'This request is not authorized to perform this operation using this permission. The copy source must carry a SAS that grants read.');

interface Source { account: string; fs: string; path: string; rawUrl: string; hasSas: boolean }

function parseSource(c: Call, value: string): Source {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new WireError(400, 'InvalidHeaderValue', `The value for one of the HTTP headers is not in the correct format: x-ms-copy-source '${value.slice(0, 200)}'. Use the absolute URL of a blob.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new WireError(400, 'InvalidHeaderValue', 'The value for one of the HTTP headers is not in the correct format: x-ms-copy-source must be an http or https URL.');
  let segs: string[];
  try {
    segs = url.pathname.split('/').slice(1).map((s) => decodeURIComponent(s));
  } catch {
    throw new WireError(400, 'InvalidHeaderValue', 'The value for one of the HTTP headers is not in the correct format: x-ms-copy-source is not correctly percent-encoded.');
  }
  const [account, fs, ...rest] = segs;
  if (account === undefined || !c.ns.accountKeys.has(account) || fs === undefined || fs === '' || rest.length === 0 || rest.join('/') === '') {
    throw new WireError(501, 'NotImplemented', 'Copy Blob is served from a blob of an account on this emulator (path-style URL http://HOST:PORT/ACCOUNT/CONTAINER/BLOB) only.');
  }
  if (account !== c.account) throw new WireError(501, 'NotImplemented', 'Copy Blob between two accounts is not supported by the lakeshift Gen2 emulator.');
  return { account, fs, path: rest.join('/'), rawUrl: `${url.pathname}${url.search}`, hasSas: url.searchParams.has('sig') };
}

/** PUT with x-ms-copy-source — 202, the copy complete (`x-ms-copy-status: success`), or pending while an Archive source rehydrates into it. */
export function copyBlob(c: Call): void {
  // Copy Blob From URL (x-ms-requires-sync) and Put Blob From URL (x-ms-blob-type) copy synchronously.
  const sync = (header(c.req, 'x-ms-requires-sync') ?? '').toLowerCase() === 'true' || header(c.req, 'x-ms-blob-type') !== undefined;
  const src = parseSource(c, header(c.req, 'x-ms-copy-source') ?? '');
  const sourceBearer = header(c.req, 'x-ms-copy-source-authorization');
  if (src.hasSas || (sync && sourceBearer !== undefined)) {
    // The source's own credentials: its SAS, or the bearer token in x-ms-copy-source-authorization.
    const auth = authenticate(
      { method: 'GET', rawUrl: src.rawUrl, headers: src.hasSas || sourceBearer === undefined ? {} : { authorization: sourceBearer }, secure: c.req.socket instanceof TLSSocket },
      { account: src.account, accounts: c.ns.accountKeys, anonymous: false, superusers: c.ns.superusers, filesystem: src.fs, path: src.path, permission: 'r', resourceType: 'o' },
    );
    if (!auth.ok) throw cannotVerify();
  } else if (sync) {
    throw cannotVerify();
  }
  requireFs(c.ns, 'blob', src.account, src.fs);
  checkTraverse(c.ns, c.principal, src.account, src.fs, src.path);
  const source = c.ns.db.getPath(src.account, src.fs, src.path);
  if (source === undefined) throw new WireError(404, 'CannotVerifyCopySource', 'The specified blob does not exist.');
  if (source.is_dir) throw new WireError(409, 'PathConflict', 'The copy source is a directory; Copy Blob copies files.');
  checkPerm(c.principal, source, 4);
  // An Archive source copies only asynchronously and into an online tier: the copy rehydrates
  // ("Rehydrate an archived blob to an online tier"), so it stays pending for the rehydration time.
  const target = parseTier(header(c.req, 'x-ms-access-tier'));
  const priority = parsePriority(header(c.req, 'x-ms-rehydrate-priority')) ?? 'Standard';
  const fromArchive = tierOfPath(c.ns.hns, source, c.now).tier === 'Archive';
  if (fromArchive && (sync || target === undefined || target === 'Archive')) throw blobArchived();
  // x-ms-source-content-md5 (synchronous forms): checked against the source's MD5 and echoed as Content-MD5.
  const sourceMd5 = sync ? header(c.req, 'x-ms-source-content-md5') : undefined;
  if (sourceMd5 !== undefined && source.md5 !== null && sourceMd5 !== source.md5) {
    throw new WireError(400, 'Md5Mismatch', 'The MD5 value specified in the request did not match with the MD5 value calculated by the server.', {}, { UserSpecifiedMd5: sourceMd5, ServerCalculatedMd5: source.md5 });
  }
  const given = readMetadata(c.req);
  const metadata = Object.keys(given).length > 0 ? given : (JSON.parse(source.metadata) as Record<string, string>);
  const extents = JSON.parse(source.extents) as Extent[];
  const out = c.ns.db.tx(() => {
    const committed = commitFile(c, extents, source.size, source.md5, contentOf(source), metadata);
    const id = fromArchive ? c.ns.db.pathId(c.account, c.fs ?? '', c.path) : undefined;
    if (id !== undefined && target !== undefined) {
      const ms = priority === 'High' ? c.ns.hns.options.rehydrateMs.high : c.ns.hns.options.rehydrateMs.standard;
      c.ns.hns.putTier({ path_id: id, tier: 'Archive', changed: c.now, rehydrate_to: target, rehydrate_priority: priority, rehydrate_at: c.now + ms });
      c.tierStored = true;
    }
    return committed;
  });
  const h: Record<string, string> = { ETag: quoteEtag(out.etag), 'Last-Modified': httpDate(out.modified), 'x-ms-copy-id': randomUUID(), 'x-ms-copy-status': c.tierStored === true ? 'pending' : 'success' };
  if (sync && sourceMd5 !== undefined) h['Content-MD5'] = sourceMd5;
  sendEmpty(c, 202, h);
}
