import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Crc64, crc64Base64 } from './crc64.js';

describe('Azure Storage CRC-64', () => {
  it('matches the test vectors of an official SDK', () => {
    // Azure/azure-sdk-for-cpp, sdk/storage/azure-storage-common/test/ut/crypt_functions_test.cpp
    // (commit 8345da16d702d4ff68c7eeebab357190c349e7a7), TEST(CryptFunctionsTest, Crc64Hash_Basic):
    // "" -> "AAAAAAAAAAA=", "Hello Azure!" -> "DtjZpL9/o8c=".
    expect(crc64Base64(Buffer.from(''))).toBe('AAAAAAAAAAA=');
    expect(crc64Base64(Buffer.from('Hello Azure!'))).toBe('DtjZpL9/o8c=');
  });

  it('gives the same value however the data is split', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(300), (data, cut) => {
        const at = Math.min(cut, data.length);
        const split = new Crc64().update(data.subarray(0, at)).update(data.subarray(at)).digest();
        expect(split.toString('base64')).toBe(crc64Base64(data));
      }),
    );
  });

  it('changes when any single bit changes', () => {
    const data = Buffer.from('Hello Azure!');
    const base = crc64Base64(data);
    for (let i = 0; i < data.length * 8; i++) {
      const flipped = Buffer.from(data);
      flipped[i >> 3] = (flipped[i >> 3] ?? 0) ^ (1 << (i & 7));
      expect(crc64Base64(flipped)).not.toBe(base);
    }
  });
});
