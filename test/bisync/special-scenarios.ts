import { expect } from 'vitest';
import { StorageError } from '../../src/core/errors.js';
import type { Store } from '../../src/core/store.js';
import { flakyStore, reshapeStore } from '../../src/engine/test-stores.js';
import { writeFile, type Scenario } from './harness.js';

/**
 * Bisync scenarios that wrap the stores under test: a concurrent edit during a run, a source changing
 * during its copy, name rules, transient and permanent faults, a listing that breaks midway.
 */

/** A view of `store` that runs `hook` (once) the first time `method` is called for `path`. */
function onFirstCall(store: Store, method: 'stat' | 'createWriter', path: string, hook: () => Promise<void>): Store {
  let fired = false;
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      const fn = (value as (...a: unknown[]) => Promise<unknown>).bind(target);
      if (prop !== method) return fn;
      return async (...args: unknown[]) => {
        if (!fired && args[0] === path) {
          fired = true;
          await hook();
        }
        return fn(...args);
      };
    },
  });
}

/** A view of `store` whose listing fails after its first page. */
function failingListing(store: Store): Store {
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      const fn = (value as (...a: unknown[]) => unknown).bind(target);
      if (prop !== 'list') return fn;
      return async function* (...args: unknown[]) {
        const it = fn(...args) as AsyncIterable<unknown[]>;
        for await (const page of it) {
          yield page;
          throw new StorageError('transient', 'injected: the listing broke after one page', { status: 503 });
        }
      };
    },
  });
}

/** A view of `store` that refuses to write `path` (403). */
function forbidding(store: Store, path: string): Store {
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      const fn = (value as (...a: unknown[]) => unknown).bind(target);
      if (prop !== 'createWriter') return fn;
      return async (...args: unknown[]) => {
        if (args[0] === path) throw new StorageError('permission-denied', `injected 403 for '${path}'`, { status: 403, path });
        return fn(...args);
      };
    },
  });
}

const base = { 'a.txt': 'alpha', 'd/b.txt': 'bravo', 'd/c.txt': 'charlie' };

/** Scenarios that need a wrapped store (faults, concurrent edits, name rules); they run on every pair. */
export function wrappedScenarios(): Scenario[] {
  return [
    {
      name: '16 the destination changes between listing and write: skipped, then settled next run',
      initial1: base,
      // The write lands when the copy opens its writer on path2: after the listing, before the commit (whose
      // precondition is a stat on a store without conditional commits, the commit's If-Match on Gen2).
      wrap: (p1, p2) => ({ p1, p2: onFirstCall(p2, 'createWriter', 'a.txt', async () => writeFile(p2, 'a.txt', 'written meanwhile on path2')) }),
      steps: [
        { edits: [{ write: 1, path: 'a.txt', data: 'path1 edit' }], expect: { skipped: 1, side1: { ...base, 'a.txt': 'path1 edit' }, side2: { ...base, 'a.txt': 'written meanwhile on path2' } } },
        { run: { conflictResolve: 'path2' }, expect: { conflicts: 1, both: { ...base, 'a.txt': 'written meanwhile on path2' } } },
      ],
    },
    {
      name: '16c the same onto path1 (on Gen1 the writer checks the listed ETag before its RENAME): skipped, then settled',
      initial1: base,
      wrap: (p1, p2) => ({ p1: onFirstCall(p1, 'createWriter', 'a.txt', async () => writeFile(p1, 'a.txt', 'written meanwhile on path1')), p2 }),
      steps: [
        { edits: [{ write: 2, path: 'a.txt', data: 'path2 edit' }], expect: { skipped: 1, side1: { ...base, 'a.txt': 'written meanwhile on path1' }, side2: { ...base, 'a.txt': 'path2 edit' } } },
        { run: { conflictResolve: 'path1' }, expect: { conflicts: 1, both: { ...base, 'a.txt': 'written meanwhile on path1' } } },
      ],
    },
    {
      name: '16b the source changes while it is copied: nothing half-done, settled next run',
      initial1: base,
      wrap: (p1, p2) => ({ p1, p2: onFirstCall(p2, 'createWriter', 'a.txt', async () => writeFile(p1, 'a.txt', 'newer still')) }),
      steps: [
        { edits: [{ write: 1, path: 'a.txt', data: 'path1 edit' }], expect: { skipped: 1, side2: base } },
        { expect: { both: { ...base, 'a.txt': 'newer still' } } },
      ],
    },
    {
      name: '19b a name path2 cannot hold is skipped and reported on every run, never attempted',
      initial1: base,
      wrap: (p1, p2) => ({ p1, p2: reshapeStore(p2, { capabilities: { names: { ...p2.capabilities.names, trailingDot: false } } }) }),
      steps: [
        { edits: [{ write: 1, path: 'bad./x.txt', data: 'dot' }, { write: 1, path: 'ok.txt', data: 'ok' }], expect: { skipped: 1, side2: { ...base, 'ok.txt': 'ok' }, check: (s) => expect(s.skipped[0]?.reason).toMatch(/ends with '\.'/) } },
        { expect: { skipped: 1, planned: { copy: 0 } } },
      ],
    },
    {
      name: '22 transient 503s are retried; a permanent 403 fails one action and the others commit',
      initial1: base,
      wrap: (p1, p2) => ({ p1: flakyStore(p1, 5), p2: forbidding(flakyStore(p2, 4), 'd/c.txt') }),
      steps: [
        { edits: [{ write: 1, path: 'a.txt', data: 'a2' }, { write: 1, path: 'd/b.txt', data: 'b2' }, { write: 1, path: 'd/c.txt', data: 'c2' }], run: { retry: { maxAttempts: 6, baseDelayMs: 1, maxDelayMs: 2 } }, expect: { outcome: 'failures', side2: { ...base, 'a.txt': 'a2', 'd/b.txt': 'b2' }, check: (s) => expect(s.failures.map((f) => f.path)).toEqual(['d/c.txt']) } },
        { run: { retry: { maxAttempts: 6, baseDelayMs: 1, maxDelayMs: 2 } }, expect: { outcome: 'failures', planned: { copy: 1 } } },
      ],
    },
    {
      name: '23 a listing that fails midway stops the run with nothing deleted',
      initial1: base,
      wrap: (p1, p2) => ({ p1, p2: failingListing(p2) }),
      steps: [{ edits: [{ delete: 1, path: 'a.txt' }], expect: { stop: 'listing', side2: base } }],
    },
  ];
}

