import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { loadPlan } from '../../plan/load-plan.js';
import { plural, type ChecklistItem, type DashboardContext, type DashboardModule } from './types.js';
import { redactValue } from '../redact.js';

/** The plan file shown: --plan, else plan.yaml in the reports folder when there is one. */
async function planPath(ctx: DashboardContext): Promise<string | undefined> {
  if (ctx.planFile !== undefined) return ctx.planFile;
  if (ctx.reportsDir === undefined) return undefined;
  const candidate = join(ctx.reportsDir, 'plan.yaml');
  return (await stat(candidate).then((s) => s.isFile(), () => false)) ? candidate : undefined;
}

/** The migration plan: waves, data sets, patterns and targets (read from the YAML on each request). */
export const planModule: DashboardModule = {
  id: 'plan',
  title: 'Plan',
  path: '/plan',
  async availability(ctx) {
    return (await planPath(ctx)) === undefined
      ? { available: false, reason: 'No plan: write one with lakeshift plan SOURCE --out plan.yaml and start the dashboard with --plan plan.yaml.' }
      : { available: true };
  },
  register(app, ctx) {
    app.get('/api/plan', async (_request, reply) => {
      const file = await planPath(ctx);
      if (file === undefined) return reply.code(404).send({ error: 'No plan file: start the dashboard with --plan plan.yaml.' });
      try {
        return { file, plan: redactValue(await loadPlan(file)) };
      } catch (error) {
        return reply.code(422).send({ file, error: error instanceof Error ? error.message : String(error) });
      }
    });
  },
  async checklist(ctx): Promise<ChecklistItem[]> {
    const file = await planPath(ctx);
    if (file === undefined) return [{ label: 'Migration plan', state: 'todo', detail: 'No plan given (--plan).' }];
    try {
      const plan = await loadPlan(file);
      return [{ label: 'Migration plan', state: 'done', detail: `${plural(plan.datasets.length, 'data set')} in ${plural(plan.waves.length, 'wave')}.` }];
    } catch (error) {
      return [{ label: 'Migration plan', state: 'blocked', detail: error instanceof Error ? error.message : String(error) }];
    }
  },
};
