import { describe, expect, it } from 'vitest';
import { Gen1Client, encodeGen1Path } from './client.js';
import { resolveGen1Options } from './options.js';

describe('gen1 client helpers', () => {
  const location = { kind: 'gen1' as const, account: '', endpoint: 'http://127.0.0.1:9', path: '', loopback: true };

  it('backs off with full jitter below the exponential ceiling, and honours Retry-After', async () => {
    const client = new Gen1Client(location, resolveGen1Options({ retryBaseMs: 100, retryMaxDelayMs: 1000 }), () => Promise.resolve('t'));
    for (let attempt = 0; attempt < 6; attempt++) {
      const d = client.backoffMs(attempt, undefined);
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThanOrEqual(Math.min(1000, 100 * 2 ** attempt));
    }
    expect(client.backoffMs(0, 700)).toBeGreaterThanOrEqual(700);
    expect(client.backoffMs(0, 60_000)).toBe(1000);
    await client.close();
  });

  it('percent-encodes every segment', () => {
    expect(encodeGen1Path('a b/100%/#x+y/caf\u00e9/q?')).toBe('a%20b/100%25/%23x%2By/caf%C3%A9/q%3F');
    expect(encodeGen1Path('')).toBe('');
  });

  it('refuses bad options naming them', () => {
    expect(() => resolveGen1Options({ listPageSize: 5000 })).toThrow(/listPageSize/);
    expect(() => resolveGen1Options({ chunkSize: 8 * 1024 * 1024 })).toThrow(/chunkSize/);
    expect(() => resolveGen1Options({ token: ' ' })).toThrow(/token is empty/);
    expect(resolveGen1Options({ token: 'Bearer abc' }).token).toBe('abc');
  });
});
