import { AUTH_FAILED_MESSAGE } from './auth/result.js';
import { delegationKeyValue, isoSeconds, MAX_KEY_LIFETIME_MS, type DelegationKeyFields } from './auth/user-delegation.js';
import { readSmallBody } from './blob-ops.js';
import type { Call } from './call.js';
import { parseXmlDocument, XmlSyntaxError } from '../kit/xml.js';
import { escapeXml, httpDate, sendXml, WireError } from './wire.js';

/**
 * Account-level Blob operations that HNS accounts serve: Get User Delegation Key (bearer callers only)
 * and Get Blob Service Stats (the `-secondary` endpoint of a read-access geo-redundant account).
 */

/** Tenant put in keys for tokens without a `tid` claim. */
const NO_TENANT = '00000000-0000-0000-0000-000000000000';

/** 403 for a user delegation key asked with anything but a bearer token (Azure's wording and detail). */
export const bearerOnly = (): WireError =>
  new WireError(403, 'AuthenticationFailed', `${AUTH_FAILED_MESSAGE}\nAuthenticationErrorDetail: Only authentication scheme Bearer is supported`, {}, { AuthenticationErrorDetail: 'Only authentication scheme Bearer is supported' });

const badNode = (name: string, why: string): WireError =>
  new WireError(400, 'InvalidXmlNodeValue', `The value for one of the XML nodes is not in the correct format: ${name}. ${why}`);

/** Start and expiry from `<KeyInfo><Start/><Expiry/></KeyInfo>`; throws the 400s Azure gives. */
function readKeyInfo(xml: string, now: number): { start: string; expiry: string } {
  let root;
  try {
    root = parseXmlDocument(xml, { maxDepth: 3, maxElements: 16 });
  } catch (e) {
    if (e instanceof XmlSyntaxError) throw new WireError(400, 'InvalidXmlDocument', `XML specified is not syntactically valid: ${e.message} Send <KeyInfo><Start>…</Start><Expiry>…</Expiry></KeyInfo>.`);
    throw e;
  }
  if (root.name !== 'KeyInfo') throw new WireError(400, 'InvalidXmlDocument', `XML specified is not syntactically valid: the root element is '${root.name}'; it must be KeyInfo.`);
  const text = (name: string): string | undefined => root.children.find((c) => c.name === name)?.text.trim();
  const expiryText = text('Expiry');
  if (expiryText === undefined || expiryText === '') throw new WireError(400, 'MissingRequiredXmlNode', 'An XML node that is mandatory for this request is not specified: Expiry.');
  const expiry = isoSeconds(expiryText);
  if (expiry === undefined) throw badNode('Expiry', `'${expiryText}' is not an ISO 8601 UTC date.`);
  const startText = text('Start');
  const start = startText === undefined || startText === '' ? isoSeconds(new Date(now).toISOString()) : isoSeconds(startText);
  if (start === undefined) throw badNode('Start', `'${startText ?? ''}' is not an ISO 8601 UTC date.`);
  if (Date.parse(expiry) <= Date.parse(start)) throw badNode('Expiry', `The expiry ${expiry} must be after the start ${start}.`);
  if (Date.parse(expiry) > now + MAX_KEY_LIFETIME_MS) throw badNode('Expiry', 'The expiry must be within 7 days of the current time.');
  return { start, expiry };
}

/** POST ?restype=service&comp=userdelegationkey — a key for the bearer caller (200 XML). */
export async function getUserDelegationKey(c: Call): Promise<void> {
  if (c.principal.kind !== 'bearer') throw bearerOnly();
  const { start, expiry } = readKeyInfo(await readSmallBody(c, 64 * 1024), c.now);
  const primary = c.ns.accountKeys.get(c.account)?.[0];
  if (primary === undefined) throw new WireError(404, 'AccountNotFound', 'The specified account does not exist.');
  const fields: DelegationKeyFields = { oid: c.principal.oid, tid: c.principal.tid ?? NO_TENANT, start, expiry, service: 'b', version: c.version };
  const value = delegationKeyValue(primary, fields).toString('base64');
  const e = escapeXml;
  sendXml(c, 200, `<UserDelegationKey><SignedOid>${e(fields.oid)}</SignedOid><SignedTid>${e(fields.tid)}</SignedTid><SignedStart>${start}</SignedStart><SignedExpiry>${expiry}</SignedExpiry><SignedService>b</SignedService><SignedVersion>${e(fields.version)}</SignedVersion><Value>${value}</Value></UserDelegationKey>`);
}

/** GET ?restype=service&comp=stats — geo-replication status, on the secondary endpoint only (200 XML). */
export function getServiceStats(c: Call): void {
  if (c.ns.secondaryReads?.has(c.account) !== true || c.secondary !== true) {
    throw new WireError(400, 'InvalidQueryParameterValue', "Value for one of the query parameters specified in the request URI is invalid: comp='stats'. Service stats are served by the secondary endpoint (ACCOUNT-secondary) of an account with read-access geo-redundant replication.");
  }
  // The emulator replicates synchronously: the secondary is always live and in sync.
  sendXml(c, 200, `<StorageServiceStats><GeoReplication><Status>live</Status><LastSyncTime>${httpDate(c.now)}</LastSyncTime></GeoReplication></StorageServiceStats>`);
}
