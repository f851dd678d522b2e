import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { JobDb } from '../state/db.js';
import { getJob } from '../state/jobs.js';
import type { DashboardContext } from './modules/types.js';

export const JOB_ACTIONS = ['pause', 'resume', 'retry-failed'] as const;
export type JobAction = (typeof JOB_ACTIONS)[number];

/** The header a page's POST must carry: a cross-site form cannot set it, and a cross-site fetch with it needs a CORS preflight that this server never grants. */
export const ACTION_HEADER = 'x-lakeshift-action';

const BIN = fileURLToPath(new URL('../../bin/lakeshift.js', import.meta.url));

/**
 * Refuses a POST that is not a same-origin request from the dashboard: the action header must be
 * present and an Origin header, when sent, must name this server. Returns the refusal reason or undefined.
 */
export function crossSiteRefusal(request: FastifyRequest): string | undefined {
  if (request.headers[ACTION_HEADER] !== '1') return `Actions need the header '${ACTION_HEADER}: 1' (the dashboard's buttons send it).`;
  const origin = request.headers.origin;
  if (origin !== undefined && origin !== 'null') {
    let host: string;
    try {
      host = new URL(origin).host;
    } catch {
      return 'The Origin header is not a URL.';
    }
    if (host !== request.headers.host) return `Cross-origin request from ${origin} refused.`;
  }
  if (origin === 'null') return 'Cross-origin request refused.';
  return undefined;
}

/**
 * Runs of jobs the dashboard started (`lakeshift jobs resume JOB` in a child process). Pause sends
 * it SIGINT: the run stops as after Ctrl-C, recorded and resumable. A run started in a terminal is
 * not ours to stop, and pause says so.
 */
export class JobRunner {
  private readonly children = new Map<string, ChildProcess>();

  constructor(private readonly ctx: Pick<DashboardContext, 'stateDir' | 'logger'>) {}

  running(jobId: string): boolean {
    return this.children.has(jobId);
  }

  /** Starts `jobs resume` (which also retries every failed item: a rerun copies failed items again). */
  start(jobId: string): { pid: number | undefined } {
    if (this.ctx.stateDir === undefined) throw new ActionRefused(409, 'Resuming from the dashboard needs the SQLite job database (--state-dir); on PostgreSQL run `lakeshift jobs resume` where the workers run.');
    const child = spawn(process.execPath, [BIN, 'jobs', 'resume', jobId, '--state-dir', this.ctx.stateDir, '--output', 'json'], { stdio: ['ignore', 'ignore', 'pipe'], env: process.env });
    let tail = '';
    child.stderr?.on('data', (d: Buffer) => {
      tail = (tail + d.toString('utf8')).slice(-2000);
    });
    this.children.set(jobId, child);
    child.on('exit', (code) => {
      this.children.delete(jobId);
      this.ctx.logger.info({ jobId, code, stderr: tail === '' ? undefined : tail }, 'action.run_exited');
    });
    child.on('error', (error) => this.ctx.logger.warn({ jobId, err: String(error) }, 'action.run_failed'));
    return { pid: child.pid };
  }

  pause(jobId: string): void {
    const child = this.children.get(jobId);
    if (child === undefined) throw new ActionRefused(409, 'This run was not started from the dashboard: stop it with Ctrl-C where it runs (it resumes where it stopped).');
    child.kill('SIGINT');
  }

  /** Stops every run the dashboard started (on shutdown); they resume later like any cancelled run. */
  stopAll(): void {
    for (const c of this.children.values()) c.kill('SIGINT');
  }
}

export class ActionRefused extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** Handles POST /api/jobs/:id/:action once the request passed the access and cross-site checks. */
export async function runJobAction(jobDb: JobDb, runner: JobRunner, idOrPrefix: string, action: JobAction): Promise<{ status: number; body: Record<string, unknown> }> {
  const job = await getJob(jobDb, idOrPrefix);
  switch (action) {
    case 'pause':
      runner.pause(job.id);
      return { status: 202, body: { jobId: job.id, action, accepted: true, message: 'Stopping the run; it can be resumed.' } };
    case 'resume':
    case 'retry-failed': {
      if (runner.running(job.id)) throw new ActionRefused(409, `Job ${job.id} is already running from the dashboard.`);
      if ((job.status === 'running' || job.status === 'scanning') && (await lastSignOfLife(jobDb, job.id, job.updated_at)) > Date.now() - STALE_MS) {
        throw new ActionRefused(409, `Job ${job.id} is ${job.status} (it recorded progress in the last ${STALE_MS / 1000} s).`);
      }
      if (action === 'retry-failed' && job.files_failed === 0) throw new ActionRefused(409, `Job ${job.id} has no failed files.`);
      const { pid } = runner.start(job.id);
      return { status: 202, body: { jobId: job.id, action, accepted: true, pid: pid ?? null, message: action === 'resume' ? 'Resuming the job.' : 'Running the job again: failed files are copied again.' } };
    }
  }
}

/** A run records progress every second; one silent this long was killed and may be resumed. */
const STALE_MS = 15_000;

async function lastSignOfLife(jobDb: JobDb, jobId: string, updatedAt: number): Promise<number> {
  const row = await jobDb.db.selectFrom('progress').select('at').where('job_id', '=', jobId).orderBy('id', 'desc').limit(1).executeTakeFirst();
  return Math.max(updatedAt, row?.at ?? 0);
}

export async function sendRefusal(reply: FastifyReply, status: number, message: string): Promise<FastifyReply> {
  return reply.code(status).send({ error: message });
}
