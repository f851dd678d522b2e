import { readFile } from 'node:fs/promises';
import { isStorageError } from '../core/errors.js';
import { parseIdentityMap } from '../engine/acl-translate.js';
import { createPathFilter } from '../engine/filters.js';
import { PRESERVE_KEYS, type PreserveKey } from '../engine/types.js';
import { UserError } from './cli-error.js';

/** Flags shared by the commands that copy (migrate, bisync): filters, --preserve, --identity-map. */

/** Runs `fn`, turning an invalid-argument StorageError into a UserError (exit 2). */
export function asUserError<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (isStorageError(error, 'invalid-argument')) throw new UserError(error.message);
    throw error;
  }
}

/** --include / --exclude, checked (a malformed glob is a UserError). */
export function parseFilterFlags(o: Record<string, unknown>): { include: string[]; exclude: string[] } {
  const include = (o['include'] as string[] | undefined) ?? [];
  const exclude = (o['exclude'] as string[] | undefined) ?? [];
  asUserError(() => createPathFilter(include, exclude));
  return { include, exclude };
}

/** --preserve LIST (or 'none'); default every key. */
export function parsePreserveFlag(o: Record<string, unknown>): PreserveKey[] {
  const text = typeof o['preserve'] === 'string' ? o['preserve'] : PRESERVE_KEYS.join(',');
  const preserve = text === 'none' ? [] : text.split(',').map((p) => p.trim()).filter((p) => p !== '');
  for (const p of preserve) if (!(PRESERVE_KEYS as readonly string[]).includes(p)) throw new UserError(`--preserve: unknown item '${p}'. Use a comma list of ${PRESERVE_KEYS.join(', ')} (or 'none').`);
  return preserve as PreserveKey[];
}

/** Reads and parses --identity-map FILE, when given. */
export async function readIdentityMapFlag(o: Record<string, unknown>): Promise<Map<string, string> | undefined> {
  if (typeof o['identityMap'] !== 'string') return undefined;
  const file = o['identityMap'];
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UserError(`--identity-map: cannot read '${file}' (${(error as Error).message}).`);
  }
  return asUserError(() => parseIdentityMap(text, file));
}
