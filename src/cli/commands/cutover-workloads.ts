import { Option, type Command } from 'commander';

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** The flags `cutover scan` and `cutover rewrite` share: where the mapping comes from, size limit, output. */
function addWorkloadFlags(cmd: Command): Command {
  return cmd
    .argument('<paths...>', 'files and folders to scan (.gitignore is honoured)')
    .option('--map <MAP>', 'adl://ACCOUNT.azuredatalakestore.net/PREFIX=abfss://FS@ACCOUNT2.dfs.core.windows.net/PATH, or a mapping file (YAML/JSON); repeatable', collect)
    .option('--plan <file>', 'a lakeshift plan: every data set maps its Gen1 prefix to its filesystem and path')
    .option('--gen2-account <name|uri>', 'Gen2 account for --plan (default: the plan\'s destination)')
    .option('--gen1-account <name>', 'Gen1 account for --plan when its source is not an azuredatalakestore.net URI')
    .option('--max-file-size <size>', 'skip (and list) larger files, e.g. 64MiB', '16MiB')
    .option('--workers <n>', 'worker threads for trees of more than 1,024 files (default: one per idle core beyond the first, at most 3; 0: this thread only)')
    .addOption(new Option('--output <format>', 'text for people, json for scripts').choices(['text', 'json']).default('text'));
}

/**
 * Registers `lakeshift cutover scan` and `lakeshift cutover rewrite` (the workload part of the cutover).
 * The implementation (cutover-workloads-action.ts) is imported when a command runs.
 */
export function registerCutoverWorkloadCommands(cutover: Command): void {
  const scan = cutover
    .command('scan')
    .description('Find every Gen1 reference in workloads (URIs, Hadoop/Spark keys, mounts, pipelines, IaC, SDK calls) and say what lakeshift will do with each. Exit 0: nothing needs a person; 1: some findings need a person.');
  addWorkloadFlags(scan).action(async (paths: string[], opts: Record<string, unknown>) => {
    const { runScanCommand } = await import('./cutover-workloads-action.js');
    await runScanCommand(paths, opts);
  });
  const rewrite = cutover
    .command('rewrite')
    .description('Show the unified diff of every rewrite lakeshift can make from the mapping (writes nothing), or with --apply write them in place atomically.');
  addWorkloadFlags(rewrite)
    .option('--apply', 'write the rewrites (temp file + rename per file; files changed since the scan are refused)')
    .action(async (paths: string[], opts: Record<string, unknown>) => {
      const { runRewriteCommand } = await import('./cutover-workloads-action.js');
      await runRewriteCommand(paths, opts);
    });
}
