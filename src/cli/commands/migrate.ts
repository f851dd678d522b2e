import { Option, type Command } from 'commander';
import type { Store } from '../../core/store.js';
import { PRESERVE_KEYS } from '../../engine/types.js';
import { UserError } from '../cli-error.js';
import { addStoreOptions } from '../common-options.js';
import { collect } from '../serve-until-signal.js';

/**
 * The `migrate` command's definition: names, flags, help and flag parsers. The work (engine, stores,
 * job database) lives in migrate-action.ts and is imported when the command runs, so `--help`,
 * `--version` and the other commands never load it.
 */

/** How the migrate and jobs commands open stores (replaceable in tests). */
export interface MigrateDeps {
  openStore(uri: string, role: 'source' | 'dest', flags: Record<string, unknown>): Promise<Store>;
}

/**
 * patterns/incremental's DEFAULT_MAX_DELETE, repeated for the help text so that `--help` does not load
 * the engine; migrate.test.ts keeps the two equal. Runs use the engine's constant.
 */
export const DEFAULT_MAX_DELETE_IN_HELP = 1000;

/** Parses a size such as 8MiB, 4M, 512KiB, 1GB or plain bytes. Throws UserError naming the flag. */
export function parseSize(flag: string, text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b?)\s*$/i.exec(text);
  if (m === null || m[1] === undefined) throw new UserError(`${flag} must be a size such as 8MiB, 4M or 1048576; got '${text}'.`);
  const exp = ' kmgt'.indexOf((m[2] ?? '').toLowerCase() || ' ');
  const binary = (m[3] ?? '').toLowerCase().startsWith('i') || (m[3] ?? '') === '';
  const n = Math.round(Number(m[1]) * (binary ? 1024 : 1000) ** exp);
  if (!Number.isSafeInteger(n) || n < 1) throw new UserError(`${flag} must be at least 1 byte; got '${text}'.`);
  return n;
}

/** A parsed `--map PREFIX=FS/PATH`. */
export interface MapSpec {
  sourcePrefix: string;
  target: string;
}

export function parseMapSpec(text: string): MapSpec {
  const i = text.indexOf('=');
  const target = i < 0 ? '' : text.slice(i + 1).replace(/^\/+|\/+$/g, '');
  if (i < 0 || target === '') throw new UserError(`--map '${text}' must look like SOURCE-PREFIX=FILESYSTEM/PATH (for example raw=rawdata/landing, or =gen1 for everything).`);
  return { sourcePrefix: text.slice(0, i).replace(/^\/+|\/+$/g, ''), target };
}

/** Adds the migration flags shared by `migrate` (and documented for `jobs resume`). */
function addMigrateFlags(cmd: Command): Command {
  return cmd
    .option('--map <PREFIX=FS/PATH>', 'map a source prefix to a destination filesystem/path (repeatable; default: everything into DEST)', collect)
    .option('--include <glob>', 'only files matching (repeatable; picomatch over source paths)', collect)
    .option('--exclude <glob>', 'leave out matching files and directories (repeatable)', collect)
    .option('--dry-run', 'count what would be copied; write nothing')
    .option('--concurrency <n>', 'files in flight (memory stays within a 256 MiB byte budget; see docs/migrate-performance.md)', '128')
    .option('--block-size <size>', 'chunk size for large files, e.g. 8MiB', '8MiB')
    .option('--cap-mbps <n>', 'bandwidth cap in megabits per second')
    .option('--preserve <list>', `metadata to carry: comma list of ${PRESERVE_KEYS.join(', ')} or none`, PRESERVE_KEYS.join(','))
    .option('--identity-map <file>', 'CSV source,target or JSON map of principals (object IDs)')
    .addOption(new Option('--overwrite <policy>', 'files already at the destination that this job did not write').choices(['never', 'if-newer', 'always']).default('never'))
    .option('--incremental', 'incremental copy: compare both sides, copy only new and changed files')
    .option('--checksum', 'compare MD5 of both sides instead of size and mtime (implies --incremental)')
    .option('--delete', 'remove destination paths that left the source (implies --incremental)')
    .option('--max-delete <n>', `refuse to delete more than this many paths in one run (default ${DEFAULT_MAX_DELETE_IN_HELP})`)
    .option('--every <interval>', 'repeat every interval, e.g. 15m, until Ctrl-C (implies --incremental)')
    .option('--state-dir <dir>', 'job database directory (default $LAKESHIFT_STATE_DIR or .lakeshift/)')
    .option('--distributed', 'scale-out: plan into the PostgreSQL job database (--state) and enqueue batches for `lakeshift worker` processes; prints the job id')
    .option('--state <url>', 'with --distributed: PostgreSQL job database, e.g. postgres://user@host:5432/db (password from PGPASSWORD)')
    .option('--state-schema <name>', 'with --distributed: PostgreSQL schema of the job tables (default public)')
    .option('--queue <url>', 'with --distributed: the BullMQ queue in Redis (redis://HOST:6379) instead of the job database')
    .option('--batch-files <n>', 'with --distributed: files per batch at most (default 500)')
    .option('--batch-bytes <size>', 'with --distributed: bytes per batch at most (default 8GiB; a larger file is a batch of its own)')
    .option('--account-batches <n>', 'with --distributed: batches in flight per destination account across all workers');
}

/** Registers `lakeshift migrate SOURCE DEST` (or `lakeshift migrate --plan plan.yaml [SOURCE] [DEST]`). */
export function registerMigrateCommand(program: Command, deps?: MigrateDeps): void {
  const cmd = program
    .command('migrate')
    .description('Copy a lake (data, directories, ACLs, owners, permissions, times) from SOURCE to DEST; resumable, incremental on rerun')
    .argument('[source]', 'source URI, e.g. adl://ACCOUNT.azuredatalakestore.net/path (optional with --plan)')
    .argument('[dest]', 'destination URI, e.g. abfss://FS@ACCOUNT.dfs.core.windows.net/path (optional with --plan)')
    .option('--plan <file>', 'run a plan written by `lakeshift plan` (data sets, filesystems, patterns, identity map)')
    .option('--wave <n,...>', 'with --plan: only the data sets of these waves');
  addStoreOptions(addMigrateFlags(cmd));
  cmd.action(async (source: string | undefined, dest: string | undefined, o: Record<string, unknown>) => {
    const { runMigrateCommand } = await import('./migrate-action.js');
    await runMigrateCommand(source, dest, o, deps);
  });
}
