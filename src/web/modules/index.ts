import { readJobSummaries } from '../job-views.js';
import { conflictsModule } from './conflicts.js';
import { cutoverModule } from './cutover.js';
import { driftModule } from './drift.js';
import { jobsModule } from './jobs.js';
import { planModule } from './plan.js';
import { listReports, reportsModule } from './reports.js';
import type { ChecklistItem, DashboardContext, DashboardModule } from './types.js';
import { UPCOMING_MODULES } from './upcoming.js';
import { validationModule } from './validation.js';
import { workersModule } from './workers.js';

export type { DashboardContext, DashboardModule } from './types.js';

/** The modules of this build, in navigation order (the overview first). */
export function dashboardModules(): DashboardModule[] {
  const areas: DashboardModule[] = [jobsModule(), reportsModule, planModule, validationModule, conflictsModule, driftModule, cutoverModule, workersModule, ...UPCOMING_MODULES];
  return [overviewModule(areas), ...areas];
}

/** Each module's availability, for the navigation and the pages' "not yet available" state. */
export async function describeModules(modules: readonly DashboardModule[], ctx: DashboardContext): Promise<{ id: string; title: string; path: string; available: boolean; reason: string | null }[]> {
  return Promise.all(modules.map(async (m) => {
    const a = await m.availability(ctx);
    return { id: m.id, title: m.title, path: m.path, available: a.available, reason: a.reason ?? null };
  }));
}

/** The overview: jobs by state, data moved, current rate, failures, the readiness verdict, the cutover checklist. */
function overviewModule(areas: readonly DashboardModule[]): DashboardModule {
  const self: DashboardModule = {
    id: 'overview',
    title: 'Overview',
    path: '/',
    availability: () => Promise.resolve({ available: true }),
    register(app, ctx) {
      app.get('/api/modules', async () => ({ allowActions: ctx.allowActions, modules: await describeModules([self, ...areas], ctx) }));
      app.get('/api/overview', async () => {
        const [jobs, reports, checklist] = await Promise.all([
          readJobSummaries(ctx.jobDb),
          listReports(ctx.reportsDir),
          Promise.all(areas.map((m) => m.checklist?.(ctx) ?? Promise.resolve([] as ChecklistItem[]))),
        ]);
        const byStatus: Record<string, number> = {};
        for (const j of jobs) byStatus[j.status] = (byStatus[j.status] ?? 0) + 1;
        const live = jobs.filter((j) => j.live !== null);
        const verdict = reports.find((r) => r.verdict !== null);
        return {
          generatedAt: Date.now(),
          database: ctx.jobDb.location,
          jobs,
          byStatus,
          totals: {
            filesDone: jobs.reduce((n, j) => n + (j.live === null ? j.files.done : Math.max(j.files.done, j.live.filesDone)), 0),
            bytesDone: jobs.reduce((n, j) => n + (j.live === null ? j.bytes.done : Math.max(j.bytes.done, j.live.bytesDone)), 0),
            filesFailed: jobs.reduce((n, j) => n + (j.live === null ? j.files.failed : Math.max(j.files.failed, j.live.filesFailed)), 0),
            bytesPerSecond: live.reduce((n, j) => n + (j.live?.bytesPerSecond ?? 0), 0),
            running: jobs.filter((j) => j.status === 'running' || j.status === 'scanning').length,
          },
          verdict: verdict === undefined ? null : { status: verdict.verdict, reasons: verdict.reasons, reportId: verdict.id, source: verdict.source, finishedAt: verdict.finishedAt },
          checklist: checklist.flat(),
        };
      });
    },
  };
  return self;
}
