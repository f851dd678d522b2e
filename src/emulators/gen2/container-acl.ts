import type { IncomingMessage } from 'node:http';
import type { StoredPolicy } from './auth/types.js';
import { readSmallBody } from './blob-ops.js';
import type { Call } from './call.js';
import { checkConditions, leaseState } from './conditions.js';
import type { HnsStore } from './hns-store.js';
import { isSuper, requireFs } from './namespace.js';
import { child, parseXmlTree } from './xml-tree.js';
import { escapeXml, header, httpDate, newEtag, quoteEtag, sendEmpty, sendXml, WireError } from './wire.js';

/**
 * Container public access levels and stored access policies (Get/Set Container ACL, REST reference
 * "Set Container ACL", "Define a stored access policy"): `x-ms-blob-public-access` is `container`
 * (anonymous List Blobs, container properties and metadata, blob reads) or `blob` (anonymous blob
 * reads only), absent for private; at most five signed identifiers of at most 64 characters, each
 * with optional Start, Expiry and Permission. A service SAS naming one with `si` takes the fields
 * it leaves out from the policy (auth/sas.ts).
 */

export type PublicAccess = 'container' | 'blob';

const MAX_IDENTIFIERS = 5;
const MAX_ID_LENGTH = 64;
const POLICY_PERMISSIONS = /^[racwdxyltfmeopi]*$/;

/** Azure's answer on an account whose AllowBlobPublicAccess is false, to a public level and to anonymous requests. */
export const publicAccessNotPermitted = (): WireError => new WireError(409, 'PublicAccessNotPermitted', 'Public access is not permitted on this storage account.');

/**
 * Parses `x-ms-blob-public-access`: undefined for absent or empty (private); 400 InvalidHeaderValue for
 * another value; 409 PublicAccessNotPermitted for a level when the account disallows public access.
 */
export function parsePublicAccess(req: IncomingMessage, allowed: boolean): PublicAccess | undefined {
  const v = header(req, 'x-ms-blob-public-access');
  if (v === undefined || v === '') return undefined;
  if ((v === 'container' || v === 'blob') && !allowed) throw publicAccessNotPermitted();
  if (v === 'container' || v === 'blob') return v;
  throw new WireError(400, 'InvalidHeaderValue', `The value for one of the HTTP headers is not in the correct format: x-ms-blob-public-access '${v.slice(0, 40)}'. Use container or blob, or leave it out for private access.`);
}

/** The stored public access level of a container (undefined: private). */
export function publicAccessOf(hns: HnsStore, account: string, fs: string): PublicAccess | undefined {
  const v = hns.containerAcl(account, fs)?.public_access;
  return v === 'container' || v === 'blob' ? v : undefined;
}

/** The stored access policy `id` of a container, for a service SAS with `si`; undefined when there is none. */
export function storedPolicy(hns: HnsStore, account: string, fs: string, id: string): StoredPolicy | undefined {
  const row = hns.containerAcl(account, fs);
  if (row === undefined) return undefined;
  return (JSON.parse(row.identifiers) as StoredPolicy[]).find((p) => p.id === id);
}

/**
 * Operations an anonymous caller may perform on a public container ("Configure anonymous read access
 * for containers and blobs"): `blob` grants reads of blobs, `container` also List Blobs and the
 * container's properties and metadata. Nothing else, and nothing on a private container.
 */
export function anonymousAllowed(access: PublicAccess | undefined, operation: string): boolean {
  if (access === undefined) return false;
  if (operation === 'GetBlob' || operation === 'GetBlobProperties' || operation === 'GetBlockList') return true;
  return access === 'container' && (operation === 'ListBlobs' || operation === 'GetContainerProperties');
}

function checkContainerLease(c: Call, lease: string | null): void {
  const given = header(c.req, 'x-ms-lease-id');
  if (given === undefined) return;
  const { state, info } = leaseState(lease, c.now);
  if (state !== 'leased' && state !== 'breaking') throw new WireError(412, 'LeaseNotPresentWithContainerOperation', 'There is currently no lease on the container.');
  if (info?.id !== given) throw new WireError(412, 'LeaseIdMismatchWithContainerOperation', 'The lease ID specified did not match the lease ID for the container.');
}

/** Only the account owner reads or writes a container's ACL (Shared Key, or a bearer superuser); SAS callers get 403. */
function requireOwner(c: Call): void {
  if (c.principal.kind === 'sas' || c.principal.kind === 'user-delegation' || !isSuper(c.principal)) {
    throw new WireError(403, 'AuthorizationPermissionMismatch', 'This request is not authorized to perform this operation using this permission. Only the account owner (Shared Key or a bearer token with data owner rights) may get or set a container ACL.');
  }
}

/** Parses a Set Container ACL body into stored policies; 400 InvalidXmlDocument / InvalidXmlNodeValue. */
export function parseSignedIdentifiers(xml: string): StoredPolicy[] {
  if (xml.trim() === '') return [];
  const root = parseXmlTree(xml);
  if (root.name !== 'SignedIdentifiers') throw new WireError(400, 'InvalidXmlDocument', `XML specified is not syntactically valid: the root element is ${root.name}, not SignedIdentifiers.`);
  const bad = (what: string): WireError => new WireError(400, 'InvalidXmlNodeValue', `The value for one of the XML nodes is not in the correct format: ${what}.`);
  const out: StoredPolicy[] = [];
  for (const el of root.children) {
    if (el.name !== 'SignedIdentifier') throw new WireError(400, 'InvalidXmlDocument', `XML specified is not syntactically valid: unexpected element ${el.name} in SignedIdentifiers.`);
    const id = child(el, 'Id')?.text.trim() ?? '';
    if (id === '' || id.length > MAX_ID_LENGTH) throw bad(`Id must be 1 to ${MAX_ID_LENGTH} characters`);
    if (out.some((p) => p.id === id)) throw bad(`Id '${id}' is given twice`);
    const policy = child(el, 'AccessPolicy');
    const p: StoredPolicy = { id };
    for (const [name, key] of [['Start', 'start'], ['Expiry', 'expiry']] as const) {
      const v = policy === undefined ? undefined : child(policy, name)?.text.trim();
      if (v === undefined || v === '') continue;
      if (Number.isNaN(Date.parse(v))) throw bad(`${name} '${v.slice(0, 40)}' is not an ISO 8601 date`);
      p[key] = v;
    }
    const perm = policy === undefined ? undefined : child(policy, 'Permission')?.text.trim();
    if (perm !== undefined && perm !== '') {
      if (!POLICY_PERMISSIONS.test(perm)) throw bad(`Permission '${perm.slice(0, 40)}' has a letter a container policy does not know`);
      p.permission = perm;
    }
    out.push(p);
  }
  if (out.length > MAX_IDENTIFIERS) throw new WireError(400, 'InvalidXmlDocument', `XML specified is not syntactically valid: at most ${MAX_IDENTIFIERS} signed identifiers may be set on a container; got ${out.length}.`);
  return out;
}

/** GET ?restype=container&comp=acl — 200 with the public access header and the signed identifiers. */
export function getContainerAcl(c: Call): void {
  requireOwner(c);
  const row = requireFs(c.ns, 'blob', c.account, c.fs);
  checkContainerLease(c, row.lease);
  const acl = c.ns.hns.containerAcl(c.account, row.name);
  const policies = acl === undefined ? [] : (JSON.parse(acl.identifiers) as StoredPolicy[]);
  const items = policies.map((p) => {
    const fields = [p.start === undefined ? '' : `<Start>${escapeXml(p.start)}</Start>`, p.expiry === undefined ? '' : `<Expiry>${escapeXml(p.expiry)}</Expiry>`, p.permission === undefined ? '' : `<Permission>${p.permission}</Permission>`];
    return `<SignedIdentifier><Id>${escapeXml(p.id)}</Id><AccessPolicy>${fields.join('')}</AccessPolicy></SignedIdentifier>`;
  });
  const h: Record<string, string> = { ETag: quoteEtag(row.etag), 'Last-Modified': httpDate(row.modified) };
  const access = publicAccessOf(c.ns.hns, c.account, row.name);
  if (access !== undefined) h['x-ms-blob-public-access'] = access;
  sendXml(c, 200, `<SignedIdentifiers>${items.join('')}</SignedIdentifiers>`, h);
}

/** PUT ?restype=container&comp=acl — replaces the public access level and every stored policy (200). */
export async function setContainerAcl(c: Call): Promise<void> {
  requireOwner(c);
  const access = parsePublicAccess(c.req, c.ns.publicAccessAllowed !== false);
  const policies = parseSignedIdentifiers(await readSmallBody(c, 64 * 1024));
  const out = c.ns.db.tx(() => {
    const row = requireFs(c.ns, 'blob', c.account, c.fs);
    checkConditions(c.req, row, { read: false });
    checkContainerLease(c, row.lease);
    c.ns.hns.putContainerAcl({ account: c.account, fs: row.name, public_access: access ?? null, identifiers: JSON.stringify(policies) });
    const etag = newEtag();
    c.ns.db.updateFs({ ...row, etag, modified: c.now });
    return { etag };
  });
  sendEmpty(c, 200, { ETag: quoteEtag(out.etag), 'Last-Modified': httpDate(c.now) });
}
