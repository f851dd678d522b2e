import type { Command } from 'commander';
import { addStoreOptions } from '../common-options.js';

/** Registers `lakeshift validate SOURCE DEST`; the comparison (validate-action.ts) is imported when it runs. */
export function registerValidateCommand(program: Command): void {
  const cmd = program
    .command('validate')
    .description('Compare SOURCE and DEST: missing, extra, type, size, MD5 (--checksum), owner, group, permissions and ACLs. Exit 1 on any difference.')
    .argument('<source>', 'source URI (adl://, https://…/webhdfs/v1/…, local path, …)')
    .argument('<dest>', 'destination URI (abfss://FS@ACCOUNT.dfs.core.windows.net/path, …)')
    .option('--checksum', 'stream both sides and compare their bytes (MD5s are reported for files that differ)', false)
    .option('--sample <percent>', 'check only this percentage of files (deterministic by path)')
    .option('--no-acl', 'do not compare ACLs')
    .option('--no-owner', 'do not compare owner and group')
    .option('--no-permissions', 'do not compare permission bits')
    .option('--times', 'check that source modification times were preserved', false)
    .option('--identity-map <file>', 'CSV or JSON mapping source object IDs to destination ones')
    .option('--include <glob...>', 'only compare paths matching these globs')
    .option('--exclude <glob...>', 'skip paths matching these globs')
    .option('--concurrency <n>', 'paths compared in parallel', '16')
    .option('--state-dir <dir>', 'record the result in this job database for the dashboard (default: .lakeshift/ or $LAKESHIFT_STATE_DIR when it holds one)');
  addStoreOptions(cmd);
  cmd.action(async (sourceUri: string, destUri: string, opts: Record<string, unknown>) => {
    const { runValidateCommand } = await import('./validate-action.js');
    await runValidateCommand(sourceUri, destUri, opts);
  });
}
