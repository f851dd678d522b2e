import { expect, type TestContext } from 'vitest';
import type { Entry } from '../../src/core/entry.js';
import { isStorageError, type StorageErrorCode } from '../../src/core/errors.js';
import type { ListOptions, ReadRange, Store, WriteOptions } from '../../src/core/store.js';

/** Deterministic, non-repeating-looking bytes so misplaced chunks show up. */
export function patternBytes(size: number, seed = 1): Uint8Array {
  const out = new Uint8Array(size);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

export interface PutOptions extends WriteOptions {
  chunkSize: number;
  /** Write chunks concurrently (only when the store declares parallelChunkWrites). */
  parallel?: boolean;
  contentMd5?: Uint8Array;
  /** Size to declare at commit (default: the data length). */
  declaredSize?: number;
}

/** Writes a whole file with chunks in reverse order (or all at once when parallel), then commits. */
export async function putFile(store: Store, path: string, data: Uint8Array, options: PutOptions): Promise<Entry> {
  const { chunkSize, parallel, contentMd5, declaredSize, ...writeOptions } = options;
  const writer = await store.createWriter(path, writeOptions);
  try {
    const offsets: number[] = [];
    for (let o = 0; o < data.length; o += chunkSize) offsets.push(o);
    offsets.reverse();
    const writeAt = (o: number): Promise<void> => writer.write(o, data.subarray(o, Math.min(data.length, o + chunkSize)));
    if (parallel === true) await Promise.all(offsets.map(writeAt));
    else for (const o of offsets) await writeAt(o);
    return await writer.commit({ size: declaredSize ?? data.length, ...(contentMd5 === undefined ? {} : { contentMd5 }) });
  } catch (e) {
    await writer.abort();
    throw e;
  }
}

/** Reads a file (or a range of it) into one buffer. */
export async function readBytes(store: Store, path: string, range?: ReadRange): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const part of await store.openRead(path, range)) parts.push(part);
  return new Uint8Array(Buffer.concat(parts));
}

/** All pages of a listing. */
export async function listPages(store: Store, path: string, options: ListOptions = {}): Promise<Entry[][]> {
  const pages: Entry[][] = [];
  for await (const page of store.list(path, options)) pages.push(page);
  return pages;
}

export async function listPaths(store: Store, path: string, options: ListOptions = {}): Promise<string[]> {
  return (await listPages(store, path, options)).flat().map((e) => e.path);
}

/** Asserts that an operation fails with a StorageError of the given code; returns the error. */
export async function expectCode(operation: Promise<unknown> | (() => Promise<unknown>), code: StorageErrorCode): Promise<Error> {
  let caught: unknown;
  try {
    await (typeof operation === 'function' ? operation() : operation);
  } catch (e) {
    caught = e;
  }
  expect(caught, `expected a StorageError '${code}'`).toBeDefined();
  expect(isStorageError(caught) ? caught.code : String(caught)).toBe(code);
  return caught as Error;
}

/** Skips the running test with a printed reason when the store lacks what the test needs. */
export function requireCapability(ctx: TestContext, store: string, condition: boolean, reason: string): void {
  if (condition) return;
  console.info(`[conformance ${store}] skipped "${ctx.task.name}": ${reason}`);
  ctx.skip();
}

export function bytesOf(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** What the suite's parts share: the store under test and a fresh directory name per test. */
export interface SuiteContext {
  name: string;
  store(): Store;
  /** A new directory name (not yet created) unique within this run. */
  fresh(label: string): string;
  chunk(): number;
}
