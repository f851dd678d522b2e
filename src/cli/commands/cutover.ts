import type { Command } from 'commander';
import { registerCutoverWorkloadCommands } from './cutover-workloads.js';
import { registerCutoverOpsCommands } from './cutover-ops.js';
import { registerCutoverMetastoreCommands } from './cutover-metastore.js';

/**
 * `lakeshift cutover ...`: step 4 of a migration. Each part registers its subcommands on the one
 * `cutover` command: workload scan and rewrite, freeze / final sync / decommission, metastore.
 */
export function registerCutoverCommand(program: Command): Command {
  const cutover = program
    .command('cutover')
    .description('Cut over to Gen2: find and rewrite Gen1 in workloads and metastores, freeze Gen1, final sync, decommission check');
  registerCutoverWorkloadCommands(cutover);
  registerCutoverOpsCommands(cutover);
  registerCutoverMetastoreCommands(cutover);
  return cutover;
}
