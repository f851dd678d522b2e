import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/identity';
import { describe, expect, it } from 'vitest';
import { GEN1_EMULATOR_ADMIN_OID, GEN1_TOKEN_SCOPE, mintEmulatorToken, selectTokenProvider } from './auth.js';

function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

class CountingCredential implements TokenCredential {
  calls = 0;
  scopes: string[] = [];
  constructor(private readonly lifetimeMs: number) {}
  getToken(scopes: string | string[], _options?: GetTokenOptions): Promise<AccessToken> {
    this.calls++;
    this.scopes.push(...(Array.isArray(scopes) ? scopes : [scopes]));
    return Promise.resolve({ token: `tok-${this.calls}`, expiresOnTimestamp: Date.now() + this.lifetimeMs });
  }
}

describe('gen1 token selection', () => {
  it('uses an explicit token as is', async () => {
    const provider = selectTokenProvider({ token: 'abc', credential: new CountingCredential(3_600_000), loopback: true });
    expect(await provider()).toBe('abc');
  });

  it('asks a credential for the Gen1 scope and caches until close to expiry', async () => {
    const longLived = new CountingCredential(3_600_000);
    const provider = selectTokenProvider({ token: undefined, credential: longLived, loopback: false });
    expect(await provider()).toBe('tok-1');
    expect(await provider()).toBe('tok-1');
    expect(longLived.calls).toBe(1);
    expect(longLived.scopes).toEqual([GEN1_TOKEN_SCOPE]);

    // A token within the refresh margin (5 minutes) is replaced before it expires.
    const shortLived = new CountingCredential(60_000);
    const refreshing = selectTokenProvider({ token: undefined, credential: shortLived, loopback: false });
    expect(await refreshing()).toBe('tok-1');
    expect(await refreshing()).toBe('tok-2');
  });

  it('turns credential failures into auth-failed with advice', async () => {
    const failing: TokenCredential = { getToken: () => Promise.reject(new Error('AADSTS700016: application not found')) };
    const provider = selectTokenProvider({ token: undefined, credential: failing, loopback: false });
    await expect(provider()).rejects.toMatchObject({ code: 'auth-failed', message: expect.stringMatching(/AADSTS700016.*--gen1-token/s) as unknown });
  });

  it('mints emulator tokens for the admin on loopback endpoints', async () => {
    const token = await selectTokenProvider({ token: undefined, credential: undefined, loopback: true })();
    const claims = claimsOf(token);
    expect(claims['aud']).toBe('https://datalake.azure.net/');
    expect(claims['oid']).toBe(GEN1_EMULATOR_ADMIN_OID);
    expect(Number(claims['exp'])).toBeGreaterThan(Date.now() / 1000 + 3000);
    expect(Number(claimsOf(mintEmulatorToken('x', -10))['exp'])).toBeLessThan(Date.now() / 1000);
  });
});
