/**
 * Authentication for the Gen2 emulator: decides, for every request, who the caller is or why it is
 * refused, with Azure's status codes and error codes. Precedence: an Authorization header (Shared Key,
 * Shared Key Lite or Bearer) wins; otherwise a SAS in the query; otherwise anonymous access when the
 * emulator allows it.
 *
 * Keys in `AuthContext.accounts` are the raw key bytes (the base64 account key decoded).
 */
import { BEARER_CHALLENGE, checkBearerToken } from './bearer.js';
import { allowKeyHolder, deny, headerValue } from './result.js';
import { checkSas, hasSas, parseSasParams } from './sas.js';
import { checkSharedKey, parseSharedKeyHeader } from './shared-key.js';
import type { AuthRequest, AuthResult, Authenticate } from './types.js';

export type * from './types.js';
export { BEARER_CHALLENGE, storageAudiences } from './bearer.js';
export { MAX_CLOCK_SKEW_MS } from './shared-key.js';
export { SUPERUSER_OID } from './result.js';

/** Authenticates one request; never throws. See the module comment for precedence. */
export const authenticate: Authenticate = (request, context) => {
  const authorization = headerValue(request.headers, 'authorization').trim();
  if (authorization !== '') {
    if (/^bearer\s/i.test(authorization)) return checkBearerToken(authorization, context);
    const sharedKey = parseSharedKeyHeader(authorization);
    if (sharedKey) return checkSharedKey(request, context, sharedKey);
    return deny(400, 'InvalidAuthenticationInfo', 'Authentication information is not given in the correct format. Check the value of Authorization header: expected "SharedKey account:signature" or "Bearer token".');
  }
  const sas = parseSasParams(request.rawUrl);
  if (hasSas(sas)) return checkSas(request, context, sas);
  if (context.anonymous) return allowKeyHolder('anonymous');
  return deny(401, 'NoAuthenticationInformation', 'Server failed to authenticate the request. Please refer to the information in the www-authenticate header. Send a Shared Key Authorization header, a SAS or a bearer token, or start the emulator with --anonymous.');
};

/**
 * Account named by a `SharedKey`/`SharedKeyLite` Authorization header, for resolving account-less
 * path-style URLs (the JS SDK's `move()` drops the account segment); undefined for other schemes.
 */
export function accountFromAuthorization(headers: AuthRequest['headers']): string | undefined {
  return parseSharedKeyHeader(headerValue(headers, 'authorization'))?.account;
}

/** `WWW-Authenticate` value to send with a refusal, when Azure sends one (every 401). */
export function challengeFor(result: AuthResult): string | undefined {
  return !result.ok && result.status === 401 ? BEARER_CHALLENGE : undefined;
}
