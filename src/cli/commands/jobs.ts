import { Option, type Command } from 'commander';
import { addStoreOptions } from '../common-options.js';
import type { MigrateDeps } from './migrate.js';

/**
 * Registers `lakeshift jobs list|show|resume|clean`. The actions (job database, engine) live in
 * jobs-action.ts and are imported when a subcommand runs.
 */
const outputOption = (): Option => new Option('--output <format>', 'text for people, json for scripts').choices(['text', 'json']).default('text');

export function registerJobsCommand(program: Command, deps?: MigrateDeps): void {
  const jobs = program.command('jobs').description('List, inspect, resume and clean migration jobs in the job database');
  const stateOpt = ['--state-dir <dir>', 'job database directory (default $LAKESHIFT_STATE_DIR or .lakeshift/)'] as const;

  jobs.command('list').description('List jobs, newest first').option(...stateOpt)
    .addOption(outputOption())
    .action(async (o: Record<string, unknown>) => {
      const { listJobsCommand } = await import('./jobs-action.js');
      await listJobsCommand(o);
    });

  const pgState = ['--state <url>', 'PostgreSQL job database of a distributed job, e.g. postgres://user@host:5432/db'] as const;
  jobs.command('show').description('Show a job: runs, data sets, item counts and recent failures (distributed jobs: progress across workers)').argument('<job>', 'job id (or a unique prefix)').option(...stateOpt)
    .option(...pgState).option('--state-schema <name>', 'PostgreSQL schema of the job tables (default public)').option('--queue <url>', 'the Redis queue of the job, for its depth')
    .addOption(outputOption())
    .action(async (id: string, o: Record<string, unknown>) => {
      if (typeof o['state'] === 'string') {
        const { showDistributedJob } = await import('./scaleout-action.js');
        await showDistributedJob(id, o);
        return;
      }
      const { showJobCommand } = await import('./jobs-action.js');
      await showJobCommand(id, o);
    });

  jobs.command('wait').description('Wait until a distributed job\'s run is finished; exit 0 when every file is done, 1 when some failed').argument('<job>', 'job id (or a unique prefix)')
    .option(...pgState).option('--state-schema <name>', 'PostgreSQL schema of the job tables (default public)').option('--queue <url>', 'the Redis queue of the job, for its depth')
    .option('--timeout <seconds>', 'give up after this long (exit 1)')
    .addOption(outputOption())
    .action(async (id: string, o: Record<string, unknown>) => {
      const { waitDistributedJob } = await import('./scaleout-action.js');
      await waitDistributedJob(id, o);
    });

  const resume = jobs.command('resume').description('Continue a job where it stopped (same source, destinations and options)').argument('<job>', 'job id (or a unique prefix)').option(...stateOpt)
    .option('--concurrency <n>', 'files in flight', '8')
    .option('--identity-map <file>', 'the identity map the job was started with, when it used one');
  addStoreOptions(resume);
  resume.action(async (id: string, o: Record<string, unknown>) => {
    const { resumeJobCommand } = await import('./jobs-action.js');
    await resumeJobCommand(id, o, deps);
  });

  jobs.command('clean').description('Delete a job record (or, without JOB, every completed job) from the job database').argument('[job]', 'job id (or a unique prefix)').option(...stateOpt)
    .action(async (id: string | undefined, o: Record<string, unknown>) => {
      const { cleanJobsCommand } = await import('./jobs-action.js');
      await cleanJobsCommand(id, o);
    });
}
