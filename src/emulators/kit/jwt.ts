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

function normalizeAudience(s: string): string {
  return s.replace(/\/+$/, '').toLowerCase();
}

/** Normalized accepted audiences per list (callers that pass one constant list normalize it once). */
const acceptedSets = new WeakMap<readonly string[], ReadonlySet<string>>();

function acceptedSet(accepted: readonly string[]): ReadonlySet<string> {
  let set = acceptedSets.get(accepted);
  if (set === undefined) {
    set = new Set(accepted.map(normalizeAudience));
    acceptedSets.set(accepted, set);
  }
  return set;
}

/** A decoded bearer token: its claims and its normalized audiences. */
interface DecodedBearer {
  claims: TokenClaims;
  audiences: readonly string[];
}

/**
 * Decoded tokens by exact `Authorization` header value. Decoding (split, base64, JSON.parse) is the
 * costly part of a check; the cheap rules (audience, exp, nbf, oid) still run on every request, so a
 * cached token is refused the moment it expires. Only well-formed JWTs are cached; the map is cleared
 * when it reaches its bound (clients hold a handful of tokens at a time).
 */
const decodedBearers = new Map<string, DecodedBearer>();
const DECODED_BEARERS_MAX = 1024;

function decodeBearer(header: string): DecodedBearer | string {
  const cached = decodedBearers.get(header);
  if (cached !== undefined) return cached;
  const m = /^Bearer\s+(\S+)$/i.exec(header.trim());
  if (!m || m[1] === undefined) return 'The Authorization header is not a Bearer token.';
  const claims = decodeJwt(m[1]);
  if (!claims) return 'The bearer token is not a JWT.';
  const aud = claims.aud;
  const list = aud === undefined ? [] : Array.isArray(aud) ? aud : [aud];
  // Non-string audiences never match. The claims are shared by every request with this token: frozen.
  const decoded: DecodedBearer = { claims: Object.freeze(claims), audiences: list.map((a) => (typeof a === 'string' ? normalizeAudience(a) : '\0')) };
  if (decodedBearers.size >= DECODED_BEARERS_MAX) decodedBearers.clear();
  decodedBearers.set(header, decoded);
  return decoded;
}

/**
 * Checks an `Authorization` header value: must be `Bearer <jwt>` whose audience is one of `audiences`,
 * that is not expired nor not-yet-valid (5 minutes of clock skew allowed) and carries an `oid`.
 * Pass the same `audiences` array on every call to have it normalized once.
 */
export function checkBearer(header: string | undefined, audiences: readonly string[], nowMs = Date.now()): TokenCheck {
  if (header === undefined || header === '') return { ok: false, reason: 'No Authorization header was sent.' };
  const decoded = decodeBearer(header);
  if (typeof decoded === 'string') return { ok: false, reason: decoded };
  const { claims } = decoded;
  const wanted = acceptedSet(audiences);
  if (!decoded.audiences.some((a) => wanted.has(a))) return { ok: false, reason: `The token audience is not ${audiences[0] ?? ''}.` };
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
