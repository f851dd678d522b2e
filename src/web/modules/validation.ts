import { z } from 'zod';
import { listValidations } from '../validations.js';
import { plural, type ChecklistItem, type DashboardModule } from './types.js';

const query = z.object({ limit: z.coerce.number().int().min(1).max(200).optional() });

/** Validation results recorded by `lakeshift validate` (and the demo) in the job database. */
export const validationModule: DashboardModule = {
  id: 'validation',
  title: 'Validation',
  path: '/validation',
  availability: () => Promise.resolve({ available: true }),
  register(app, ctx) {
    app.get('/api/validations', async (request, reply) => {
      const q = query.safeParse(request.query);
      if (!q.success) return reply.code(400).send({ error: 'limit must be a whole number from 1 to 200.' });
      return { validations: await listValidations(ctx.jobDb, q.data.limit ?? 20) };
    });
  },
  async checklist(ctx): Promise<ChecklistItem[]> {
    const [newest] = await listValidations(ctx.jobDb, 1);
    if (newest === undefined) return [{ label: 'Validation clean', state: 'todo', detail: 'No validation recorded: run lakeshift validate SOURCE DEST --state-dir DIR.' }];
    const latestJob = await ctx.jobDb.db.selectFrom('jobs').select((eb) => eb.fn.max('updated_at').as('at')).executeTakeFirst();
    const stale = Number(latestJob?.at ?? 0) > newest.finishedAt;
    if (!newest.ok) return [{ label: 'Validation clean', state: 'blocked', detail: `${plural(newest.differenceCount, 'difference')} in the newest validation.` }];
    return [{ label: 'Validation clean', state: stale ? 'todo' : 'done', detail: stale ? 'The newest validation found no difference, but a job ran after it: validate again.' : `No difference in ${plural(newest.files, 'file')} and ${plural(newest.directories, 'directory', 'directories')}.` }];
  },
};
