import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PREFILTER_LITERALS, passesPrefilter } from './engine.js';
import { decodeText } from './file-text.js';
import { ChunkPrefilter } from './prefilter-batch.js';
import { scanWorkersFor } from './scan-files.js';

/**
 * The read-and-prefilter half of the scan: every file is counted or skipped with its reason, and the
 * files passed to the rules are exactly those whose text passes the string prefilter, whether the
 * chunk is searched by the SIMD finder or by the regular-expression fallback, wherever a file lands
 * in a chunk (including files that end a chunk and files larger than one).
 */
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lakeshift-prefilter-batch-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let seed = 11;
const rand = (n: number): number => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed % n;
};

const PIECES = ['rows = spark.table("orders")\n', 'handler = make_handler()\n', 'ADL', 'aDl', 'dLs', 'LaKe', 'la', 'ke', 'ad', 'AzureBlobFS', 'AzureBlob', 'Extractors.', 'Outputters', 'x'];

describe('ChunkPrefilter', () => {
  it('passes exactly the files whose text passes the prefilter, with the SIMD finder and without it', async () => {
    const paths: string[] = [];
    const texts: string[] = [];
    for (let i = 0; i < 600; i++) {
      const parts: string[] = [];
      // Some files are large, so that chunks fill up and files move to the next one.
      const count = i % 97 === 0 ? 20_000 : rand(40);
      for (let k = 0; k < count; k++) parts.push(PIECES[rand(PIECES.length)] as string);
      const text = parts.join('');
      const p = join(dir, `f${i}.${i % 50 === 0 ? 'usql' : 'txt'}`);
      await writeFile(p, text, 'latin1');
      paths.push(p);
      texts.push(text);
    }
    const want = paths.map((p, i) => i).filter((i) => passesPrefilter(texts[i] as string, paths[i] as string));
    expect(want.length).toBeGreaterThan(100);
    expect(want.length).toBeLessThan(600);
    for (const simd of [true, false]) {
      const pre = new ChunkPrefilter(PREFILTER_LITERALS, { simd });
      if (simd) expect(pre.simd).toBe(true);
      const got = pre.run(paths, 16 << 20);
      expect(got.scanned).toBe(600);
      expect(got.skipped).toEqual([]);
      expect(got.passed.map((p) => p.index)).toEqual(want);
      for (const p of got.passed) expect(Buffer.from(p.bytes).toString('latin1')).toBe(texts[p.index]);
    }
  });

  it('skips what is over the limit, binary or unreadable, and decodes UTF-16 to look', async () => {
    const d = join(dir, 'kinds');
    await mkdir(d);
    const files: [string, Buffer | string][] = [
      ['at-limit.py', `x = "adl"\n${'#'.repeat(90)}`],
      ['over-limit.py', `x = "adl"\n${'#'.repeat(91)}`],
      ['empty.py', ''],
      ['binary.bin', Buffer.from([0x61, 0x64, 0x6c, 0x00, 0x01])],
      ['wide.ps1', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('$p = "adl://x"\r\n', 'utf16le')])],
      ['wide-clean.ps1', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('$p = "abfss://x"\r\n', 'utf16le')])],
      ['plain.py', 'print("no literal here")\n'],
    ];
    for (const [name, body] of files) await writeFile(join(d, name), body);
    await mkdir(join(d, 'folder.py'));
    const paths = [...files.map(([name]) => join(d, name)), join(d, 'folder.py')];
    // In a chunk after a file that passes, a UTF-16 file that passes still comes after it (batch order).
    const order = new ChunkPrefilter(PREFILTER_LITERALS).run([join(d, 'at-limit.py'), join(d, 'wide.ps1')], 1000);
    expect(order.passed.map((p) => p.index)).toEqual([0, 1]);
    for (const simd of [true, false]) {
      const got = new ChunkPrefilter(PREFILTER_LITERALS, { simd }).run(paths, 100);
      expect(got.scanned).toBe(5);
      expect(got.skipped).toEqual([
        { index: 1, reason: 'larger than the 100 byte limit (101 bytes); raise --max-file-size to scan it' },
        { index: 3, reason: 'binary (NUL byte in the first 8 KiB)' },
        { index: 7, reason: 'cannot read (EISDIR)' },
      ]);
      expect(got.passed.map((p) => p.index)).toEqual([0, 4]);
      expect(decodeText(Buffer.from((got.passed[1] as { bytes: Uint8Array }).bytes)).text).toBe('$p = "adl://x"\r\n');
    }
  });
});

describe('default worker threads', () => {
  it('one per core (at most 4) when the load is below the core count and there is more than one core, else none', () => {
    expect(scanWorkersFor(2, 0.3)).toBe(2);
    expect(scanWorkersFor(2, 1.9)).toBe(2);
    expect(scanWorkersFor(2, 2)).toBe(0);
    expect(scanWorkersFor(2, 7.5)).toBe(0);
    expect(scanWorkersFor(1, 0)).toBe(0);
    expect(scanWorkersFor(16, 3)).toBe(4);
  });
});
