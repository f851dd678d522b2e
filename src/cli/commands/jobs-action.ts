import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { parseIdentityMap } from '../../engine/acl-translate.js';
import { PRESERVE_KEYS, type PreserveKey } from '../../engine/types.js';
import { DEFAULT_MAX_DELETE } from '../../patterns/incremental.js';
import { openSqliteJobDb, resolveStateDir, type JobDb } from '../../state/db.js';
import { countItems, listItems } from '../../state/items.js';
import { deleteJob, getJob, listDatasets, listJobs, listRuns, type JobRow } from '../../state/jobs.js';
import { UserError } from '../cli-error.js';
import { outputFrom } from '../common-options.js';
import { EXIT } from '../exit-codes.js';
import { formatBytes } from '../progress.js';
import type { MigrateDeps } from './migrate.js';
import { executeMigration, type MigrateRequest } from './migrate-action.js';

/** The actions of `lakeshift jobs list|show|resume|clean` (see jobs.ts for the flags). */

/** The job record's options (written by the engine's describeOptions), parsed at the edge. */
const JobOptionsSchema = z.object({
  kind: z.enum(['lift-and-shift', 'incremental']),
  mappings: z.array(z.object({ name: z.string(), sourcePrefix: z.string(), dest: z.string(), destPath: z.string() })),
  include: z.array(z.string()),
  exclude: z.array(z.string()),
  preserve: z.array(z.enum(PRESERVE_KEYS as unknown as [PreserveKey, ...PreserveKey[]])),
  overwrite: z.enum(['never', 'if-newer', 'always']),
  checksum: z.boolean(),
  delete: z.boolean(),
  identityMap: z.string().nullable(),
});

async function withDb<T>(o: Record<string, unknown>, fn: (db: JobDb) => Promise<T>): Promise<T> {
  // jobs commands read or change existing jobs: they never create a job database.
  const db = await openSqliteJobDb(resolveStateDir(typeof o['stateDir'] === 'string' ? o['stateDir'] : undefined), { mustExist: true });
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

function jobLine(j: JobRow): string {
  const when = new Date(j.updated_at).toISOString().replace(/\.\d+Z$/, 'Z');
  return `${j.id}  ${j.status.padEnd(9)}  ${j.kind.padEnd(14)}  runs ${String(j.runs).padStart(3)}  files ${j.files_done}/${j.files_total} (${formatBytes(j.bytes_done)}/${formatBytes(j.bytes_total)}) failed ${j.files_failed}  ${when}  ${j.source} -> ${j.dest}`;
}

/** `jobs list`: every job, newest first. */
export async function listJobsCommand(o: Record<string, unknown>): Promise<void> {
  await withDb(o, async (db) => {
    const rows = await listJobs(db);
    if (outputFrom(o) === 'json') process.stdout.write(`${JSON.stringify(rows)}\n`);
    else process.stdout.write(rows.length === 0 ? `No jobs in ${db.location}.\n` : `${rows.map(jobLine).join('\n')}\n`);
  });
}

/** `jobs show JOB`: runs, data sets, item counts and recent failures. */
export async function showJobCommand(id: string, o: Record<string, unknown>): Promise<void> {
  await withDb(o, async (db) => {
    const job = await getJob(db, id);
    const [runs, datasets, counts, failed] = await Promise.all([
      listRuns(db, job.id), listDatasets(db, job.id), countItems(db, job.id), listItems(db, job.id, { states: ['failed'], limit: 50 }),
    ]);
    if (outputFrom(o) === 'json') {
      process.stdout.write(`${JSON.stringify({ job: { ...job, options: JSON.parse(job.options) as unknown }, runs, datasets, counts, failures: failed.map((f) => ({ dataset: f.dataset, path: f.rel_path, error: f.last_error, attempts: f.attempts })) })}\n`);
      return;
    }
    const out = [jobLine(job), 'Runs:'];
    for (const r of runs) out.push(`  #${r.run_no} ${r.status.padEnd(9)} ${new Date(r.started_at).toISOString()} copied ${r.files_copied} (${formatBytes(r.bytes_copied)}) failed ${r.files_failed} deleted ${r.deleted}`);
    out.push('Data sets:');
    for (const d of datasets) out.push(`  ${d.name} -> ${d.dest} watermark ${d.watermark === null ? '-' : new Date(d.watermark).toISOString()}`);
    out.push('Items:');
    for (const c of counts) out.push(`  ${c.kind.padEnd(9)} ${c.state.padEnd(8)} ${c.count} (${formatBytes(c.bytes)})`);
    if (failed.length > 0) out.push('Failures:');
    for (const f of failed) out.push(`  ${f.dataset}:${f.rel_path}: ${f.last_error ?? ''}`);
    process.stdout.write(`${out.join('\n')}\n`);
  });
}

/** `jobs resume JOB`: reopens the job's stores and options from its record and runs it again. */
export async function resumeJobCommand(id: string, o: Record<string, unknown>, deps?: MigrateDeps): Promise<void> {
  const stateDir = resolveStateDir(typeof o['stateDir'] === 'string' ? o['stateDir'] : undefined);
  const concurrency = Number(o['concurrency']);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new UserError(`--concurrency must be a whole number above 0; got '${String(o['concurrency'])}'.`);
  const job = await withDb(o, (db) => getJob(db, id));
  const parsed = JobOptionsSchema.safeParse(JSON.parse(job.options));
  if (!parsed.success) throw new UserError(`Job ${job.id} was recorded by another lakeshift version; rerun the original migrate command instead.`);
  const jo = parsed.data;
  let identityMap: Map<string, string> | undefined;
  if (jo.identityMap !== null) {
    if (typeof o['identityMap'] !== 'string') throw new UserError(`Job ${job.id} was started with an identity map: give it again with --identity-map FILE.`);
    identityMap = parseIdentityMap(await readFile(o['identityMap'], 'utf8'), o['identityMap']);
  }
  const req: MigrateRequest = {
    source: job.source,
    rules: jo.mappings.map((m) => ({ name: m.name, sourcePrefix: m.sourcePrefix, destUri: m.dest, destPath: m.destPath })),
    options: {
      include: jo.include, exclude: jo.exclude, preserve: jo.preserve, overwrite: jo.overwrite, checksum: jo.checksum, delete: jo.delete,
      concurrency, ...(identityMap === undefined ? {} : { identityMap }), ...(jo.kind === 'incremental' ? { maxDelete: DEFAULT_MAX_DELETE } : {}),
    },
    incremental: jo.kind === 'incremental', stateDir, output: outputFrom(o), expectJobId: job.id,
  };
  process.exitCode = await executeMigration(req, o, deps);
}

/** `jobs clean [JOB]`: deletes one job record, or every completed one. */
export async function cleanJobsCommand(id: string | undefined, o: Record<string, unknown>): Promise<void> {
  await withDb(o, async (db) => {
    const targets = id === undefined ? (await listJobs(db)).filter((j) => j.status === 'completed') : [await getJob(db, id)];
    for (const j of targets) await deleteJob(db, j.id);
    process.stdout.write(`Removed ${targets.length} job${targets.length === 1 ? '' : 's'} from ${db.location}.\n`);
  });
  process.exitCode = EXIT.ok;
}
