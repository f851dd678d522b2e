/**
 * Bearer-token handling shared by both emulators: the acceptance rule of Azurite's basic OAuth mode
 * (audience and expiry are checked, the signature is not) and minting of such tokens for tests and users.
 */
export const GEN1_AUDIENCE = 'https://datalake.azure.net/';
export const STORAGE_AUDIENCE = 'https://storage.azure.com';

export interface TokenClaims {
  oid?: string;
  aud?: string | string[];
  exp?: number;
  nbf?: number;
  iss?: string;
  tid?: string;
  upn?: string;
  [claim: string]: unknown;
}

export type TokenCheck = { ok: true; oid: string; claims: TokenClaims } | { ok: false; reason: string };

function b64url(data: string | Buffer): string {
  return Buffer.from(data).toString('base64url');
}

/** Decodes a JWT's payload without verifying its signature; undefined when it is not a JWT. */
export function decodeJwt(token: string): TokenClaims | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[1] === undefined) return undefined;
  try {
    const payload: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    return typeof payload === 'object' && payload !== null && !Array.isArray(payload) ? (payload as TokenClaims) : undefined;
  } catch {
    return undefined;
  }
}

function audienceMatches(aud: string | string[] | undefined, accepted: readonly string[]): boolean {
  const norm = (s: string): string => s.replace(/\/+$/, '').toLowerCase();
  const wanted = new Set(accepted.map(norm));
  const list = aud === undefined ? [] : Array.isArray(aud) ? aud : [aud];
  return list.some((a) => wanted.has(norm(a)));
}

/**
 * Checks an `Authorization` header value: must be `Bearer <jwt>` whose audience is one of `audiences`,
 * that is not expired nor not-yet-valid (5 minutes of clock skew allowed) and carries an `oid`.
 */
export function checkBearer(header: string | undefined, audiences: readonly string[], nowMs = Date.now()): TokenCheck {
  if (header === undefined || header === '') return { ok: false, reason: 'No Authorization header was sent.' };
  const m = /^Bearer\s+(\S+)$/i.exec(header.trim());
  if (!m || m[1] === undefined) return { ok: false, reason: 'The Authorization header is not a Bearer token.' };
  const claims = decodeJwt(m[1]);
  if (!claims) return { ok: false, reason: 'The bearer token is not a JWT.' };
  if (!audienceMatches(claims.aud, audiences)) return { ok: false, reason: `The token audience is not ${audiences[0] ?? ''}.` };
  const now = Math.floor(nowMs / 1000);
  const skew = 300;
  if (typeof claims.exp !== 'number' || claims.exp + skew < now) return { ok: false, reason: 'The token is expired.' };
  if (typeof claims.nbf === 'number' && claims.nbf - skew > now) return { ok: false, reason: 'The token is not yet valid.' };
  if (typeof claims.oid !== 'string' || claims.oid === '') return { ok: false, reason: 'The token has no oid claim.' };
  return { ok: true, oid: claims.oid, claims };
}

/**
 * Mints an unsigned-but-well-formed JWT (HS256 over a fixed local key) that the emulators accept.
 * Never valid against a real service.
 */
export function mintToken(options: {
  oid: string;
  audience: string;
  ttlSeconds?: number;
  tenantId?: string;
  upn?: string;
  /** Group object ids, emitted as the `groups` claim (the Gen1 emulator uses them for POSIX group checks). */
  groups?: readonly string[];
}): string {
  const now = Math.floor(Date.now() / 1000);
  const header = { alg: 'none', typ: 'JWT' };
  const payload: TokenClaims = {
    aud: options.audience,
    iss: `https://sts.windows.net/${options.tenantId ?? '00000000-0000-0000-0000-000000000000'}/`,
    iat: now,
    nbf: now - 60,
    exp: now + (options.ttlSeconds ?? 3600),
    oid: options.oid,
    tid: options.tenantId ?? '00000000-0000-0000-0000-000000000000',
    ...(options.upn === undefined ? {} : { upn: options.upn }),
    ...(options.groups === undefined ? {} : { groups: [...options.groups] }),
  };
  return `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}.${b64url('lakeshift-emulator')}`;
}
