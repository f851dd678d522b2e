import type { AclStatus } from '../../core/acl-types.js';
import { joinPath, type Entry } from '../../core/entry.js';
import type { CallOptions, ListOptions, Store } from '../../core/store.js';
import type { JobDb } from '../../state/db.js';
import { findCoveringFreeze, findFreezePaths, type FreezePathRow, type FreezeRow } from '../ops-state/freezes.js';
import { cutoverDb, type CutoverDb } from '../ops-state/tables.js';
import { parseEntries } from './frozen-acl.js';

/**
 * A read view of a frozen store that shows every frozen path with the mode and ACL it had before the
 * freeze (from the freeze's records), and everything else as it is. The final sync copies and
 * validates through it: otherwise it would carry the freeze's missing write bits to Gen2, where
 * nothing will ever undo them. Only stat, list and getAcl differ; every other call goes to `store`.
 * `prefix` is the store-relative path of `store`'s root inside the frozen store ('' when the same).
 */
export function thawedView(store: Store, db: CutoverDb, freeze: FreezeRow, prefix: string): Store {
  const key = (path: string): string => joinPath(prefix, path);
  const lookup = async (paths: string[]): Promise<Map<string, FreezePathRow>> => {
    const rows = await findFreezePaths(db, freeze.id, paths.map(key));
    return new Map([...rows].filter(([, r]) => r.state !== 'restored'));
  };
  const thaw = (e: Entry, rec: FreezePathRow | undefined): Entry => (rec === undefined ? e : { ...e, permissions: rec.before_mode });
  const overrides = {
    async stat(path: string, options?: CallOptions): Promise<Entry> {
      const e = await store.stat(path, options);
      return thaw(e, (await lookup([path])).get(key(path)));
    },
    async *list(path: string, options?: ListOptions): AsyncIterable<Entry[]> {
      for await (const page of store.list(path, options)) {
        const recs = await lookup(page.map((e) => e.path));
        yield page.map((e) => thaw(e, recs.get(key(e.path))));
      }
    },
    async getAcl(path: string, options?: CallOptions): Promise<AclStatus> {
      const live = await store.getAcl(path, options);
      const rec = (await lookup([path])).get(key(path));
      return rec === undefined ? live : { ...live, permissions: rec.before_mode, entries: parseEntries(rec.before_acl) };
    },
  };
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'stat' || prop === 'list' || prop === 'getAcl') return overrides[prop];
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/**
 * The source as a copy or a validation should read it: through the thawed view of the open freeze
 * that covers it (migrate, validate), else as it is; `freezeId` says which freeze, if any.
 */
export async function thawedIfFrozen(source: Store, jobDb: JobDb): Promise<{ store: Store; freezeId?: string }> {
  const db = await cutoverDb(jobDb);
  const covering = await findCoveringFreeze(db, source.displayUri);
  if (covering === undefined) return { store: source };
  return { store: thawedView(source, db, covering.freeze, covering.prefix), freezeId: covering.freeze.id };
}
