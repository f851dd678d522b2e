/**
 * OAuth bearer tokens for the Gen2 emulator, following Azurite's basic OAuth mode: the audience, the
 * validity window and the `oid` are checked, the signature is not. Bearer tokens are accepted over plain
 * HTTP too (clients normally refuse to send them without TLS; raw-HTTP tests may).
 */
import { checkBearer, STORAGE_AUDIENCE } from '../../kit/jwt.js';
import { deny } from './result.js';
import type { AuthContext, AuthResult, Principal } from './types.js';

/** Audiences a storage token may carry for `account` (trailing slashes and case do not matter). */
export function storageAudiences(account: string): string[] {
  return [
    STORAGE_AUDIENCE,
    'https://storage.azure.com/',
    `https://${account}.blob.core.windows.net`,
    `https://${account}.dfs.core.windows.net`,
  ];
}

/** Value for the `WWW-Authenticate` header that accompanies a 401, as Azure Storage sends it. */
export const BEARER_CHALLENGE =
  'Bearer authorization_uri=https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/oauth2/authorize resource_id=https://storage.azure.com';

function groupsOf(claims: Record<string, unknown>): string[] {
  const groups = claims['groups'];
  return Array.isArray(groups) ? groups.filter((g): g is string => typeof g === 'string') : [];
}

/**
 * Verifies `Authorization: Bearer <jwt>`. Accepts with the token's `oid` as principal (superuser when
 * listed in `context.superusers`, groups from the `groups` claim); refuses with 401
 * InvalidAuthenticationInfo (send BEARER_CHALLENGE as WWW-Authenticate) when the token is malformed,
 * expired, not yet valid, for another audience or without `oid`.
 */
export function checkBearerToken(header: string, context: AuthContext): AuthResult {
  const check = checkBearer(header, storageAudiences(context.account), context.nowMs ?? Date.now());
  if (!check.ok) {
    return deny(401, 'InvalidAuthenticationInfo', `Server failed to authenticate the request. Please refer to the information in the www-authenticate header.\nAuthenticationErrorDetail: ${check.reason}`);
  }
  const principal: Principal = {
    kind: 'bearer',
    oid: check.oid,
    superuser: context.superusers.has(check.oid),
    groups: groupsOf(check.claims),
  };
  const tid = check.claims['tid'];
  if (typeof tid === 'string' && tid !== '') principal.tid = tid;
  return { ok: true, principal };
}
