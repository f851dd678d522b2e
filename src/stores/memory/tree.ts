import type { AclEntry } from '../../core/acl-types.js';
import { aclFromMode, hasExtendedAcl, modeFromAcl } from '../../core/acl.js';
import { compareNames, parentPath, type Entry, type EntryKind } from '../../core/entry.js';

/** One file or directory held in memory. `acl` always holds the base access entries. */
export interface MemoryNode {
  kind: EntryKind;
  data: Uint8Array;
  mtimeMs: number;
  atimeMs: number;
  owner: string;
  group: string;
  sticky: boolean;
  acl: AclEntry[];
  properties: Record<string, string>;
  etag: number;
  expiryMs?: number;
  contentMd5?: string;
}

/**
 * A whole namespace in memory, keyed by absolute path ('' = root). Keeps a child-name index per
 * directory so listings do not scan every path. Callers keep the tree consistent (a parent exists
 * before its children); this class does no validation.
 */
export class MemoryTree {
  private readonly nodes = new Map<string, MemoryNode>();
  private readonly children = new Map<string, Set<string>>();
  private etagSeq = 0;

  constructor(owner: string, group: string) {
    const now = Date.now();
    this.put('', {
      kind: 'directory', data: new Uint8Array(0), mtimeMs: now, atimeMs: now, owner, group, sticky: false,
      acl: aclFromMode(0o750), properties: {}, etag: 0,
    });
  }

  get(path: string): MemoryNode | undefined {
    return this.nodes.get(path);
  }

  /** Inserts or replaces a node (parent must exist) and gives it a fresh etag. */
  put(path: string, node: MemoryNode): void {
    node.etag = ++this.etagSeq;
    this.nodes.set(path, node);
    if (node.kind === 'directory' && !this.children.has(path)) this.children.set(path, new Set());
    if (path !== '') this.children.get(parentPath(path))?.add(baseOf(path));
  }

  /** Marks a node changed: new etag and, unless told otherwise, a new mtime. */
  touch(node: MemoryNode, mtime = false): void {
    node.etag = ++this.etagSeq;
    if (mtime) node.mtimeMs = Date.now();
  }

  hasChildren(path: string): boolean {
    return (this.children.get(path)?.size ?? 0) > 0;
  }

  /** Child names of a directory in code point order (a snapshot). */
  childNames(path: string): string[] {
    return [...(this.children.get(path) ?? [])].sort(compareNames);
  }

  /** Removes a path and everything under it. */
  delete(path: string): void {
    for (const name of this.childNames(path)) this.delete(path === '' ? name : `${path}/${name}`);
    this.nodes.delete(path);
    this.children.delete(path);
    if (path !== '') this.children.get(parentPath(path))?.delete(baseOf(path));
  }

  /** Moves a subtree (the destination must be free and its parent must exist). */
  move(from: string, to: string): void {
    const node = this.nodes.get(from);
    if (node === undefined) return;
    const names = this.childNames(from);
    this.nodes.delete(from);
    this.children.get(parentPath(from))?.delete(baseOf(from));
    this.nodes.set(to, node);
    this.children.get(parentPath(to))?.add(baseOf(to));
    if (node.kind === 'directory') {
      this.children.set(to, new Set());
      for (const name of names) this.move(`${from}/${name}`, `${to}/${name}`);
      this.children.delete(from);
    }
  }
}

function baseOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** The Entry for a node at a store-relative path. */
export function entryOf(path: string, node: MemoryNode): Entry {
  return {
    path,
    kind: node.kind,
    size: node.kind === 'file' ? node.data.length : 0,
    mtimeMs: node.mtimeMs,
    atimeMs: node.atimeMs,
    owner: node.owner,
    group: node.group,
    permissions: modeFromAcl(node.acl, node.sticky),
    hasAcl: hasExtendedAcl(node.acl),
    etag: `"0x${node.etag.toString(16).toUpperCase()}"`,
    ...(node.expiryMs === undefined ? {} : { expiryMs: node.expiryMs }),
    ...(node.contentMd5 === undefined ? {} : { contentMd5: node.contentMd5 }),
  };
}

const registry = new Map<string, MemoryTree>();

/** The shared tree of a named memory store, created on first use. */
export function openMemoryTree(name: string, owner: string, group: string): MemoryTree {
  let tree = registry.get(name);
  if (tree === undefined) {
    tree = new MemoryTree(owner, group);
    registry.set(name, tree);
  }
  return tree;
}

/** Forgets a named memory store's contents (stores already open keep the old tree). Idempotent. */
export function dropMemoryStore(name: string): void {
  registry.delete(name);
}
