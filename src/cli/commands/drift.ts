import type { Command } from 'commander';
import { addStoreOptions } from '../common-options.js';

/** Registers `lakeshift drift GEN1 GEN2`; the comparison (drift-action.ts, src/gateway/drift.ts) loads when it runs. */
export function registerDriftCommand(program: Command): void {
  const cmd = program
    .command('drift')
    .description('What differs between GEN1 (authoritative) and GEN2, for how long, and whether that is ready for cutover (no difference older than --settle). Exit 1 when not ready.')
    .argument('<gen1>', 'Gen1 URI, e.g. adl://ACCOUNT.azuredatalakestore.net/path')
    .argument('<gen2>', 'Gen2 URI, e.g. abfss://gen1@ACCOUNT.dfs.core.windows.net/path')
    .option('--settle <interval>', 'differences younger than this are in flight, not drift', '2m')
    .option('--repair', 'bring Gen2 to Gen1 state for every difference found, then compare again', false)
    .option('--every <interval>', 'check again every interval until Ctrl-C')
    .option('--checksum', 'compare file contents too (both sides streamed)', false)
    .option('--sample <percent>', 'check only this percentage of files')
    .option('--state-dir <dir>', 'job database directory keeping first-seen times (default $LAKESHIFT_STATE_DIR or .lakeshift/)');
  addStoreOptions(cmd);
  cmd.action(async (gen1: string, gen2: string, o: Record<string, unknown>) => {
    const { runDriftCommand } = await import('./drift-action.js');
    await runDriftCommand(gen1, gen2, o);
  });
}
