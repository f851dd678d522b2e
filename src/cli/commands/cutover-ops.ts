import { Option, type Command } from 'commander';
import { addStoreOptions } from '../common-options.js';
import { collect } from '../serve-until-signal.js';

/**
 * `lakeshift cutover freeze|unfreeze|final-sync|decommission-check`: the operational end of a
 * migration. Definitions only; the work (cutover-ops-action.ts) is imported when a command runs.
 */
export function registerCutoverOpsCommands(cutover: Command): void {
  const stateOpt = ['--state-dir <dir>', 'job database directory (default $LAKESHIFT_STATE_DIR or .lakeshift/)'] as const;
  const concurrencyOpt = ['--concurrency <n>', 'paths in flight', '16'] as const;

  const freeze = cutover.command('freeze')
    .description('Make Gen1 read-only for everyone but superusers: remove every write bit along the tree, recording each mode and ACL first')
    .argument('<gen1-uri>', 'the tree to freeze, e.g. adl://ACCOUNT.azuredatalakestore.net/ (the account root freezes everything)')
    .option('--dry-run', 'count what would change; change and record nothing')
    .option(...concurrencyOpt).option(...stateOpt);
  addStoreOptions(freeze).action(async (uri: string, o: Record<string, unknown>) => {
    const { runFreezeCommand } = await import('./cutover-ops-action.js');
    await runFreezeCommand(uri, o);
  });

  const unfreeze = cutover.command('unfreeze')
    .description('Restore exactly the modes and ACLs a freeze recorded; refuses paths changed since the freeze unless --force')
    .argument('[gen1-uri]', 'the frozen tree (default: the only frozen one in the job database)')
    .option('--force', 'restore paths changed since the freeze too (their change is overwritten)')
    .option('--dry-run', 'check and list what would be restored; change nothing')
    .option(...concurrencyOpt).option(...stateOpt);
  addStoreOptions(unfreeze).action(async (uri: string | undefined, o: Record<string, unknown>) => {
    const { runUnfreezeCommand } = await import('./cutover-ops-action.js');
    await runUnfreezeCommand(uri, o);
  });

  const finalSync = cutover.command('final-sync')
    .description('After the freeze: the last incremental copy with deletes, then a checksum validation; recorded for decommission-check')
    .argument('<source>', 'the frozen Gen1 tree')
    .argument('<dest>', 'the Gen2 destination, e.g. abfss://FS@ACCOUNT.dfs.core.windows.net/')
    .option('--allow-unfrozen', 'run although the source is not frozen (a rehearsal: it proves nothing about later writes)')
    .option('--dry-run', 'check the freeze and count what the copy would do; copy, validate and record nothing')
    .option('--max-delete <n>', 'refuse to delete more than this many destination paths')
    .option('--identity-map <file>', 'CSV or JSON mapping source object IDs to destination ones')
    .option('--concurrency <n>', 'files in flight', '8').option(...stateOpt);
  addStoreOptions(finalSync).action(async (source: string, dest: string, o: Record<string, unknown>) => {
    const { runFinalSyncCommand } = await import('./cutover-ops-action.js');
    await runFinalSyncCommand(source, dest, o);
  });

  const check = cutover.command('decommission-check')
    .description(`The gate before deleting the Gen1 account: frozen, final sync newer than the last change, zero differences, no Gen1 reference in the workloads; with --gateway / --metastore also no lasting drift and no Gen1 metastore location (exit 0 only when every checked condition holds, 6 otherwise)`)
    .argument('<source>', 'the frozen Gen1 tree')
    .argument('<dest>', 'the Gen2 destination of the final sync')
    .option('--workloads <path...>', 'workload files and folders to scan for Gen1 references')
    .option('--map <MAP>', 'mapping for the workload scan, as for cutover scan: GEN1=GEN2 values or a mapping file (repeatable)', collect)
    .option('--plan <file>', 'plan whose mapping the workload scan uses')
    .option('--gen2-account <name|uri>', 'Gen2 account for --plan (default: the plan\'s destination)')
    .option('--gen1-account <name>', 'Gen1 account for --plan when its source is not an azuredatalakestore.net URI')
    .option('--accept-not-held', 'accept that source paths Gen2 cannot hold are lost with the account')
    .option('--gateway [state-dir]', 'also check lakeshift gateway mirror: no lasting drift and an empty journal (its job database: this one, or STATE-DIR)')
    .addOption(new Option('--metastore <url>', 'also check the Hive metastore has no Gen1 location: postgres://USER@HOST:5432/DB or mysql://USER@HOST:3306/DB').env('LAKESHIFT_METASTORE_URL'))
    .option('--dry-run', 'check only; do not record the check in the job database')
    .option(...stateOpt);
  addStoreOptions(check).action(async (source: string, dest: string, o: Record<string, unknown>) => {
    const { runDecommissionCheckCommand } = await import('./cutover-ops-action.js');
    await runDecommissionCheckCommand(source, dest, o);
  });
}
