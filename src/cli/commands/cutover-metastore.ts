import { Option, type Command } from 'commander';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

function addConnection(cmd: Command): Command {
  return cmd
    .addOption(new Option('--metastore <url>', 'the metastore database: postgres://USER@HOST:5432/DB, mysql://USER@HOST:3306/DB (mssql:// statements are generated as text only)').env('LAKESHIFT_METASTORE_URL'))
    .option('--batch-size <n>', 'rows per query and per UPDATE', '2000')
    .addOption(new Option('--output <format>', 'text for people, json for scripts').choices(['text', 'json']).default('text'));
}

function addMapping(cmd: Command): Command {
  return cmd
    .option('--map <GEN1=GEN2>', 'map a Gen1 location prefix to a Gen2 one (repeatable; as for cutover rewrite)', collect)
    .option('--map-file <file>', 'the cutover mapping file')
    .option('--plan <plan.yaml>', 'take the mapping from the migration plan')
    .option('--gen1-account <name>', 'with --plan: the Gen1 account when the plan source is not an azuredatalakestore.net URI')
    .option('--gen2-account <name|uri>', "with --plan: the Gen2 account (default: the plan's destination)");
}

/**
 * Registers `lakeshift cutover metastore scan|rewrite|undo`. The actions live in
 * cutover-metastore-action.ts and are imported when a subcommand runs.
 */
export function registerCutoverMetastoreCommands(cutover: Command): void {
  const metastore = cutover.command('metastore').description('Find and rewrite Gen1 locations inside a Hive metastore database (PostgreSQL, MySQL/MariaDB), with a reviewed plan and undo');

  addMapping(addConnection(metastore.command('scan').description('List every Gen1 location in the metastore (read-only) and what the mapping makes of it')))
    .action(async (o: Record<string, unknown>) => {
      const { scanMetastoreCommand } = await import('./cutover-metastore-action.js');
      await scanMetastoreCommand(o);
    });

  addMapping(addConnection(metastore.command('rewrite').description('Print the rewrite plan (default), write it as SQL for a DBA (--sql-out), or apply it with an undo file (--apply --undo-file)')))
    .option('--apply', 'change the metastore: one transaction, each UPDATE guarded by the planned old value')
    .option('--undo-file <file>', 'with --apply: where the old values are written first (must not exist)')
    .option('--sql-out <file>', 'write the UPDATE statements for a DBA to review and run; changes nothing')
    .action(async (o: Record<string, unknown>) => {
      const { rewriteMetastoreCommand } = await import('./cutover-metastore-action.js');
      await rewriteMetastoreCommand(o);
    });

  addConnection(metastore.command('undo').description('Restore every row an --apply changed, from its undo file').argument('<file>', 'the undo file written by rewrite --apply'))
    .action(async (file: string, o: Record<string, unknown>) => {
      const { undoMetastoreCommand } = await import('./cutover-metastore-action.js');
      await undoMetastoreCommand(file, o);
    });
}
