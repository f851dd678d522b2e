import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';

/**
 * A small filesystem for disk-full tests: mounts a tmpfs of `mib` MiB at `dir` (root only). Returns
 * why not when it cannot, for the test to print as its skip reason.
 */
export function mountTmpfs(dir: string, mib: number): string | undefined {
  if (process.getuid?.() !== 0) return 'not running as root, so no small filesystem can be mounted';
  try {
    mkdirSync(dir, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${mib}m`, 'tmpfs', dir], { stdio: 'pipe' });
    return undefined;
  } catch (error) {
    return `mount -t tmpfs failed: ${(error as Error).message.split('\n')[0] ?? ''}`;
  }
}

/** Grows a tmpfs mounted by mountTmpfs to `mib` MiB. */
export function resizeTmpfs(dir: string, mib: number): void {
  execFileSync('mount', ['-o', `remount,size=${mib}m`, dir], { stdio: 'pipe' });
}

/** Unmounts it (quietly when it is not mounted). */
export function unmountTmpfs(dir: string): void {
  try {
    execFileSync('umount', [dir], { stdio: 'pipe' });
  } catch {
    // not mounted
  }
}
