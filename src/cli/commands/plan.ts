import type { Command } from 'commander';
import { addStoreOptions } from '../common-options.js';
import { UserError } from '../cli-error.js';
import { addScanOptions } from './assess.js';

const UNITS: Record<string, number> = { '': 1, b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, pb: 1e15, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4, pib: 1024 ** 5 };

/** Parses a byte size such as `500000`, `750GB` or `10TiB`. Throws UserError naming the flag. */
export function parseByteSize(flag: string, text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const factor = m === null ? undefined : UNITS[(m[2] ?? '').toLowerCase()];
  const value = m === null || factor === undefined ? Number.NaN : Number(m[1]) * factor;
  if (!Number.isFinite(value) || value <= 0) {
    throw new UserError(`${flag} must be a size above 0 in bytes, optionally with a unit (KB, MB, GB, TB, KiB, MiB, GiB, TiB), got '${text}'.`);
  }
  return Math.round(value);
}

/**
 * Adds `lakeshift plan SOURCE --out plan.yaml [--downtime-hours N] [--wave-size BYTES]`. The scan and
 * the proposal (plan-action.ts) are imported when the command runs.
 */
export function registerPlanCommand(program: Command): void {
  const cmd = program
    .command('plan')
    .description('Scan SOURCE and propose a migration plan: data sets, waves by size, a pattern per data set with its rationale, filesystem names, an identity-map template.')
    .argument('<source>', 'source URI (adl://ACCOUNT.azuredatalakestore.net/path, local path, memory://NAME, ...)')
    .requiredOption('--out <file>', 'where to write the plan (YAML)')
    .option('--wave-size <bytes>', 'most bytes per wave, e.g. 10TiB (default 10 TiB)')
    .option('--destination <uri>', 'destination Gen2 account URI to record in the plan');
  addScanOptions(cmd);
  addStoreOptions(cmd);
  cmd.action(async (sourceUri: string, opts: Record<string, unknown>) => {
    const { runPlanCommand } = await import('./plan-action.js');
    await runPlanCommand(sourceUri, opts);
  });
}
