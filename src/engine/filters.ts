import picomatch from 'picomatch';
import { StorageError } from '../core/errors.js';
import { joinPath, pathSegments } from '../core/entry.js';

/** Decides which source paths a job covers. */
export interface PathFilter {
  /** True when the path (a source path) is part of the job. */
  accepts(sourcePath: string, kind: 'file' | 'directory'): boolean;
}

function compile(globs: readonly string[], flag: string): ((p: string) => boolean) | undefined {
  if (globs.length === 0) return undefined;
  const matchers = globs.map((g) => {
    if (g.trim() === '') throw new StorageError('invalid-argument', `Empty ${flag} glob. Give a pattern such as 'raw/**/*.csv'.`);
    let re: RegExp;
    try {
      re = picomatch.makeRe(g, { dot: true, strictBrackets: true });
      // picomatch accepts unbalanced patterns leniently; reject the common malformed cases explicitly.
      if (/(^|[^\\])\[(?![^\]]*\])/.test(g) || /(^|[^\\])\{(?![^}]*\})/.test(g)) throw new Error('unbalanced [ or {');
    } catch (error) {
      throw new StorageError('invalid-argument', `Malformed ${flag} glob '${g}': ${(error as Error).message}. Check the brackets and braces (escape literal ones with \\).`);
    }
    return (p: string): boolean => re.test(p);
  });
  return (p) => matchers.some((m) => m(p));
}

/**
 * Builds the include/exclude filter. Exclude globs drop matching files and directories with their
 * whole subtree; include globs (when given) keep only matching files (directories are always kept
 * so the tree structure and empty directories migrate). Throws StorageError('invalid-argument') for
 * a malformed glob.
 */
export function createPathFilter(include: readonly string[] = [], exclude: readonly string[] = []): PathFilter {
  const inc = compile(include, '--include');
  const exc = compile(exclude, '--exclude');
  return {
    accepts(sourcePath, kind) {
      if (exc !== undefined) {
        const segs = pathSegments(sourcePath);
        for (let i = 1; i <= segs.length; i++) if (exc(joinPath(...segs.slice(0, i)))) return false;
      }
      if (kind === 'file' && inc !== undefined && !inc(sourcePath)) return false;
      return true;
    },
  };
}
