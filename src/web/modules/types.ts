import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { JobDb } from '../../state/db.js';
import type { LiveFeed } from '../live.js';

/** What every module of the dashboard gets: the job database and the server's settings. */
export interface DashboardContext {
  jobDb: JobDb;
  /** The SQLite state directory (undefined on PostgreSQL): what `jobs resume` is pointed at. */
  stateDir: string | undefined;
  /** Folder holding assessment reports (report.html/md/json in it or in its subfolders). */
  reportsDir: string | undefined;
  /** The plan file to show (plan.yaml from `lakeshift plan`). */
  planFile: string | undefined;
  /** The PostgreSQL job database's URL and schema (undefined on SQLite): the Workers page reads the queue with it. Never sent to the browser. */
  postgres: { url: string; schema: string } | undefined;
  allowActions: boolean;
  logger: Logger;
  live: LiveFeed;
}

export interface Availability {
  available: boolean;
  /** Why not, and what lands it (shown as the page's "not yet available" state). */
  reason?: string;
}

/** One line of the cutover checklist on the overview. */
export interface ChecklistItem {
  label: string;
  state: 'done' | 'todo' | 'blocked' | 'unavailable';
  detail: string;
}

/**
 * A page of the dashboard with its API. Adding an area (bisync conflicts, gateway drift, cutover,
 * workers) is one module here plus one renderer in the client (client/pages-*.ts): the navigation,
 * the "not yet available" state, `/api/modules` and the overview's checklist come from this list.
 */
export interface DashboardModule {
  id: string;
  /** Navigation label. */
  title: string;
  /** The page's path ('/' for the overview). */
  path: string;
  availability(ctx: DashboardContext): Promise<Availability>;
  /** Registers the module's API routes (under /api/) on the app. */
  register(app: FastifyInstance, ctx: DashboardContext): void;
  /** Its lines of the overview's cutover checklist, if any. */
  checklist?(ctx: DashboardContext): Promise<ChecklistItem[]>;
}

/** `n thing` or `n things` (or the given plural). */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}
