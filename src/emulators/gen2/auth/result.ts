import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import type { AuthContext, AuthResult, Principal } from './types.js';

/** Identity Azure gives Shared Key, SAS and anonymous callers. */
export const SUPERUSER_OID = '$superuser';

/** A refusal as Azure words it: status, `x-ms-error-code` and message. */
export function deny(status: 400 | 401 | 403, code: string, message: string): AuthResult {
  return { ok: false, status, code, message };
}

/** Acceptance of a key-based caller (Shared Key or SAS): always `$superuser`. */
export function allowKeyHolder(kind: 'shared-key' | 'sas' | 'anonymous'): AuthResult {
  const principal: Principal = { kind, oid: SUPERUSER_OID, superuser: true, groups: [] };
  return { ok: true, principal };
}

/** Message Azure uses for every signature-related AuthenticationFailed. */
export const AUTH_FAILED_MESSAGE =
  'Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.';

/** 403 AuthenticationFailed with Azure's message plus a detail line that never contains secrets. */
export function authFailed(detail: string): AuthResult {
  return deny(403, 'AuthenticationFailed', `${AUTH_FAILED_MESSAGE}\nAuthenticationErrorDetail: ${detail}`);
}

/** Keys configured for `account` (empty when the account is unknown). */
export function keysOf(context: AuthContext, account: string): Buffer[] {
  const keys = context.accounts.get(account);
  if (keys === undefined) return [];
  return Buffer.isBuffer(keys) ? [keys] : [...keys];
}

// Account keys live as long as the emulator; importing one as a KeyObject once spares it on every HMAC.
const keyObjects = new WeakMap<Buffer, KeyObject>();

function keyObjectOf(key: Buffer): KeyObject {
  let k = keyObjects.get(key);
  if (k === undefined) {
    k = createSecretKey(key);
    keyObjects.set(key, k);
  }
  return k;
}

/** HMAC-SHA256 (raw bytes) of the UTF-8 string under `key`. */
export function signString(key: Buffer, stringToSign: string): Buffer {
  return createHmac('sha256', keyObjectOf(key)).update(stringToSign, 'utf8').digest();
}

/**
 * True when `presented` (base64 as sent by the client) equals the HMAC of `stringToSign` under `key`.
 * Compares in constant time; a malformed signature is simply unequal.
 */
export function signatureMatches(presented: Buffer, key: Buffer, stringToSign: string): boolean {
  const expected = signString(key, stringToSign);
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}

/** Decodes a base64 signature; undefined when it is not 32 bytes of base64 (an HMAC-SHA256). */
export function decodeSignature(signature: string): Buffer | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(signature)) return undefined;
  const bytes = Buffer.from(signature, 'base64');
  return bytes.length === 32 ? bytes : undefined;
}

/** First value of a header as a string ('' when absent). */
export function headerValue(headers: AuthContextHeaders, name: string): string {
  const value = headers[name];
  if (value === undefined) return '';
  return Array.isArray(value) ? value.join(', ') : value;
}

export type AuthContextHeaders = Readonly<Record<string, string | string[] | undefined>>;
