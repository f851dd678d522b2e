import { Gen1Failure } from './gen1-errors.js';

/**
 * Bearer tokens as the Gen1 emulator checks them (audience, expiry, not-before with 5 minutes of skew,
 * an `oid`; the signature is not verified, as in Azurite's basic OAuth mode), written independently of
 * the emulator. A token for https://datalake.azure.net/ is a Gen1 caller; a token for
 * https://storage.azure.com is passed through to Gen2, which then decides (its audience is storage).
 * Tokens are never logged or echoed: failures name the rule, not the token.
 */

export const GEN1_AUDIENCE = 'https://datalake.azure.net/';
export const STORAGE_AUDIENCE = 'https://storage.azure.com/';
const SKEW_SECONDS = 300;

export interface Caller {
  oid: string;
  groups: ReadonlySet<string>;
  /** 'gen1': act with the gateway's own Gen2 credential; 'storage': send `token` to Gen2. */
  audience: 'gen1' | 'storage';
  /** The raw token (storage audience only, for pass-through). Secret. */
  token?: string;
}

function normalize(aud: string): string {
  return aud.replace(/\/+$/, '').toLowerCase();
}

function claimsOf(token: string): Record<string, unknown> | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[1] === undefined) return undefined;
  try {
    const payload: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    return typeof payload === 'object' && payload !== null && !Array.isArray(payload) ? (payload as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const refuse = (why: string): Gen1Failure =>
  new Gen1Failure('SecurityException', `Authentication failed: ${why} Send 'Authorization: Bearer <token>' for ${GEN1_AUDIENCE} (or for ${STORAGE_AUDIENCE} to act with your own Gen2 identity).`);

/** Checks an Authorization header; returns the caller or throws Gen1Failure (401 SecurityException). */
export function authenticate(header: string | undefined, nowMs: number = Date.now()): Caller {
  if (header === undefined || header === '') throw refuse('no Authorization header was sent.');
  const m = /^Bearer\s+(\S+)$/i.exec(header.trim());
  if (m === null || m[1] === undefined) throw refuse('the Authorization header is not a Bearer token.');
  const token = m[1];
  const claims = claimsOf(token);
  if (claims === undefined) throw refuse('the bearer token is not a JWT.');
  const raw = claims['aud'];
  const auds = (Array.isArray(raw) ? raw : [raw]).filter((a): a is string => typeof a === 'string').map(normalize);
  const audience = auds.includes(normalize(GEN1_AUDIENCE)) ? 'gen1' : auds.includes(normalize(STORAGE_AUDIENCE)) ? 'storage' : undefined;
  if (audience === undefined) throw refuse(`the token audience is not ${GEN1_AUDIENCE}.`);
  const now = Math.floor(nowMs / 1000);
  const exp = claims['exp'];
  const nbf = claims['nbf'];
  if (typeof exp !== 'number' || exp + SKEW_SECONDS < now) throw refuse('the token is expired.');
  if (typeof nbf === 'number' && nbf - SKEW_SECONDS > now) throw refuse('the token is not yet valid.');
  const oid = claims['oid'];
  if (typeof oid !== 'string' || oid === '') throw refuse('the token has no oid claim.');
  const g = claims['groups'];
  const groups = new Set(Array.isArray(g) ? g.filter((x): x is string => typeof x === 'string') : []);
  return audience === 'storage' ? { oid, groups, audience, token } : { oid, groups, audience };
}
