import { createTwoFilesPatch } from 'diff';

/**
 * A unified diff of one file's rewrite (`diff` package, the jsdiff library): `a/FILE` and `b/FILE`
 * headers and 3 lines of context, which `git apply` and `patch -p1` accept. Line endings are part of
 * the lines, so a CRLF file's patch carries CRLF.
 */
export function unifiedDiff(file: string, before: string, after: string): string {
  const name = file.replace(/^\.?\/+/, '');
  return createTwoFilesPatch(`a/${name}`, `b/${name}`, before, after, undefined, undefined, { context: 3 }).replace(/^=+\n/m, '');
}
