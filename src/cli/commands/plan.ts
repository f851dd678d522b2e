import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { proposePlan, renderPlanYaml } from '../../plan/propose.js';
import { addStoreOptions } from '../common-options.js';
import { UserError } from '../cli-error.js';
import { addScanOptions, parsePositive, reportIncomplete, runAssessment } from './assess.js';

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

/** Adds `lakeshift plan SOURCE --out plan.yaml [--downtime-hours N] [--wave-size BYTES]`. */
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
    const waveSizeBytes = typeof opts['waveSize'] === 'string' ? parseByteSize('--wave-size', opts['waveSize']) : undefined;
    const downtimeHours = parsePositive('--downtime-hours', opts['downtimeHours'], true);
    const result = await runAssessment(sourceUri, opts);
    const plan = proposePlan(result.report, {
      ...(downtimeHours === undefined ? {} : { downtimeHours }),
      ...(waveSizeBytes === undefined ? {} : { waveSizeBytes }),
      ...(typeof opts['destination'] === 'string' ? { destination: opts['destination'] } : {}),
    });
    const out = resolve(String(opts['out']));
    await mkdir(dirname(out), { recursive: true });
    const tmp = `${out}.tmp-${process.pid}`;
    await writeFile(tmp, renderPlanYaml(plan, result.report), 'utf8');
    await rename(tmp, out);
    const patterns = new Map<string, number>();
    for (const d of plan.datasets) patterns.set(d.pattern, (patterns.get(d.pattern) ?? 0) + 1);
    process.stdout.write(
      `Plan written to ${out}: ${plan.datasets.length} data sets in ${plan.waves.length} waves (${[...patterns].map(([p, n]) => `${n} ${p}`).join(', ') || 'nothing to migrate'}), ` +
        `${plan.identityMap.length} principals in the identity-map template. Review it, then run: lakeshift migrate --plan ${out}\n`,
    );
    if (!result.report.complete) reportIncomplete(result, 'The plan covers only what the scan read before it stopped.');
  });
}
