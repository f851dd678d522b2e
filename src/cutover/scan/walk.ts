import { readFileSync, readdirSync, type Dirent } from 'node:fs';
import { lstat, realpath, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { StorageError, throwIfCancelled } from '../../core/errors.js';
import type { SkippedFile } from './types.js';

/** A file to scan: where it is and how findings name it. */
export interface WalkedFile {
  abs: string;
  display: string;
}

interface IgnoreLevel {
  /** Directory of the .gitignore, relative to the walk root ('' = the root). */
  base: string;
  matcher: Ignore;
}

/** Marks the temp files of `cutover rewrite --apply` (a killed run may leave one; it is never scanned). */
export const TEMP_MARK = '.lakeshift-rewrite-';

function toPosix(p: string): string {
  return sep === '/' ? p : p.split(sep).join('/');
}

function isIgnored(levels: readonly IgnoreLevel[], rel: string, isDir: boolean): boolean {
  for (const level of levels) {
    const sub = level.base === '' ? rel : rel.startsWith(`${level.base}/`) ? rel.slice(level.base.length + 1) : undefined;
    if (sub === undefined || sub === '') continue;
    if (level.matcher.ignores(isDir ? `${sub}/` : sub)) return true;
  }
  return false;
}

function inside(parent: string, child: string): boolean {
  const r = relative(parent, child);
  return r === '' || (!r.startsWith('..') && !r.startsWith(sep) && r !== '..');
}

/**
 * Walks the given paths: files are yielded as they are found; directories are walked depth-first,
 * honouring each `.gitignore` on the way (the `ignore` package: git's own matching rules) and skipping
 * `.git`. Symbolic links are never followed: each is reported as skipped with what it points to
 * (a loop, outside the tree, inside the tree where its target is scanned anyway, or broken). Other
 * non-regular files are skipped too. A path that does not exist throws StorageError('not-found').
 */
export async function* walkPaths(paths: readonly string[], skipped: SkippedFile[], signal?: AbortSignal): AsyncGenerator<WalkedFile> {
  for await (const files of walkBatches(paths, skipped, signal)) yield* files;
}

/**
 * The same walk, one array of files per folder (in the same order): one await per folder instead of
 * one per file, which is most of the walk's cost on trees of small files.
 */
export async function* walkBatches(paths: readonly string[], skipped: SkippedFile[], signal?: AbortSignal): AsyncGenerator<WalkedFile[]> {
  const roots: { arg: string; abs: string; isDir: boolean }[] = [];
  for (const arg of paths) {
    let s;
    try {
      s = await stat(arg);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      throw new StorageError(code === 'ENOENT' || code === 'ENOTDIR' ? 'not-found' : 'invalid-argument', `${arg}: ${code === 'ENOENT' ? 'no such file or directory' : `cannot open (${code})`}. Give an existing file or folder to scan.`, { path: arg, cause: error });
    }
    roots.push({ arg, abs: await realpath(arg), isDir: s.isDirectory() });
  }
  for (const root of roots) {
    if (!root.isDir) {
      yield [{ abs: root.abs, display: root.arg }];
      continue;
    }
    yield* walkDir(root.abs, root.arg, skipped, signal);
  }
}

async function* walkDir(rootAbs: string, rootArg: string, skipped: SkippedFile[], signal: AbortSignal | undefined): AsyncGenerator<WalkedFile[]> {
  const display = (rel: string): string => (rel === '' ? rootArg : join(rootArg, rel));
  const stack: { rel: string; levels: IgnoreLevel[] }[] = [{ rel: '', levels: [] }];
  while (stack.length > 0) {
    throwIfCancelled(signal);
    const { rel, levels: parentLevels } = stack.pop() as { rel: string; levels: IgnoreLevel[] };
    const dirAbs = rel === '' ? rootAbs : join(rootAbs, rel);
    let entries: Dirent[];
    try {
      entries = readdirSync(dirAbs, { withFileTypes: true });
    } catch (error) {
      skipped.push({ file: display(rel), reason: `cannot list the folder (${(error as NodeJS.ErrnoException).code ?? 'error'})` });
      continue;
    }
    let levels = parentLevels;
    if (entries.some((e) => e.name === '.gitignore' && e.isFile())) {
      try {
        const text = readFileSync(join(dirAbs, '.gitignore'), 'utf8');
        levels = [...parentLevels, { base: rel, matcher: ignore().add(text) }];
      } catch (error) {
        skipped.push({ file: display(rel === '' ? '.gitignore' : `${rel}/.gitignore`), reason: `cannot read the .gitignore (${(error as NodeJS.ErrnoException).code ?? 'error'}); its rules were not applied` });
      }
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    // Below the root, a child's paths are its folder's (already normalised) plus its name: no join per file.
    const dirDisplay = display(rel);
    const files: WalkedFile[] = [];
    const dirs: { rel: string; levels: IgnoreLevel[] }[] = [];
    for (const e of entries) {
      if (e.name === '.git' || (e.name.includes(TEMP_MARK) && e.name.endsWith('.tmp'))) continue;
      const childRel = toPosix(rel === '' ? e.name : `${rel}/${e.name}`);
      const isDir = e.isDirectory();
      if (isIgnored(levels, childRel, isDir)) continue;
      if (isDir) dirs.push({ rel: childRel, levels });
      else if (e.isFile()) files.push(rel === '' ? { abs: join(rootAbs, childRel), display: display(childRel) } : { abs: `${dirAbs}${sep}${e.name}`, display: `${dirDisplay}${sep}${e.name}` });
      else if (e.isSymbolicLink()) skipped.push({ file: display(childRel), reason: await describeLink(rootAbs, dirAbs, join(rootAbs, childRel)) });
      else skipped.push({ file: display(childRel), reason: 'not a regular file (device, socket or pipe)' });
    }
    // Depth-first in name order: this folder's files, then its folders (the stack pops the first name first).
    for (let i = dirs.length - 1; i >= 0; i -= 1) stack.push(dirs[i] as { rel: string; levels: IgnoreLevel[] });
    if (files.length > 0) yield files;
  }
}

/** Why a symbolic link is not followed, by what it points to. */
async function describeLink(rootAbs: string, dirAbs: string, linkAbs: string): Promise<string> {
  let target: string;
  try {
    target = await realpath(linkAbs);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ELOOP' ? 'symbolic link loop: not followed' : 'broken symbolic link: not followed';
  }
  if (!inside(rootAbs, target)) return 'symbolic link to outside the scanned tree: not followed';
  const dirReal = await realpath(dirAbs);
  if (inside(target, dirReal)) return 'symbolic link loop (it points to a folder that contains it): not followed';
  const s = await lstat(target).catch(() => undefined);
  return `symbolic link inside the tree: not followed (its ${s?.isDirectory() === true ? 'folder' : 'file'} is scanned at its own path)`;
}
