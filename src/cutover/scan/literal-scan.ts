/**
 * A byte-level search for a few short ASCII literals in any letter case, as a WebAssembly SIMD loop
 * generated for the literals at start-up: 16 positions at a time, each literal's first (up to) four
 * bytes compared after folding ASCII letters to lower case (`byte | 0x20`, exact for letters: only
 * `c` and its capital fold to a lower-case letter `c`). The prefilter runs it over a chunk of files read
 * straight into the module's memory, so no string is made of bytes that hold nothing (no Latin-1 view,
 * no garbage) and no regular expression runs over them.
 */

/** Bytes after the usable capacity that the loop may read (16-byte loads at up to 3 bytes past a start). */
const PAD = 64;
const LANES = 16;
const PREFIX = 4;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function name(s: string): number[] {
  return [...uleb(s.length), ...Buffer.from(s, 'latin1')];
}

function isLetter(code: number): boolean {
  return (code >= 0x61 && code <= 0x7a) || (code >= 0x41 && code <= 0x5a);
}

// Opcodes (WebAssembly 2.0 core and SIMD).
const OP = {
  block: 0x02, loop: 0x03, if: 0x04, end: 0x0b, br: 0x0c, brIf: 0x0d, return: 0x0f,
  localGet: 0x20, localSet: 0x21, localTee: 0x22, i32Const: 0x41, i32LtU: 0x49, i32GeU: 0x4f, i32Ctz: 0x68, i32Add: 0x6a,
  simd: 0xfd, v128Load: 0x00, v128Const: 0x0c, i8x16Eq: 0x23, v128And: 0x4e, v128Or: 0x50, i8x16Bitmask: 0x64,
} as const;
const VOID = 0x40;
const I32 = 0x7f;
const V128 = 0x7b;

/**
 * The module: `find(from, end)` returns the first offset in [from, end) at which one of the literals'
 * first PREFIX bytes (folded) start, or -1; memory `mem` holds the data.
 */
function buildModule(literals: readonly string[], pages: number): Uint8Array {
  const prefixes = literals.map((l) => [...Buffer.from(l.slice(0, PREFIX), 'latin1')]);
  const depth = Math.max(...prefixes.map((p) => p.length));
  // Locals: 0 from, 1 end, 2 mask (i32), 3 candidate (i32), then per byte offset k: folded (3 + 1 + k*2) and raw (+1).
  const P = 0;
  const END = 1;
  const MASK = 2;
  const CAND = 3;
  const folded = (k: number): number => 4 + 2 * k;
  const raw = (k: number): number => 5 + 2 * k;
  const splat = (b: number): number[] => [OP.simd, ...uleb(OP.v128Const), ...new Array<number>(LANES).fill(b)];
  const code: number[] = [OP.block, VOID, OP.loop, VOID];
  code.push(OP.localGet, P, OP.localGet, END, OP.i32GeU, OP.brIf, 1);
  for (let k = 0; k < depth; k++) {
    code.push(OP.localGet, P, OP.simd, ...uleb(OP.v128Load), 0, ...uleb(k), OP.localTee, raw(k));
    code.push(...splat(0x20), OP.simd, ...uleb(OP.v128Or), OP.localSet, folded(k));
  }
  prefixes.forEach((bytes, i) => {
    bytes.forEach((b, k) => {
      const letter = isLetter(b);
      code.push(OP.localGet, letter ? folded(k) : raw(k), ...splat(letter ? b | 0x20 : b), OP.simd, ...uleb(OP.i8x16Eq));
      if (k > 0) code.push(OP.simd, ...uleb(OP.v128And));
    });
    if (i > 0) code.push(OP.simd, ...uleb(OP.v128Or));
  });
  code.push(OP.simd, ...uleb(OP.i8x16Bitmask), OP.localTee, MASK);
  code.push(OP.if, VOID);
  code.push(OP.localGet, P, OP.localGet, MASK, OP.i32Ctz, OP.i32Add, OP.localTee, CAND, OP.localGet, END, OP.i32LtU);
  code.push(OP.if, VOID, OP.localGet, CAND, OP.return, OP.end);
  code.push(OP.i32Const, ...sleb(-1), OP.return, OP.end);
  code.push(OP.localGet, P, OP.i32Const, ...sleb(LANES), OP.i32Add, OP.localSet, P, OP.br, 0);
  code.push(OP.end, OP.end, OP.i32Const, ...sleb(-1), OP.end);
  const locals = [2, ...uleb(2), I32, ...uleb(2 * depth), V128];
  const body = [...locals, ...code];
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 2, I32, I32, 1, I32]),
    ...section(3, [1, 0]),
    ...section(5, [1, 0x00, ...uleb(pages)]),
    ...section(7, [2, ...name('find'), 0x00, 0, ...name('mem'), 0x02, 0]),
    ...section(10, [1, ...uleb(body.length), ...body]),
  ]);
}

/** The part of the WebAssembly JavaScript API used here (the project's type libraries do not declare it). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: Record<string, unknown> };
}
const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

/** Finds ASCII literals in any letter case in bytes written to `buffer`. */
export interface AnyCaseFinder {
  /** Where the bytes to search go: `capacity` usable bytes (a view of the module's memory). */
  readonly buffer: Buffer;
  readonly capacity: number;
  /** The first offset in [from, end) where one of the literals starts (in any letter case), or -1. */
  find(from: number, end: number): number;
}

/** True when the literal (lower case ASCII) is at `at` in `buf`, in any letter case. */
function matchesAt(buf: Buffer, at: number, end: number, literal: string): boolean {
  if (at + literal.length > end) return false;
  for (let i = 0; i < literal.length; i++) {
    const b = buf[at + i] as number;
    const c = literal.charCodeAt(i);
    if (b !== c && !(isLetter(c) && (b | 0x20) === c)) return false;
  }
  return true;
}

/**
 * A finder for the literals (ASCII, lower case, non-empty, no line break), or undefined where
 * WebAssembly SIMD is not available (the caller then uses its regular-expression path).
 */
export function createAnyCaseFinder(literals: readonly string[], capacity: number): AnyCaseFinder | undefined {
  if (literals.length === 0) return undefined;
  for (const l of literals) if (l === '' || l !== l.toLowerCase() || !/^[\x20-\x7e]+$/.test(l)) throw new Error(`any-case literal '${l}' must be lower-case printable ASCII`);
  if (wasm === undefined) return undefined;
  let exports: Record<string, unknown>;
  try {
    exports = new wasm.Instance(new wasm.Module(buildModule(literals, Math.ceil((capacity + PAD) / 65536)))).exports;
  } catch {
    return undefined;
  }
  const mem = exports.mem as { buffer: ArrayBuffer };
  const raw = exports.find as (from: number, end: number) => number;
  const buffer = Buffer.from(mem.buffer, 0, capacity);
  return {
    buffer,
    capacity,
    find(from: number, end: number): number {
      if (end > capacity) throw new RangeError(`end ${end} is past the finder's capacity ${capacity}`);
      for (let at = from; at < end; ) {
        const c = raw(at, end);
        if (c < 0) return -1;
        // The loop compares prefixes and may read past `end`: confirm the whole literal inside [c, end).
        if (literals.some((l) => matchesAt(buffer, c, end, l))) return c;
        at = c + 1;
      }
      return -1;
    },
  };
}
