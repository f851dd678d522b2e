import { TopN } from './bounded.js';

/**
 * Per-directory aggregation during a walk-order traversal. Only the chain of open ancestors is held
 * (one frame per depth level), so memory is bounded by depth, not by the size of the tree.
 *
 * "Newest" of a directory = the newest modification time among the directory itself and all its
 * descendants (files and directories). A directory is inactive when its
 * newest time is older than the cutoff. Only maximal inactive folders are reported: when a parent is
 * inactive too, it replaces its inactive children.
 */
export interface InactiveFolder {
  path: string;
  newestMtimeMs: number;
  files: number;
  bytes: number;
}

export interface ClosedDirectory {
  path: string;
  /** Direct children (files and directories). */
  children: number;
  directFiles: number;
  directBytes: number;
  subtreeFiles: number;
  subtreeBytes: number;
  isEmpty: boolean;
}

interface Frame {
  path: string;
  prefix: string;
  mtimeMs: number;
  newest: number;
  children: number;
  directFiles: number;
  directBytes: number;
  subtreeFiles: number;
  subtreeBytes: number;
  pendingCount: number;
  pendingFiles: number;
  pendingBytes: number;
  pendingTop: TopN<InactiveFolder> | undefined;
}

export interface DirectoryStackOptions {
  /** Directories whose newest descendant is older than this (ms since epoch) are inactive. */
  inactiveBeforeMs: number;
  /** How many inactive folders to keep as examples (largest by bytes). */
  topInactive: number;
  /** Called once per directory when its subtree is complete. */
  onClose: (dir: ClosedDirectory) => void;
}

function newFrame(path: string, mtimeMs: number): Frame {
  return {
    path,
    prefix: path === '' ? '' : `${path}/`,
    mtimeMs,
    newest: Number.NEGATIVE_INFINITY,
    children: 0,
    directFiles: 0,
    directBytes: 0,
    subtreeFiles: 0,
    subtreeBytes: 0,
    pendingCount: 0,
    pendingFiles: 0,
    pendingBytes: 0,
    pendingTop: undefined,
  };
}

export class DirectoryStack {
  private readonly frames: Frame[];
  readonly inactive = { count: 0, files: 0, bytes: 0 };
  readonly inactiveTop: TopN<InactiveFolder>;

  constructor(private readonly options: DirectoryStackOptions) {
    this.frames = [newFrame('', Number.NEGATIVE_INFINITY)];
    this.inactiveTop = new TopN(options.topInactive);
  }

  /** Feeds one entry; entries must arrive in walk order (a directory before its descendants). */
  add(path: string, kind: 'file' | 'directory', size: number, mtimeMs: number): void {
    let top = this.popUntilAncestorOf(path);
    top.children++;
    if (mtimeMs > top.newest) top.newest = mtimeMs;
    if (kind === 'file') {
      top.directFiles++;
      top.directBytes += size;
      top.subtreeFiles++;
      top.subtreeBytes += size;
    } else {
      top = newFrame(path, mtimeMs);
      this.frames.push(top);
    }
  }

  /** Closes every open directory (call once at the end of the walk). */
  finish(): void {
    while (this.frames.length > 1) this.popOne();
    const root = this.frames[0];
    if (root !== undefined) this.flushPending(root);
  }

  private popUntilAncestorOf(path: string): Frame {
    while (this.frames.length > 1) {
      const top = this.frames[this.frames.length - 1];
      if (top !== undefined && path.startsWith(top.prefix)) return top;
      this.popOne();
    }
    const root = this.frames[0];
    if (root === undefined) throw new Error('directory stack lost its root frame');
    return root;
  }

  private popOne(): void {
    const frame = this.frames.pop();
    const parent = this.frames[this.frames.length - 1];
    if (frame === undefined || parent === undefined) return;
    const isEmpty = frame.children === 0;
    const newest = Math.max(frame.newest, frame.mtimeMs);
    this.options.onClose({
      path: frame.path,
      children: frame.children,
      directFiles: frame.directFiles,
      directBytes: frame.directBytes,
      subtreeFiles: frame.subtreeFiles,
      subtreeBytes: frame.subtreeBytes,
      isEmpty,
    });
    if (newest < this.options.inactiveBeforeMs) {
      // The whole folder is inactive: it replaces any inactive children it collected.
      const folder = { path: frame.path, newestMtimeMs: newest, files: frame.subtreeFiles, bytes: frame.subtreeBytes };
      parent.pendingCount++;
      parent.pendingFiles += folder.files;
      parent.pendingBytes += folder.bytes;
      parent.pendingTop ??= new TopN(this.options.topInactive);
      parent.pendingTop.offer(folder.bytes, folder);
    } else {
      this.flushPending(frame);
    }
    if (newest > parent.newest) parent.newest = newest;
    parent.subtreeFiles += frame.subtreeFiles;
    parent.subtreeBytes += frame.subtreeBytes;
  }

  private flushPending(frame: Frame): void {
    this.inactive.count += frame.pendingCount;
    this.inactive.files += frame.pendingFiles;
    this.inactive.bytes += frame.pendingBytes;
    for (const f of frame.pendingTop?.sorted() ?? []) this.inactiveTop.offer(f.bytes, f);
    frame.pendingCount = 0;
    frame.pendingFiles = 0;
    frame.pendingBytes = 0;
    frame.pendingTop = undefined;
  }
}
