/**
 * User delegation keys and user delegation SAS. A key is never stored: its value is an HMAC, under the
 * account key, of the fields the SAS repeats (skoid, sktid, skt, ske, sks, skv), so the emulator derives
 * it again when a SAS arrives, across restarts, and either account key can have issued it.
 */
import { createHmac } from 'node:crypto';
import { authFailed } from './result.js';
import type { SasParams } from './sas.js';
import type { AuthContext, AuthResult, Principal } from './types.js';

/** Longest validity of a user delegation key (Azure: seven days from the request). */
export const MAX_KEY_LIFETIME_MS = 7 * 24 * 3600_000;

export interface DelegationKeyFields {
  oid: string;
  tid: string;
  /** ISO 8601 UTC, seconds precision, as returned in SignedStart / SignedExpiry. */
  start: string;
  expiry: string;
  service: string;
  version: string;
}

/** `2026-12-03T14:00:00Z` form of an ISO date (what the SDKs put in skt/ske); undefined when unparsable. */
export function isoSeconds(text: string): string | undefined {
  const t = Date.parse(text);
  if (Number.isNaN(t)) return undefined;
  return `${new Date(t).toISOString().slice(0, 19)}Z`;
}

/** The key value (32 bytes) for these fields under one account key. */
export function delegationKeyValue(accountKey: Buffer, f: DelegationKeyFields): Buffer {
  return createHmac('sha256', accountKey).update(['lakeshift-user-delegation-key', f.oid, f.tid, f.start, f.expiry, f.service, f.version].join('\n'), 'utf8').digest();
}

const field = (params: SasParams, name: string): string => params.get(name) ?? '';

/**
 * String-to-sign of a user delegation SAS for the version in `sv` (layouts 2018-11-09, 2020-02-10,
 * 2020-12-06, 2025-07-05 and 2026-04-06, as the official SDKs sign them).
 */
export function userDelegationStringToSign(params: SasParams, resource: string, timestamp: string): string {
  const sv = field(params, 'sv');
  const f = (name: string): string => field(params, name);
  const parts = [f('sp'), f('st'), f('se'), resource, f('skoid'), f('sktid'), f('skt'), f('ske'), f('sks'), f('skv')];
  if (sv >= '2020-02-10') parts.push(f('saoid'), f('suoid'), f('scid'));
  if (sv >= '2025-07-05') parts.push(f('skdutid'), f('sduoid'));
  parts.push(f('sip'), f('spr'), sv, f('sr'), timestamp);
  if (sv >= '2020-12-06') parts.push(f('ses'));
  if (sv >= '2026-04-06') parts.push('', '');
  parts.push(f('rscc'), f('rscd'), f('rsce'), f('rscl'), f('rsct'));
  return parts.join('\n');
}

/** What a user delegation SAS contributes once its key fields check out. */
export interface UserDelegation { keys: Buffer[]; principal: Principal }

/**
 * Checks the key part of a user delegation SAS (the key's validity window, service and fields) and
 * returns the derived signing keys and the caller it acts as: the authorized user `saoid` (no ACL check,
 * as Azure skips POSIX checks for a preauthorized agent), else `suoid` (ACL-checked), else the key's
 * owner `skoid` (superuser when listed as one). Refusals are 403 AuthenticationFailed.
 */
export function checkUserDelegation(params: SasParams, context: AuthContext, accountKeys: Buffer[]): UserDelegation | { refusal: AuthResult } {
  if (field(params, 'srh') !== '' || field(params, 'srq') !== '') {
    return { refusal: authFailed('Signed request headers and query parameters (srh, srq) are not supported by this emulator; sign the SAS without them.') };
  }
  const oid = field(params, 'skoid');
  const start = isoSeconds(field(params, 'skt'));
  const expiry = isoSeconds(field(params, 'ske'));
  if (start === undefined || expiry === undefined) {
    return { refusal: authFailed(`The signed key start (skt) and expiry (ske) must be ISO 8601 dates; got '${field(params, 'skt')}' and '${field(params, 'ske')}'.`) };
  }
  const now = context.nowMs ?? Date.now();
  if (now >= Date.parse(expiry) || now < Date.parse(start)) {
    return { refusal: authFailed(`The user delegation key is not valid now: SignedStart [${start}] - SignedExpiry [${expiry}] - Current [${new Date(now).toISOString()}].`) };
  }
  const se = Date.parse(field(params, 'se'));
  if (!Number.isNaN(se) && se > Date.parse(expiry)) {
    return { refusal: authFailed(`The SAS expiry (se) is after the user delegation key's expiry (ske ${expiry}); ask for a key that lasts as long as the SAS.`) };
  }
  if (field(params, 'sks') !== 'b') return { refusal: authFailed(`The signed key service sks='${field(params, 'sks')}' is not b (Blob and DFS keys are issued for b).`) };
  const fields: DelegationKeyFields = { oid, tid: field(params, 'sktid'), start, expiry, service: 'b', version: field(params, 'skv') };
  const keys = accountKeys.map((k) => delegationKeyValue(k, fields));
  const preauthorized = field(params, 'saoid');
  const unauthorized = field(params, 'suoid');
  const acting = preauthorized !== '' ? preauthorized : unauthorized !== '' ? unauthorized : oid;
  const superuser = preauthorized !== '' || context.superusers.has(acting);
  return { keys, principal: { kind: 'user-delegation', oid: acting, superuser, groups: [] } };
}
