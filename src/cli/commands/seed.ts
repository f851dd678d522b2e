import type { Command } from 'commander';
import { SEED_PROFILES } from '../../seed/types.js';

/** The flags of `lakeshift emulator seed`, as commander parses them. */
export interface SeedFlags {
  profile: string;
  files?: string;
  concurrency?: string;
  gen1Token?: string;
  json?: boolean;
}

/**
 * Adds `lakeshift emulator seed SOURCE_URI --profile small|demo|bench [--files N] [--gen1-token T]`.
 * The seeding (seed-action.ts) is imported when the command runs.
 */
export function registerSeedCommand(emulator: Command): void {
  emulator
    .command('seed')
    .description('Write a deterministic, realistic test lake (data sets, ACLs, owners, awkward names) into any store, e.g. the Gen1 emulator.')
    .argument('<uri>', 'where to write, e.g. http://127.0.0.1:PORT/webhdfs/v1/ or adl://ACCOUNT.azuredatalakestore.net/lake')
    .requiredOption('--profile <name>', `lake size: ${SEED_PROFILES.join(' | ')}`)
    .option('--files <n>', 'bench profile: number of files (default 100000)')
    .option('--concurrency <n>', 'paths written at once (default 8)')
    .option('--gen1-token <token>', 'bearer token for a Gen1 account (default: Azure credentials; the emulator needs none)')
    .option('--json', 'print the summary as JSON')
    .action(async (uri: string, flags: SeedFlags) => {
      const { runSeedCommand } = await import('./seed-action.js');
      await runSeedCommand(uri, flags);
    });
}
