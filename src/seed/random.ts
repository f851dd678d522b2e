/**
 * Deterministic randomness for seeded lakes: a small seeded PRNG for the plan and a counter-based
 * byte generator for file content (any byte range can be recomputed without the ones before it).
 */

/** 32-bit string hash (FNV-1a) used to derive seeds from names and paths. */
export function hashString(text: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Mixes a 32-bit value (the finaliser of MurmurHash3): a good stateless hash of a counter. */
export function mix32(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A seeded PRNG (mulberry32). Same seed, same sequence, on every platform. */
export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Whole number in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error('pick() from an empty list');
    return item;
  }

  /** A UUID-shaped object ID (version 4 layout), deterministic from the sequence. */
  objectId(): string {
    const hex = (n: number): string => Math.floor(this.next() * 16 ** n).toString(16).padStart(n, '0');
    return `${hex(8)}-${hex(4)}-4${hex(3)}-${(8 + this.int(0, 3)).toString(16)}${hex(3)}-${hex(6)}${hex(6)}`;
  }

  /** Log-uniform size in [min, max] bytes (many small, few large, like real lakes). */
  logSize(min: number, max: number): number {
    if (max <= min) return min;
    const lo = Math.log(min + 1);
    const hi = Math.log(max + 1);
    return Math.min(max, Math.max(min, Math.round(Math.exp(lo + this.next() * (hi - lo)) - 1)));
  }
}

const TEXT_EXTENSIONS = /\.(csv|json|log|txt|tsv|md)$/i;
const TEXT_ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789,,,,..;:-_ ';
const PARQUET_MAGIC = [0x50, 0x41, 0x52, 0x31]; // "PAR1"

/**
 * The bytes of a seeded file: a pure function of (path, size, offset, length), so validation can
 * recompute any range. Text-like names get printable lines; `.parquet` files start and end with
 * the `PAR1` magic like real Parquet; everything else is pseudo-random binary.
 */
export function seedBytes(path: string, size: number, offset: number, length: number): Uint8Array {
  const end = Math.min(size, offset + length);
  const out = new Uint8Array(Math.max(0, end - offset));
  const seed = hashString(path);
  const text = TEXT_EXTENSIONS.test(path);
  let r = 0;
  for (let i = offset; i < end; i++) {
    if (i === offset || i % 4 === 0) r = mix32(seed ^ Math.imul(Math.floor(i / 4) + 1, 0x9e3779b1));
    const byte = (r >>> ((i % 4) * 8)) & 0xff;
    let value: number;
    if (text) value = i % 80 === 79 ? 0x0a : TEXT_ALPHABET.charCodeAt(byte % TEXT_ALPHABET.length);
    else value = byte;
    out[i - offset] = value;
  }
  if (/\.parquet$/i.test(path) && size >= 8) {
    for (let k = 0; k < 4; k++) {
      const magic = PARQUET_MAGIC[k] ?? 0;
      if (k >= offset && k < end) out[k - offset] = magic;
      const tail = size - 4 + k;
      if (tail >= offset && tail < end) out[tail - offset] = magic;
    }
  }
  return out;
}
