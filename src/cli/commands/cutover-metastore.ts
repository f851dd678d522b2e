import type { Command } from 'commander';

/** Registers this part's subcommands on `lakeshift cutover` (filled in by its issue). */
export function registerCutoverMetastoreCommands(_cutover: Command): void {
  // No subcommands yet.
}
