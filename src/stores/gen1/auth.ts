import type { TokenCredential } from '@azure/identity';
import { StorageError } from '../../core/errors.js';

/** Audience of Gen1 tokens and the v2 scope asked of credentials (the double slash is intended). */
export const GEN1_TOKEN_AUDIENCE = 'https://datalake.azure.net/';
export const GEN1_TOKEN_SCOPE = 'https://datalake.azure.net//.default';
/** The Gen1 emulator's built-in superuser (documented by the emulator; duplicated: stores never import emulators). */
export const GEN1_EMULATOR_ADMIN_OID = '0a000000-0000-4000-8000-000000000001';

/** Returns a bearer token (without the `Bearer ` prefix), refreshing it before it expires. */
export type TokenProvider = (signal?: AbortSignal) => Promise<string>;

const REFRESH_MARGIN_MS = 5 * 60_000;

/**
 * Mints an unsigned token the emulators accept (audience, expiry and oid are all they check).
 * Never valid against a real service; used only for loopback endpoints.
 */
export function mintEmulatorToken(oid: string, ttlSeconds: number, nowMs = Date.now()): string {
  const now = Math.floor(nowMs / 1000);
  const encode = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  const header = { alg: 'none', typ: 'JWT' };
  const payload = { aud: GEN1_TOKEN_AUDIENCE, iss: 'https://sts.windows.net/00000000-0000-0000-0000-000000000000/', iat: now, nbf: now - 60, exp: now + ttlSeconds, oid };
  return `${encode(header)}.${encode(payload)}.${Buffer.from('lakeshift-store').toString('base64url')}`;
}

function cachedProvider(fetchToken: (signal?: AbortSignal) => Promise<{ token: string; expiresOnMs: number }>): TokenProvider {
  let current: { token: string; expiresOnMs: number } | undefined;
  let pending: Promise<{ token: string; expiresOnMs: number }> | undefined;
  return async (signal) => {
    if (current !== undefined && current.expiresOnMs - REFRESH_MARGIN_MS > Date.now()) return current.token;
    pending ??= fetchToken(signal).finally(() => {
      pending = undefined;
    });
    current = await pending;
    return current.token;
  };
}

function fromCredential(credential: TokenCredential): TokenProvider {
  return cachedProvider(async (signal) => {
    let result;
    try {
      result = await credential.getToken(GEN1_TOKEN_SCOPE, signal === undefined ? {} : { abortSignal: signal });
    } catch (error) {
      const reason = error instanceof Error ? error.message.split('\n')[0] ?? '' : String(error);
      throw new StorageError('auth-failed', `Could not get a Gen1 access token for ${GEN1_TOKEN_SCOPE}: ${reason}. Sign in with az login, set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET, or pass --gen1-token.`, { cause: error });
    }
    if (result === null) {
      throw new StorageError('auth-failed', 'The Azure credential returned no Gen1 access token. Check the credential configuration or pass --gen1-token.');
    }
    return { token: result.token, expiresOnMs: result.expiresOnTimestamp };
  });
}

/**
 * Chooses how to authenticate, in order: an explicit token; a given credential; for loopback
 * endpoints (the emulator) a minted token for the emulator's admin; else DefaultAzureCredential
 * (the usual AZURE_* environment variables, managed identity, az login).
 */
export function selectTokenProvider(options: { token: string | undefined; credential: TokenCredential | undefined; loopback: boolean }): TokenProvider {
  const { token, credential } = options;
  if (token !== undefined) return () => Promise.resolve(token);
  if (credential !== undefined) return fromCredential(credential);
  if (options.loopback) {
    const ttlSeconds = 3600;
    return cachedProvider(() => Promise.resolve({ token: mintEmulatorToken(GEN1_EMULATOR_ADMIN_OID, ttlSeconds), expiresOnMs: Date.now() + ttlSeconds * 1000 }));
  }
  let lazy: TokenProvider | undefined;
  return async (signal) => {
    if (lazy === undefined) {
      const identity = await import('@azure/identity');
      lazy = fromCredential(new identity.DefaultAzureCredential());
    }
    return lazy(signal);
  };
}
