/**
 * Helpers for the assess suites: build crafted trees in a memory store, and wrap a store to fake what
 * a memory store cannot hold (huge sizes, '//' names, 33-entry ACLs, permission-denied folders,
 * failures mid-scan). Not a test file.
 */
import type { AclEntry, AclStatus } from '../src/core/acl-types.js';
import type { Entry } from '../src/core/entry.js';
import { StorageError } from '../src/core/errors.js';
import type { ListOptions, Store } from '../src/core/store.js';
import { createMemoryStore } from '../src/stores/memory/index.js';

let counter = 0;

/** A fresh, uniquely named memory store. */
export function freshStore(prefix = 'assess'): { store: Store; name: string } {
  const name = `${prefix}-${process.pid}-${++counter}`;
  return { store: createMemoryStore({ kind: 'memory', name, path: '' }), name };
}

export interface FileSpec {
  path: string;
  size?: number;
  mtimeMs?: number;
  atimeMs?: number;
  expiryMs?: number;
  acl?: AclEntry[];
  permissions?: number;
  owner?: string;
  group?: string;
}

/** Writes a file (zero bytes unless size is given) and applies the optional metadata. */
export async function putFile(store: Store, spec: FileSpec): Promise<void> {
  const size = spec.size ?? 0;
  const w = await store.createWriter(spec.path);
  if (size > 0) await w.write(0, new Uint8Array(size));
  await w.commit({ size });
  await applyMeta(store, spec);
}

/** Creates a directory and applies the optional metadata. */
export async function putDir(store: Store, spec: FileSpec): Promise<void> {
  await store.mkdir(spec.path);
  await applyMeta(store, spec);
}

async function applyMeta(store: Store, spec: FileSpec): Promise<void> {
  if (spec.owner !== undefined || spec.group !== undefined) await store.setOwner(spec.path, spec.owner, spec.group);
  if (spec.permissions !== undefined) await store.setPermissions(spec.path, spec.permissions);
  if (spec.acl !== undefined) await store.setAcl(spec.path, spec.acl);
  if (spec.expiryMs !== undefined) await store.setExpiry?.(spec.path, spec.expiryMs);
  if (spec.mtimeMs !== undefined || spec.atimeMs !== undefined) {
    await store.setTimes?.(spec.path, {
      ...(spec.mtimeMs === undefined ? {} : { mtimeMs: spec.mtimeMs }),
      ...(spec.atimeMs === undefined ? {} : { atimeMs: spec.atimeMs }),
    });
  }
}

/** Base ACL plus `named` named users (and a mask), in the access scope; default copies when withDefault. */
export function aclWithNamedUsers(named: number, withDefault = false): AclEntry[] {
  const scopes: Array<'access' | 'default'> = withDefault ? ['access', 'default'] : ['access'];
  const out: AclEntry[] = [];
  for (const scope of scopes) {
    out.push({ scope, type: 'user', id: '', perms: 7 });
    for (let i = 0; i < named; i++) out.push({ scope, type: 'user', id: oid(i), perms: 5 });
    out.push({ scope, type: 'group', id: '', perms: 5 }, { scope, type: 'mask', id: '', perms: 7 }, { scope, type: 'other', id: '', perms: 0 });
  }
  return out;
}

/** A deterministic object ID. */
export function oid(i: number): string {
  return `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
}

export interface WrapOptions {
  /** Rewrites listed entries (e.g. to fake huge sizes or odd names). */
  mapEntry?: (e: Entry) => Entry;
  /** Overrides getAcl for some paths (return undefined to use the real one). */
  getAcl?: (path: string) => AclStatus | undefined;
  /** Directories whose listing is denied (their entry is still listed by the parent). */
  deny?: string[];
  /** Throw this error after this many entries have been listed. */
  failAfter?: { entries: number; error: StorageError };
  /** Counts getAcl calls. */
  onGetAcl?: (path: string) => void;
}

const denied = (path: string): StorageError => new StorageError('permission-denied', `Permission denied listing '${path}'`, { path });

/** Wraps a store, faking listing and ACL behaviour as `o` says. Everything else delegates. */
export function wrapStore(base: Store, o: WrapOptions): Store {
  const isDenied = (p: string): string | undefined => o.deny?.find((d) => p === d || p.startsWith(`${d}/`));
  let listed = 0;
  async function* list(path: string, options: ListOptions = {}): AsyncIterable<Entry[]> {
    const hit = isDenied(path);
    if (hit !== undefined) throw denied(hit);
    for await (const page of base.list(path, options)) {
      const out: Entry[] = [];
      for (const e of page) {
        const parentDenied = o.deny?.find((d) => e.path.startsWith(`${d}/`));
        if (parentDenied !== undefined && options.recursive === true) {
          if (out.length > 0) yield out;
          throw denied(parentDenied);
        }
        if (o.failAfter !== undefined && listed >= o.failAfter.entries) {
          if (out.length > 0) yield out;
          throw o.failAfter.error;
        }
        listed++;
        out.push(o.mapEntry === undefined ? e : o.mapEntry(e));
      }
      if (out.length > 0) yield out;
    }
  }
  return {
    displayUri: base.displayUri,
    capabilities: base.capabilities,
    stat: (p, opt) => base.stat(p, opt),
    list,
    openRead: (p, r, opt) => base.openRead(p, r, opt),
    createWriter: (p, opt) => base.createWriter(p, opt),
    mkdir: (p, opt) => base.mkdir(p, opt),
    remove: (p, opt) => base.remove(p, opt),
    rename: (a, b, opt) => base.rename(a, b, opt),
    getAcl: async (p, opt) => {
      o.onGetAcl?.(p);
      if (isDenied(p) !== undefined && o.deny?.includes(p) !== true) throw denied(p);
      return o.getAcl?.(p) ?? base.getAcl(p, opt);
    },
    setAcl: (p, e, opt) => base.setAcl(p, e, opt),
    setOwner: (p, a, b, opt) => base.setOwner(p, a, b, opt),
    setPermissions: (p, m, opt) => base.setPermissions(p, m, opt),
    getProperties: (p, opt) => base.getProperties(p, opt),
    setProperties: (p, x, opt) => base.setProperties(p, x, opt),
    close: () => base.close(),
  };
}
