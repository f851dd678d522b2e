import type { Command } from 'commander';
import { addStoreOptions } from '../common-options.js';
import { UserError } from '../cli-error.js';

/**
 * The `assess` command's definition and the scan flags it shares with `plan`. The scan and the report
 * renderers live in assess-action.ts and are imported when the command runs.
 */

/** Parses a positive (or, with allowZero, non-negative) decimal number option. */
export function parsePositive(flag: string, value: unknown, allowZero = false): number | undefined {
  if (value === undefined) return undefined;
  const text = String(value);
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n < 0 || (!allowZero && n === 0)) {
    throw new UserError(`${flag} must be a number ${allowZero ? '0 or more' : 'above 0'}, got '${text}'.`);
  }
  return n;
}

/** Options shared by `assess` and `plan`: what the scan needs. */
export function addScanOptions(cmd: Command): Command {
  return cmd
    .option('--inactive-days <n>', 'folders with no change for this many days are clean-up candidates', '40')
    .option('--throughput-mbps <n>', 'copy throughput for the estimates, megabits/s (default: 9 TB/h, the portal tool published rate)')
    .option('--items-per-second <n>', 'item creation rate for the estimates (default: 4 M items/h, the portal tool published rate)')
    .option('--downtime-hours <n>', 'downtime the workloads tolerate, hours')
    .option('--identity-map <file>', 'CSV source,target or JSON map of principals; missing principals are reported')
    .option('--price-table <file>', 'JSON price table overriding the built-in one (see docs/assess-report.md)')
    .option('--acl-concurrency <n>', 'ACL requests in flight for paths with extended ACLs', '8');
}

/** Adds `lakeshift assess SOURCE [--out DIR] [--format html,md,json] ...`. */
export function registerAssessCommand(program: Command): void {
  const cmd = program
    .command('assess')
    .description('Scan a Gen1 (or any) namespace read-only and write a readiness report: inventory, ageing, ACLs, compatibility rules, estimates, verdict.')
    .argument('<source>', 'source URI (adl://ACCOUNT.azuredatalakestore.net/path, https://.../webhdfs/v1/..., local path, memory://NAME)')
    .option('--out <dir>', 'directory for report.html, report.md and report.json', 'assessment')
    .option('--format <list>', 'comma-separated report formats: html, md, json', 'html,md,json');
  addScanOptions(cmd);
  addStoreOptions(cmd);
  cmd.action(async (sourceUri: string, opts: Record<string, unknown>) => {
    const { runAssessCommand } = await import('./assess-action.js');
    await runAssessCommand(sourceUri, opts);
  });
}
