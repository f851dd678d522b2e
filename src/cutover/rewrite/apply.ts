import { createHash, randomBytes } from 'node:crypto';
import { chown, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { throwIfCancelled } from '../../core/errors.js';
import { encodeText } from '../scan/file-text.js';
import type { FileRewrite } from '../scan/scan-files.js';
import { TEMP_MARK } from '../scan/walk.js';

/** What --apply did with one file. */
export interface ApplyOutcome {
  file: string;
  status: 'rewritten' | 'changed-since-scan' | 'failed';
  /** Edits written (rewritten) or that were pending. */
  edits: number;
  reason?: string;
}


export interface ApplyOptions {
  signal?: AbortSignal;
  /** Called after the temp file is complete and before it replaces the original (tests). */
  beforeRename?: (file: FileRewrite) => Promise<void> | void;
}

function sha256(buf: Buffer): string {
  return createHash('sha256').update(buf).digest('hex');
}

/**
 * Writes each rewrite in place, atomically: the new bytes (same encoding and BOM as the original; edits
 * keep line endings and indentation) go to a temp file in the same folder with the original's mode
 * (and owner, when run as root), are flushed to disk, and replace the original with one rename. A
 * file whose bytes changed since the scan is refused and left alone. An interruption at any point
 * leaves every file either old or new. Stops between files when the signal fires (throws 'cancelled').
 */
export async function applyRewrites(rewrites: readonly FileRewrite[], options: ApplyOptions = {}): Promise<ApplyOutcome[]> {
  const out: ApplyOutcome[] = [];
  for (const r of rewrites) {
    throwIfCancelled(options.signal);
    out.push(await applyOne(r, options));
  }
  return out;
}

async function applyOne(r: FileRewrite, options: ApplyOptions): Promise<ApplyOutcome> {
  const base = { file: r.file, edits: r.edits.length };
  let current: Buffer;
  let mode: number;
  let uid: number;
  let gid: number;
  try {
    current = await readFile(r.abs);
    ({ mode, uid, gid } = await stat(r.abs));
  } catch (error) {
    return { ...base, status: 'failed', reason: `cannot read it again (${(error as NodeJS.ErrnoException).code ?? 'error'}); nothing written` };
  }
  if (sha256(current) !== r.sha256) return { ...base, status: 'changed-since-scan', reason: 'the file changed since the scan; nothing written: scan again and review the new diff' };
  const tmp = join(dirname(r.abs), `.${basename(r.abs)}${TEMP_MARK}${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  try {
    const fh = await open(tmp, 'wx', mode & 0o7777);
    try {
      await fh.writeFile(encodeText(r.after, r.encoding));
      await fh.chmod(mode & 0o7777);
      await fh.sync();
    } finally {
      await fh.close();
    }
    if (process.getuid?.() === 0) await chown(tmp, uid, gid).catch(() => undefined);
    await options.beforeRename?.(r);
    // Last check just before the switch, so an edit made while the temp file was written is not lost.
    if (sha256(await readFile(r.abs)) !== r.sha256) {
      await unlink(tmp).catch(() => undefined);
      return { ...base, status: 'changed-since-scan', reason: 'the file changed while it was being rewritten; nothing written: scan again' };
    }
    await rename(tmp, r.abs);
    return { ...base, status: 'rewritten' };
  } catch (error) {
    await unlink(tmp).catch(() => undefined);
    const why = (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error));
    return { ...base, status: 'failed', reason: `could not write it (${why}); the original is unchanged` };
  }
}
