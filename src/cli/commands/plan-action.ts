import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { proposePlan, renderPlanYaml } from '../../plan/propose.js';
import { parsePositive } from './assess.js';
import { reportIncomplete, runAssessment } from './assess-action.js';
import { parseByteSize } from './plan.js';

/** The `plan` action: scan SOURCE, propose the plan, write it atomically, print what it holds. */
export async function runPlanCommand(sourceUri: string, opts: Record<string, unknown>): Promise<void> {
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
}
