/**
 * Azure Storage's CRC-64 (the `x-ms-content-crc64` checksum): reflected polynomial 0x9A6C9329AC4BC9B5,
 * initial value and final XOR all ones, sent as the 8 bytes of the result in little-endian order,
 * base64-encoded. Computed with two 32-bit halves and one lookup table per half, so no BigInt per byte.
 */

const POLY_HI = 0x9a6c9329;
const POLY_LO = 0xac4bc9b5;

const TABLE_HI = new Uint32Array(256);
const TABLE_LO = new Uint32Array(256);
for (let i = 0; i < 256; i++) {
  let hi = 0;
  let lo = i;
  for (let k = 0; k < 8; k++) {
    const carry = lo & 1;
    lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0;
    hi = hi >>> 1;
    if (carry !== 0) {
      hi = (hi ^ POLY_HI) >>> 0;
      lo = (lo ^ POLY_LO) >>> 0;
    }
  }
  TABLE_HI[i] = hi;
  TABLE_LO[i] = lo;
}

/** Incremental CRC-64; `update` may be called with any split of the data. */
export class Crc64 {
  private hi = 0xffffffff;
  private lo = 0xffffffff;

  update(data: Uint8Array): this {
    let hi = this.hi;
    let lo = this.lo;
    for (let i = 0; i < data.length; i++) {
      const idx = (lo ^ (data[i] ?? 0)) & 0xff;
      lo = ((lo >>> 8) | ((hi & 0xff) << 24)) ^ (TABLE_LO[idx] ?? 0);
      hi = (hi >>> 8) ^ (TABLE_HI[idx] ?? 0);
    }
    this.hi = hi >>> 0;
    this.lo = lo >>> 0;
    return this;
  }

  /** The 8 checksum bytes as Azure sends them (little-endian); the instance may keep updating. */
  digest(): Buffer {
    const out = Buffer.alloc(8);
    out.writeUInt32LE((this.lo ^ 0xffffffff) >>> 0, 0);
    out.writeUInt32LE((this.hi ^ 0xffffffff) >>> 0, 4);
    return out;
  }
}

/** CRC-64 of one buffer, base64 as in the header. */
export const crc64Base64 = (data: Uint8Array): string => new Crc64().update(data).digest().toString('base64');
