import { Option, type Command } from 'commander';
import { PRESERVE_KEYS } from '../../engine/types.js';
import { addStoreOptions } from '../common-options.js';
import { collect } from '../serve-until-signal.js';

/**
 * The `bisync` command's definition. The work lives in bisync-action.ts, imported when the command
 * runs (so `--help` loads nothing else). Design: docs/bisync.md.
 */
export function registerBisyncCommand(program: Command): void {
  const cmd = program
    .command('bisync')
    .description('Keep two live lakes in step both ways (Gen1 and Gen2 during a phased move): per-path baseline, renames, conflicts, guards')
    .argument('<path1>', 'first side, e.g. adl://ACCOUNT.azuredatalakestore.net/path')
    .argument('<path2>', 'second side, e.g. abfss://FS@ACCOUNT.dfs.core.windows.net/path')
    .option('--resync', 'build the baseline (first run, or after a filter/compare change): copies one-sided files across, never deletes')
    .addOption(new Option('--resync-mode <mode>', 'with --resync: which side wins where both differ (the loser is kept)').choices(['path1', 'path2', 'newer', 'larger']).default('path1'))
    .option('--dry-run', 'print the plan; change nothing')
    .option('--include <glob>', 'only files matching (repeatable; a change needs --resync)', collect)
    .option('--exclude <glob>', 'leave out matching paths (repeatable; a change needs --resync)', collect)
    .option('--compare <list>', 'what detects a change on a side against its own baseline: comma list of size, mtime, etag, checksum', 'size,mtime,etag')
    .option('--settle <interval>', 'defer paths modified this recently (files still being appended)', '2m')
    .option('--conflict-resolve <policy>', 'none, path1, path2, newer, older, larger or smaller (gen1/gen2 = path1/path2)', 'newer')
    .option('--conflict-rule <rule>', "per-prefix policy, e.g. '/raw/**=path1' or '/curated/**=path1 until 2027-01-15 then path2' (repeatable, first match wins)", collect)
    .addOption(new Option('--conflict-loser <how>', 'keep the loser under /_lakeshift/conflicts/RUN/PATH on its side (backup) or as NAME.conflictN beside the winner (suffix)').choices(['backup', 'suffix']).default('backup'))
    .option('--max-delete <percent>', 'stop (exit 6) when a run would delete more than this share of the files on a side', '50')
    .option('--max-delete-count <n>', 'stop (exit 6) when a run would delete more than this many files on a side')
    .option('--max-conflicts <n>', 'stop (exit 6) past this many conflicts (a sign of a mis-paired run)', '100')
    .option('--max-transfer <size>', 'stop (exit 6) when a run would copy more than this many bytes, e.g. 50GB or 2TiB (resync too)')
    .option('--max-renames <n>', 'stop (exit 6) when renames would move more than this many files on a side (a directory rename counts each file)')
    .option('--force', 'override the ratio guards (max-delete percent, all files changed, empty side)')
    .option('--no-renames', 'do not detect renames (a rename becomes a delete and a copy)')
    .option('--create-empty-dirs', 'sync directories too, empty ones included')
    .option('--check-access', 'stop (exit 6) unless both sides hold the same non-empty set of .lakeshift-sentinel files')
    .option('--preserve <list>', `metadata to carry: comma list of ${PRESERVE_KEYS.join(', ')} or none`, PRESERVE_KEYS.join(','))
    .option('--identity-map <file>', 'CSV or JSON map of principals path1 -> path2 (inverted for writes onto path1)')
    .option('--concurrency <n>', 'actions in flight', '8')
    .option('--block-size <size>', 'chunk size for large files, e.g. 8MiB', '8MiB')
    .option('--every <interval>', 'repeat every interval, e.g. 5m, until Ctrl-C')
    .option('--lock-wait <interval>', 'wait this long for another run on the pair to finish (default: exit at once)')
    .option('--state-dir <dir>', 'job database directory (default $LAKESHIFT_STATE_DIR or .lakeshift/)');
  addStoreOptions(cmd);
  cmd.action(async (path1: string, path2: string, o: Record<string, unknown>) => {
    const { runBisyncCommand } = await import('./bisync-action.js');
    process.exitCode = await runBisyncCommand(path1, path2, o);
  });
}
