import { readFile } from 'node:fs/promises';
import { parseIdentityMap } from '../core/identity-map.js';
import { StorageError } from '../core/errors.js';

/**
 * Reads an identity map file (JSON or CSV `source,target`, see src/core/identity-map.ts) and returns
 * it keyed by source principal. Throws StorageError('invalid-argument') naming the file (and line)
 * for a missing, unreadable or malformed file.
 */
export async function loadIdentityMap(file: string): Promise<Map<string, string>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new StorageError('invalid-argument', `identity map ${file}: cannot read it (${code}); pass a JSON or CSV file of source,target principals`);
  }
  return parseIdentityMap(text, file);
}
