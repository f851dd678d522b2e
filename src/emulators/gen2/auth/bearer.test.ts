import { describe, expect, it } from 'vitest';
import { mintToken } from '../../kit/jwt.js';
import { authenticate, challengeFor } from './index.js';
import type { AuthContext } from './types.js';

const ACCOUNT = 'devstoreaccount1';
const context = (overrides: Partial<AuthContext> = {}): AuthContext => ({
  account: ACCOUNT,
  accounts: new Map([[ACCOUNT, Buffer.alloc(64, 1)]]),
  anonymous: false,
  superusers: new Set(['admin-oid']),
  filesystem: 'fs',
  path: 'a/b',
  permission: 'r',
  resourceType: 'o',
  ...overrides,
});
const request = (authorization?: string) => ({
  method: 'GET',
  rawUrl: `/${ACCOUNT}/fs/a/b`,
  headers: authorization === undefined ? {} : { authorization },
  secure: true,
});

function withClaims(claims: Record<string, unknown>): string {
  const part = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(claims)}.sig`;
}

describe('bearer tokens', () => {
  it('accepts storage audiences; oid becomes the principal, superusers and groups are taken over', () => {
    for (const audience of ['https://storage.azure.com', 'https://storage.azure.com/', `https://${ACCOUNT}.blob.core.windows.net`, `https://${ACCOUNT}.dfs.core.windows.net/`]) {
      const result = authenticate(request(`Bearer ${mintToken({ oid: 'user-oid', audience })}`), context());
      expect(result, audience).toEqual({ ok: true, principal: { kind: 'bearer', oid: 'user-oid', superuser: false, groups: [], tid: '00000000-0000-0000-0000-000000000000' } });
    }
    const admin = authenticate(request(`Bearer ${mintToken({ oid: 'admin-oid', audience: 'https://storage.azure.com' })}`), context());
    expect(admin).toMatchObject({ ok: true, principal: { oid: 'admin-oid', superuser: true } });
    const exp = Math.floor(Date.now() / 1000) + 600;
    const grouped = authenticate(request(`Bearer ${withClaims({ aud: 'https://storage.azure.com', exp, oid: 'u2', groups: ['g1', 'g2', 7] })}`), context());
    expect(grouped).toMatchObject({ ok: true, principal: { oid: 'u2', groups: ['g1', 'g2'] } });
  });

  it('refuses expired, wrong-audience, oid-less and malformed tokens with 401 InvalidAuthenticationInfo and a challenge', () => {
    const exp = Math.floor(Date.now() / 1000) + 600;
    const bad = [
      mintToken({ oid: 'u', audience: 'https://storage.azure.com', ttlSeconds: -3600 }),
      mintToken({ oid: 'u', audience: 'https://datalake.azure.net/' }),
      mintToken({ oid: 'u', audience: 'https://otheraccount.blob.core.windows.net' }),
      withClaims({ aud: 'https://storage.azure.com', exp }),
      'not-a-jwt',
    ];
    for (const token of bad) {
      const result = authenticate(request(`Bearer ${token}`), context());
      expect(result, token.slice(0, 20)).toMatchObject({ ok: false, status: 401, code: 'InvalidAuthenticationInfo' });
      expect(challengeFor(result)).toMatch(/^Bearer authorization_uri=/);
    }
    const valid = mintToken({ oid: 'u', audience: 'https://storage.azure.com', ttlSeconds: 60 });
    expect(authenticate(request(`Bearer ${valid}`), context({ nowMs: Date.now() + 2 * 3600_000 }))).toMatchObject({ status: 401 });
  });
});

describe('requests without credentials', () => {
  it('are refused with 401 NoAuthenticationInformation unless the emulator is anonymous', () => {
    const refused = authenticate(request(), context());
    expect(refused).toMatchObject({ ok: false, status: 401, code: 'NoAuthenticationInformation' });
    expect(challengeFor(refused)).toBeDefined();
    expect(authenticate(request(), context({ anonymous: true }))).toEqual({
      ok: true,
      principal: { kind: 'anonymous', oid: '$superuser', superuser: true, groups: [] },
    });
  });

  it('still verify credentials that are sent to an anonymous emulator', () => {
    const result = authenticate(request(`SharedKey ${ACCOUNT}:${Buffer.alloc(32).toString('base64')}`), context({ anonymous: true }));
    expect(result).toMatchObject({ ok: false, status: 403 });
    expect(challengeFor(result)).toBeUndefined();
  });
});
