import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pino } from 'pino';
import { openPostgresJobDb, openSqliteJobDb, resolveStateDir, type JobDb } from '../../state/db.js';
import { loadPlan } from '../../plan/load-plan.js';
import { startDashboard } from '../../web/index.js';
import { UserError } from '../cli-error.js';
import { outputFrom, parseWholeNumber } from '../common-options.js';
import { EXIT } from '../exit-codes.js';
import { checkBindableHost, serveUntilSignal } from '../serve-until-signal.js';

/** Hosts that keep the dashboard on this machine. */
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then((s) => s.isDirectory(), () => false);
}

/** The `serve` action: opens the job database, starts the dashboard, prints its URL, serves until Ctrl-C. */
export async function runServeCommand(o: Record<string, unknown>): Promise<void> {
  const port = parseWholeNumber('--port', String(o['port']), 0, 65535);
  const host = String(o['host']);
  const pgUrl = typeof o['state'] === 'string' ? o['state'] : undefined;
  // The URL is never echoed: it may carry a password.
  if (pgUrl !== undefined && !/^postgres(ql)?:\/\//.test(pgUrl)) throw new UserError('--state must be a postgres:// URL such as postgres://USER@HOST:5432/DB (password from PGPASSWORD). For a SQLite job database use --state-dir DIR.');
  if (pgUrl !== undefined && !URL.canParse(pgUrl)) throw new UserError('--state is not a valid URL: use postgres://USER@HOST:5432/DB (password from PGPASSWORD; percent-encode special characters).');
  if (pgUrl !== undefined && typeof o['stateDir'] === 'string') throw new UserError('Give either --state-dir (SQLite) or --state (PostgreSQL), not both.');
  const stateDir = pgUrl === undefined ? resolveStateDir(typeof o['stateDir'] === 'string' ? o['stateDir'] : undefined) : undefined;
  const reportsDir = typeof o['reports'] === 'string' ? resolve(o['reports']) : stateDir;
  if (typeof o['reports'] === 'string' && reportsDir !== undefined && !(await isDirectory(reportsDir))) throw new UserError(`--reports '${o['reports']}' is not a folder: give the folder lakeshift assess --out wrote (or its parent).`);
  const planFile = typeof o['plan'] === 'string' ? resolve(o['plan']) : undefined;
  if (planFile !== undefined && !(await stat(planFile).then((s) => s.isFile(), () => false))) throw new UserError(`--plan '${String(o['plan'])}' does not exist: write one with lakeshift plan SOURCE --out plan.yaml.`);
  // The dashboard rereads the plan on each visit; a plan that does not parse is refused now, not then.
  if (planFile !== undefined) await loadPlan(planFile);
  await checkBindableHost(host);
  if (!LOOPBACK.has(host)) {
    process.stderr.write(`lakeshift serve: warning: --host ${host} makes the dashboard reachable from other machines over plain HTTP; anyone who has the URL with its token can read the job database${o['allowActions'] === true ? ' and pause, resume or retry jobs' : ''}. Prefer 127.0.0.1 with an SSH tunnel.\n`);
  }
  let jobDb: JobDb;
  try {
    jobDb = pgUrl === undefined ? await openSqliteJobDb(stateDir ?? '.lakeshift') : await openPostgresJobDb({ connectionString: pgUrl, schema: String(o['stateSchema'] ?? 'public') });
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(`Cannot open the job database: ${error instanceof Error ? error.message : String(error)}`, EXIT.unavailable);
  }
  const logger = pino({ level: process.env['LAKESHIFT_LOG_LEVEL'] ?? 'warn', base: null }, pino.destination(2));
  try {
    await serveUntilSignal(
      () => startDashboard({ jobDb, stateDir, reportsDir, planFile, postgres: pgUrl === undefined ? undefined : { url: pgUrl, schema: String(o['stateSchema'] ?? 'public') }, port, host, allowActions: o['allowActions'] === true, logger }),
      { port, host },
      (d) => outputFrom(o) === 'json'
        ? JSON.stringify({ url: d.url, baseUrl: d.baseUrl, database: jobDb.location, allowActions: o['allowActions'] === true })
        : [
          `lakeshift dashboard: ${d.url}`,
          `  job database: ${jobDb.location}`,
          `  reports: ${reportsDir ?? '(none)'}${planFile === undefined ? '' : `\n  plan: ${planFile}`}`,
          `  ${o['allowActions'] === true ? 'actions enabled: pause, resume and retry-failed' : 'read-only (start with --allow-actions to pause, resume and retry jobs)'}; Ctrl-C stops it`,
        ].join('\n'),
    );
  } finally {
    await jobDb.close();
  }
}
