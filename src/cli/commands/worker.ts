import type { Command } from 'commander';
import { addStoreOptions } from '../common-options.js';

/** Registers `lakeshift worker`: a scale-out worker process (see docs/scale-out.md). */
export function registerWorkerCommand(program: Command): void {
  const cmd = program.command('worker')
    .description('Scale-out worker: copy the batches of distributed jobs (migrate --distributed) from the BullMQ queue, recording each file in the PostgreSQL manifest')
    .requiredOption('--state <url>', 'PostgreSQL job database, e.g. postgres://user@host:5432/db (password from PGPASSWORD)')
    .option('--state-schema <name>', 'PostgreSQL schema of the job tables (default public)')
    .option('--queue <url>', 'the BullMQ queue in Redis (redis://HOST:6379), when the jobs were planned with one')
    .option('--concurrency <n>', 'files in flight per batch', '32')
    .option('--batches <n>', 'batches this worker runs at once', '2')
    .option('--cap-mbps <n>', 'bandwidth cap of this worker in megabits per second')
    .option('--exit-when-idle', 'exit once no distributed job has work left (instead of waiting for new jobs)')
    .option('--lock-ms <ms>', 'queue lock of a batch; a worker silent this long loses its batch to another (default 30000)')
    .option('--outage-s <s>', 'with --exit-when-idle: exit 4 once the job database has been unreachable this long (default 60)')
    .option('--name <name>', 'this worker\'s name in the manifest (default host:pid)');
  addStoreOptions(cmd);
  cmd.action(async (o: Record<string, unknown>) => {
    const { runWorkerCommand } = await import('./scaleout-action.js');
    await runWorkerCommand(o);
  });
}
