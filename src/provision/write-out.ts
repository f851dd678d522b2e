import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, join, resolve, sep } from 'node:path';
import { StorageError } from '../core/errors.js';

/**
 * Writes generated files into `dir` only: each as a temporary file in the same directory, renamed into
 * place (a reader never sees half a file). Names must be plain file names (no separators, no `..`).
 * On failure the temporary files are removed; files already renamed stay (each is complete).
 */
export async function writeFilesAtomically(dir: string, files: ReadonlyMap<string, string>): Promise<string[]> {
  const root = resolve(dir);
  for (const name of files.keys()) {
    if (name !== basename(name) || name === '.' || name === '..' || name.includes(sep)) throw new StorageError('invalid-argument', `refusing to write '${name}' outside ${root}`);
  }
  await mkdir(root, { recursive: true });
  const temps: string[] = [];
  const written: string[] = [];
  try {
    const staged: [string, string][] = [];
    for (const [name, text] of files) {
      const temp = join(root, `.${name}.${randomBytes(6).toString('hex')}.tmp`);
      temps.push(temp);
      await writeFile(temp, text, { flag: 'wx' });
      staged.push([temp, join(root, name)]);
    }
    for (const [temp, target] of staged) {
      await rename(temp, target);
      written.push(target);
    }
    return written;
  } finally {
    await Promise.all(temps.map((t) => rm(t, { force: true })));
  }
}
