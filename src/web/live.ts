import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { JobDb } from '../state/db.js';
import { lastProgressId, listProgress } from '../state/progress.js';
import type { JobSummary } from './job-views.js';
import { lastValidationId } from './validations.js';

/** A client whose unsent output passes this is too slow to follow and is dropped (it reconnects). */
const MAX_BUFFERED_BYTES = 1024 * 1024;
const HEARTBEAT_MS = 15_000;
const PROGRESS_PAGE = 500;

/** What a `jobs` event says of a changed job: its record's fields as in the API's Job. */
type JobSnapshot = Pick<JobSummary, 'id' | 'status' | 'updatedAt' | 'runs' | 'files' | 'bytes'>;

/**
 * The live feed behind `/api/events`: one poller for all clients reads what changed in the job
 * database since its last look (the jobs rows, progress samples above the last id seen, the newest
 * validation id) and pushes only the deltas to every connected page as Server-Sent Events. It polls
 * only while at least one client is connected. Each poll is a handful of indexed queries, whatever
 * the number of clients.
 */
export class LiveFeed {
  private readonly clients = new Set<ServerResponse>();
  private timer: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private polling = false;
  private jobs = new Map<string, string>();
  private progressId: number | undefined;
  private validationId: number | undefined;
  /** Polls done, for tests and the bench (a count, never a time). */
  polls = 0;

  constructor(
    private readonly jobDb: JobDb,
    private readonly logger: Logger,
    private readonly intervalMs = 1000,
  ) {}

  get clientCount(): number {
    return this.clients.size;
  }

  /** Starts streaming to a response (headers are written here); it leaves on close. */
  add(res: ServerResponse, headers: Record<string, string>): void {
    res.writeHead(200, { ...headers, 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
    res.write(`retry: 3000\nevent: hello\ndata: ${JSON.stringify({ pollMs: this.intervalMs })}\n\n`);
    this.clients.add(res);
    res.on('close', () => this.remove(res));
    if (this.timer === undefined) this.start();
  }

  private remove(res: ServerResponse): void {
    this.clients.delete(res);
    if (this.clients.size === 0) this.stop();
  }

  private start(): void {
    this.timer = setInterval(() => void this.poll(), this.intervalMs);
    this.heartbeat = setInterval(() => this.send(': ping\n\n'), HEARTBEAT_MS);
    void this.poll();
  }

  /** Stops polling (the next client starts it again) and, with `closeClients`, ends every stream. */
  stop(closeClients = false): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    if (this.heartbeat !== undefined) clearInterval(this.heartbeat);
    this.timer = undefined;
    this.heartbeat = undefined;
    if (closeClients) for (const c of [...this.clients]) c.end();
  }

  private send(chunk: string): void {
    for (const c of this.clients) {
      if (c.writableLength > MAX_BUFFERED_BYTES) {
        this.logger.warn({ buffered: c.writableLength }, 'events.client_dropped');
        c.destroy();
        this.clients.delete(c);
        continue;
      }
      c.write(chunk);
    }
  }

  private broadcast(event: string, data: unknown): void {
    this.send(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  /** One look at the database; overlapping ticks are skipped. Errors are logged, the feed goes on. */
  async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      this.polls++;
      await this.pollJobs();
      await this.pollProgress();
      const v = await lastValidationId(this.jobDb);
      if (this.validationId !== undefined && v !== this.validationId) this.broadcast('validation', { id: v });
      this.validationId = v;
    } catch (error) {
      this.logger.warn({ err: String(error) }, 'events.poll_failed');
    } finally {
      this.polling = false;
    }
  }

  private async pollJobs(): Promise<void> {
    const rows = await this.jobDb.db.selectFrom('jobs')
      .select(['id', 'status', 'updated_at', 'runs', 'files_total', 'files_done', 'files_failed', 'files_skipped', 'bytes_total', 'bytes_done']).execute();
    const next = new Map<string, string>();
    const changed: JobSnapshot[] = [];
    for (const r of rows) {
      const snap: JobSnapshot = {
        id: r.id, status: r.status, updatedAt: r.updated_at, runs: r.runs,
        files: { total: r.files_total, done: r.files_done, failed: r.files_failed, skipped: r.files_skipped }, bytes: { total: r.bytes_total, done: r.bytes_done },
      };
      const text = JSON.stringify(snap);
      next.set(r.id, text);
      if (this.jobs.get(r.id) !== text) changed.push(snap);
    }
    const removed = [...this.jobs.keys()].filter((id) => !next.has(id));
    const first = this.jobs.size === 0 && this.progressId === undefined;
    this.jobs = next;
    if (!first && (changed.length > 0 || removed.length > 0)) this.broadcast('jobs', { changed, removed });
  }

  private async pollProgress(): Promise<void> {
    if (this.progressId === undefined) {
      this.progressId = await lastProgressId(this.jobDb);
      return;
    }
    for (;;) {
      const rows = await listProgress(this.jobDb, { afterId: this.progressId, limit: PROGRESS_PAGE });
      const last = rows[rows.length - 1];
      if (last === undefined) return;
      this.progressId = last.id;
      this.broadcast('progress', rows.map((r) => ({
        id: r.id, jobId: r.job_id, runNo: r.run_no, at: r.at, filesDone: r.files_done, filesFailed: r.files_failed,
        bytesDone: r.bytes_done, filesToCopy: r.files_to_copy, bytesToCopy: r.bytes_to_copy,
      })));
      if (rows.length < PROGRESS_PAGE) return;
    }
  }
}
