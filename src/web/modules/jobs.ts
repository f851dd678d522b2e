import { z } from 'zod';
import { getJob } from '../../state/jobs.js';
import { listProgress } from '../../state/progress.js';
import { ActionRefused, JOB_ACTIONS, JobRunner, crossSiteRefusal, runJobAction, type JobAction } from '../actions.js';
import { readFailureGroups, readJobDetail, readJobSummaries } from '../job-views.js';
import { plural, type ChecklistItem, type DashboardModule } from './types.js';

const progressQuery = z.object({
  after: z.coerce.number().int().nonnegative().optional(),
  limit: z.coerce.number().int().min(1).max(5000).optional(),
  last: z.coerce.number().int().min(1).max(5000).optional(),
});
const failuresQuery = z.object({ scan: z.coerce.number().int().min(1).max(20000).optional() });

/** Jobs: the list, a job's detail, its progress samples and failures, and (with --allow-actions) pause/resume/retry-failed. */
export function jobsModule(): DashboardModule {
  return {
    id: 'jobs',
    title: 'Jobs',
    path: '/jobs',
    availability: () => Promise.resolve({ available: true }),
    register(app, ctx) {
      const jobRunner = new JobRunner(ctx);
      app.addHook('onClose', () => jobRunner.stopAll());
      app.get('/api/jobs', async () => ({ jobs: await readJobSummaries(ctx.jobDb) }));
      app.get<{ Params: { id: string } }>('/api/jobs/:id', async (request) => readJobDetail(ctx.jobDb, request.params.id));
      app.get<{ Params: { id: string } }>('/api/jobs/:id/progress', async (request, reply) => {
        const q = progressQuery.safeParse(request.query);
        if (!q.success) return reply.code(400).send({ error: 'after, limit and last must be whole numbers (limit and last 1 to 5000).' });
        const jobId = (await getJob(ctx.jobDb, request.params.id)).id;
        const rows = q.data.last === undefined
          ? await listProgress(ctx.jobDb, { jobId, afterId: q.data.after ?? 0, limit: q.data.limit ?? 5000 })
          : (await ctx.jobDb.db.selectFrom('progress').selectAll().where('job_id', '=', jobId).orderBy('id', 'desc').limit(q.data.last).execute()).reverse();
        return {
          jobId,
          samples: rows.map((r) => ({ id: r.id, runNo: r.run_no, at: r.at, filesDone: r.files_done, filesFailed: r.files_failed, bytesDone: r.bytes_done, filesToCopy: r.files_to_copy, bytesToCopy: r.bytes_to_copy })),
        };
      });
      app.get<{ Params: { id: string } }>('/api/jobs/:id/failures', async (request, reply) => {
        const q = failuresQuery.safeParse(request.query);
        if (!q.success) return reply.code(400).send({ error: 'scan must be a whole number from 1 to 20000.' });
        const jobId = (await getJob(ctx.jobDb, request.params.id)).id;
        return { jobId, ...(await readFailureGroups(ctx.jobDb, jobId, q.data.scan)) };
      });
      app.post<{ Params: { id: string; action: string } }>('/api/jobs/:id/:action', async (request, reply) => {
        const action = request.params.action;
        if (!(JOB_ACTIONS as readonly string[]).includes(action)) return reply.code(404).send({ error: `Unknown action '${action}'; use ${JOB_ACTIONS.join(', ')}.` });
        if (!ctx.allowActions) return reply.code(403).send({ error: 'Actions are off: this dashboard is read-only. Restart it with --allow-actions to pause, resume or retry jobs.' });
        const refusal = crossSiteRefusal(request);
        if (refusal !== undefined) return reply.code(403).send({ error: refusal });
        try {
          const out = await runJobAction(ctx.jobDb, jobRunner, request.params.id, action as JobAction);
          ctx.logger.info({ jobId: out.body['jobId'], action }, 'action.accepted');
          return reply.code(out.status).send(out.body);
        } catch (error) {
          if (error instanceof ActionRefused) return reply.code(error.status).send({ error: error.message });
          throw error;
        }
      });
    },
    async checklist(ctx): Promise<ChecklistItem[]> {
      const jobs = await readJobSummaries(ctx.jobDb);
      const done = jobs.filter((j) => j.status === 'completed').length;
      const failedFiles = jobs.reduce((n, j) => n + j.files.failed, 0);
      return [
        {
          label: 'Migration jobs complete',
          state: jobs.length === 0 ? 'todo' : done === jobs.length ? 'done' : jobs.some((j) => j.status === 'failed') ? 'blocked' : 'todo',
          detail: jobs.length === 0 ? 'No job in the job database yet.' : `${done} of ${plural(jobs.length, 'job')} completed.`,
        },
        { label: 'No failed files', state: failedFiles === 0 ? (jobs.length === 0 ? 'todo' : 'done') : 'blocked', detail: failedFiles === 0 ? 'No file is in state failed.' : `${plural(failedFiles, 'file')} failed: see the jobs' failure lists.` },
      ];
    },
  };
}
