import type { Command } from 'commander';
import { addStoreOptions } from '../common-options.js';

/**
 * `lakeshift prepare DEST --plan plan.yaml`: the data-plane part of provisioning (src/provision/prepare),
 * imported by prepare-action.ts when the command runs.
 */
export function registerPrepareCommand(program: Command): void {
  const cmd = program
    .command('prepare')
    .description("Check a live Gen2 account (HNS on), create each plan filesystem, set its root owner, group, mode and ACLs from Gen1's through the identity map, and probe the caller's rights; idempotent")
    .argument('<dest>', 'the Gen2 account: abfss://FS@ACCOUNT.dfs.core.windows.net/ or http://127.0.0.1:PORT/ACCOUNT/FS (the filesystem part is ignored)')
    .requiredOption('--plan <file>', 'the plan (`lakeshift plan`): filesystems and identity map')
    .option('--source <uri>', "Gen1 location to read the root ACLs from (default: the plan's source)")
    .option('--identity-map <file>', 'CSV or JSON map of principals, merged over the plan identity map (the file wins)')
    .option('--dry-run', 'say what would be created and changed; write nothing');
  addStoreOptions(cmd);
  cmd.action(async (dest: string, o: Record<string, unknown>) => {
    const { runPrepareCommand } = await import('./prepare-action.js');
    await runPrepareCommand(dest, o);
  });
}
