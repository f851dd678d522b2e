import type { AclEntry, AclStatus } from '../../core/acl-types.js';
import { applyMode, inheritOnCreate, modeFromAcl, sortAclEntries, STICKY_BIT, validateAcl, withMask } from '../../core/acl.js';
import { joinPath, parentPath, type Entry } from '../../core/entry.js';
import { throwIfCancelled } from '../../core/errors.js';
import type {
  CallOptions, Capabilities, ChunkedWriter, CommitOptions, ListOptions, MkdirOptions, ReadRange, RemoveOptions,
  RenameOptions, Store, WriteOptions,
} from '../../core/store.js';
import type { MemoryLocation } from '../../core/uri.js';
import { formatLocation } from '../../core/uri.js';
import { alreadyExists, checkStorePath, invalidArgument, notEmpty, notFound } from './errors.js';
import type { ResolvedMemoryOptions } from './options.js';
import { entryOf, type MemoryNode, type MemoryTree } from './tree.js';
import { MemoryWriter } from './writer.js';

const DEFAULT_PAGE_SIZE = 1000;

function memoryCapabilities(maxChunkSize: number): Capabilities {
  return {
    acl: true, ownership: true, permissions: true, stickyBit: true, properties: true, emptyDirectories: true,
    atomicRename: true, accessTime: true, expiry: true, contentMd5: true, parallelChunkWrites: true, createWithMetadata: false, maxChunkSize,
    names: {
      maxSegmentBytes: 4096, colon: true, trailingDot: true, onlyWhitespace: true, controlCharacters: true,
      distinctUnicodeForms: true, backslash: true,
    },
  };
}

/**
 * A Store over a shared in-memory tree with the services' POSIX semantics. Paths are relative to the
 * location's path (created when missing). Not durable; meant for tests, dry runs and demos.
 */
export class MemoryStore implements Store {
  readonly displayUri: string;
  readonly capabilities: Capabilities;

  constructor(
    location: MemoryLocation,
    private readonly tree: MemoryTree,
    private readonly options: ResolvedMemoryOptions,
  ) {
    this.displayUri = formatLocation(location);
    this.capabilities = memoryCapabilities(options.maxChunkSize);
    this.base = location.path;
    if (this.base !== '') this.makeDirs(this.base, undefined);
  }

  private readonly base: string;

  private abs(path: string): string {
    checkStorePath(path);
    return joinPath(this.base, path);
  }

  private node(path: string, signal?: AbortSignal): MemoryNode {
    throwIfCancelled(signal, path);
    const node = this.tree.get(this.abs(path));
    if (node === undefined) throw notFound(path);
    return node;
  }

  /** Creates a node under an existing directory, with inherited ACL or umask. */
  private newNode(absParent: string, kind: 'file' | 'directory', permissions: number | undefined): MemoryNode {
    const parent = this.tree.get(absParent);
    const requested = permissions ?? (kind === 'file' ? 0o666 : 0o777);
    const { mode, entries } = inheritOnCreate(parent?.acl ?? [], kind, requested, permissions === undefined ? this.options.umask : 0);
    const now = Date.now();
    return {
      kind, data: new Uint8Array(0), mtimeMs: now, atimeMs: now, owner: this.options.owner, group: this.options.group,
      sticky: (mode & STICKY_BIT) !== 0, acl: entries, properties: {}, etag: 0,
    };
  }

  /** mkdir -p on an absolute path; `leafPermissions` applies to a newly created last segment only. */
  private makeDirs(abs: string, leafPermissions: number | undefined): void {
    const segments = abs === '' ? [] : abs.split('/');
    let current = '';
    segments.forEach((seg, i) => {
      const next = current === '' ? seg : `${current}/${seg}`;
      const existing = this.tree.get(next);
      if (existing === undefined) {
        this.tree.put(next, this.newNode(current, 'directory', i === segments.length - 1 ? leafPermissions : undefined));
      } else if (existing.kind === 'file') {
        throw alreadyExists(this.rel(next), 'a file is in the way of a directory');
      }
      current = next;
    });
  }

  private rel(abs: string): string {
    if (this.base === '') return abs;
    return abs === this.base ? '' : abs.slice(this.base.length + 1);
  }

  async stat(path: string, options: CallOptions = {}): Promise<Entry> {
    return entryOf(path, this.node(path, options.signal));
  }

  async *list(path: string, options: ListOptions = {}): AsyncIterable<Entry[]> {
    const root = this.node(path, options.signal);
    if (root.kind === 'file') {
      yield [entryOf(path, root)];
      return;
    }
    const pageSize = Math.max(1, options.pageSize ?? DEFAULT_PAGE_SIZE);
    let page: Entry[] = [];
    // Depth-first with one sorted name list per open directory: walk order without the whole tree.
    const stack: Array<{ dir: string; names: string[]; index: number }> = [{ dir: path, names: this.tree.childNames(this.abs(path)), index: 0 }];
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      if (top === undefined) break;
      const name = top.names[top.index++];
      if (name === undefined) {
        stack.pop();
        continue;
      }
      const childPath = joinPath(top.dir, name);
      const node = this.tree.get(this.abs(childPath));
      if (node === undefined) continue;
      page.push(entryOf(childPath, node));
      if (options.recursive === true && node.kind === 'directory') {
        stack.push({ dir: childPath, names: this.tree.childNames(this.abs(childPath)), index: 0 });
      }
      if (page.length >= pageSize) {
        yield page;
        page = [];
        throwIfCancelled(options.signal, path);
      }
    }
    if (page.length > 0) yield page;
  }

  async openRead(path: string, range: ReadRange = { offset: 0 }, options: CallOptions = {}): Promise<AsyncIterable<Uint8Array>> {
    const node = this.node(path, options.signal);
    if (node.kind !== 'file') throw invalidArgument(path, 'it is a directory, not a file');
    const size = node.data.length;
    const { offset, length } = range;
    if (!Number.isSafeInteger(offset) || offset < 0 || (length !== undefined && (!Number.isSafeInteger(length) || length < 0))) {
      throw invalidArgument(path, `the range offset ${offset} length ${String(length)} is not made of non-negative integers`);
    }
    if (offset > size) throw invalidArgument(path, `the read offset ${offset} is beyond the end of the ${size}-byte file`);
    const end = length === undefined ? size : Math.min(size, offset + length);
    const bytes = node.data.slice(offset, end);
    node.atimeMs = Date.now();
    const signal = options.signal;
    return (async function* () {
      const step = 4 * 1024 * 1024;
      for (let i = 0; i < bytes.length; i += step) {
        throwIfCancelled(signal, path);
        yield bytes.subarray(i, Math.min(bytes.length, i + step));
      }
    })();
  }

  async createWriter(path: string, options: WriteOptions = {}): Promise<ChunkedWriter> {
    throwIfCancelled(options.signal, path);
    const abs = this.abs(path);
    if (path === '') throw invalidArgument(path, 'the store root is a directory');
    const existing = this.tree.get(abs);
    if (existing?.kind === 'directory') throw alreadyExists(path, 'a directory exists there');
    return new MemoryWriter(path, this.options.maxChunkSize, (data, commit) => this.commitFile(path, abs, data, options, commit));
  }

  private commitFile(path: string, abs: string, data: Uint8Array, write: WriteOptions, commit: CommitOptions): Entry {
    const existing = this.tree.get(abs);
    if (existing?.kind === 'directory') throw alreadyExists(path, 'a directory exists there');
    if (existing !== undefined && write.overwrite !== true) throw alreadyExists(path, 'a file exists there and overwrite was not requested');
    this.makeDirs(parentPath(abs), undefined);
    const node = this.newNode(parentPath(abs), 'file', write.permissions);
    node.data = data;
    if (write.properties !== undefined) node.properties = { ...write.properties };
    if (commit.contentMd5 !== undefined) node.contentMd5 = Buffer.from(commit.contentMd5).toString('base64');
    this.tree.put(abs, node);
    return entryOf(path, node);
  }

  async mkdir(path: string, options: MkdirOptions = {}): Promise<void> {
    throwIfCancelled(options.signal, path);
    this.makeDirs(this.abs(path), options.permissions);
  }

  async remove(path: string, options: RemoveOptions = {}): Promise<void> {
    const node = this.node(path, options.signal);
    if (path === '') throw invalidArgument(path, 'the store root cannot be removed; remove its children instead');
    const abs = this.abs(path);
    if (node.kind === 'directory' && options.recursive !== true && this.tree.hasChildren(abs)) throw notEmpty(path);
    this.tree.delete(abs);
  }

  async rename(from: string, to: string, options: RenameOptions = {}): Promise<void> {
    const node = this.node(from, options.signal);
    const absFrom = this.abs(from);
    const absTo = this.abs(to);
    if (from === '' || to === '') throw invalidArgument(from === '' ? from : to, 'the store root cannot be renamed or replaced');
    if (absFrom === absTo) return;
    if (absTo.startsWith(`${absFrom}/`)) throw invalidArgument(to, `a directory cannot move inside itself ('${from}')`);
    const target = this.tree.get(absTo);
    if (target !== undefined) {
      if (target.kind === 'directory') throw alreadyExists(to, 'a directory exists there (directories are never replaced)');
      if (node.kind === 'directory') throw alreadyExists(to, 'a file exists there and a directory cannot replace it');
      if (options.overwrite !== true) throw alreadyExists(to, 'a file exists there and overwrite was not requested');
      this.tree.delete(absTo);
    }
    this.makeDirs(parentPath(absTo), undefined);
    this.tree.move(absFrom, absTo);
    this.tree.touch(node);
    const parent = this.tree.get(parentPath(absTo));
    if (parent !== undefined) this.tree.touch(parent, true);
  }

  async getAcl(path: string, options: CallOptions = {}): Promise<AclStatus> {
    const node = this.node(path, options.signal);
    return {
      owner: node.owner, group: node.group, permissions: modeFromAcl(node.acl, node.sticky),
      entries: sortAclEntries(node.acl).map((e) => ({ ...e })),
    };
  }

  async setAcl(path: string, entries: AclEntry[], options: CallOptions = {}): Promise<void> {
    const node = this.node(path, options.signal);
    validateAcl(entries, node.kind);
    node.acl = withMask(entries.map((e) => ({ ...e })));
    this.tree.touch(node);
  }

  async setOwner(path: string, owner: string | undefined, group: string | undefined, options: CallOptions = {}): Promise<void> {
    const node = this.node(path, options.signal);
    if (owner === '' || group === '') throw invalidArgument(path, 'owner and group may not be empty strings; pass undefined to keep one');
    if (owner !== undefined) node.owner = owner;
    if (group !== undefined) node.group = group;
    this.tree.touch(node);
  }

  async setPermissions(path: string, mode: number, options: CallOptions = {}): Promise<void> {
    const node = this.node(path, options.signal);
    if (!Number.isInteger(mode) || mode < 0 || mode > 0o1777) throw invalidArgument(path, `mode ${mode.toString(8)} is not within 0-1777 (octal)`);
    node.acl = applyMode(node.acl, mode);
    node.sticky = (mode & STICKY_BIT) !== 0;
    this.tree.touch(node);
  }

  async getProperties(path: string, options: CallOptions = {}): Promise<Record<string, string>> {
    return { ...this.node(path, options.signal).properties };
  }

  async setProperties(path: string, properties: Record<string, string>, options: CallOptions = {}): Promise<void> {
    const node = this.node(path, options.signal);
    node.properties = { ...properties };
    this.tree.touch(node);
  }

  async setTimes(path: string, times: { mtimeMs?: number; atimeMs?: number }, options: CallOptions = {}): Promise<void> {
    const node = this.node(path, options.signal);
    if (times.mtimeMs !== undefined) node.mtimeMs = times.mtimeMs;
    if (times.atimeMs !== undefined) node.atimeMs = times.atimeMs;
    this.tree.touch(node);
  }

  async setExpiry(path: string, expiryMs: number | undefined, options: CallOptions = {}): Promise<void> {
    const node = this.node(path, options.signal);
    if (node.kind !== 'file') throw invalidArgument(path, 'only files can expire');
    if (expiryMs === undefined || expiryMs <= 0) delete node.expiryMs;
    else node.expiryMs = expiryMs;
    this.tree.touch(node);
  }

  async close(): Promise<void> {
    // Nothing to release: the tree lives in the registry until dropMemoryStore.
  }
}

