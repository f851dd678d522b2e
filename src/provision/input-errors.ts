import type { z } from 'zod';
import { StorageError } from '../core/errors.js';

/** Formats a zod issue path as `firewallRules[2].startIpAddress`. */
export function issuePath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? '(root)' : out;
}

/** Parses JSON text; throws StorageError('invalid-argument') naming the file and the JSON error. */
export function parseJsonText(text: string, fileName: string, hint: string): unknown {
  try {
    return JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new StorageError('invalid-argument', `${fileName}: not valid JSON (${error instanceof Error ? error.message : String(error)}). ${hint}`);
  }
}

/** Throws StorageError('invalid-argument') naming the file and every offending field (first 10). */
export function failWithIssues(error: z.ZodError, fileName: string, hint: string, prefix: ReadonlyArray<PropertyKey> = []): never {
  const lines = error.issues.slice(0, 10).map((issue) => `${fileName}: ${issuePath([...prefix, ...issue.path])}: ${issue.message}`);
  const more = error.issues.length > 10 ? `\n(${error.issues.length - 10} more problems)` : '';
  throw new StorageError('invalid-argument', `${lines.join('\n')}${more}\n${hint}`);
}
