import { pino, type Logger } from 'pino';
import { isStorageError, StorageError } from '../../core/errors.js';
import type { Store } from '../../core/store.js';
import type { MappingRule } from '../../engine/types.js';
import type { JobDb } from '../../state/db.js';
import { openStore as openAnyStore } from '../../stores/open-store.js';
import { UserError } from '../cli-error.js';
import { outputFrom, parseWholeNumber, storeOptionsFrom } from '../common-options.js';
import { EXIT } from '../exit-codes.js';
import { formatBytes } from '../progress.js';
import { checkReachable } from '../reachability.js';
import { parseSize } from './migrate.js';
import type { MigrateRequest } from './migrate-action.js';
import type { QueueTarget } from '../../scaleout/queue.js';
import type { DistributedStatus } from '../../scaleout/status.js';

/**
 * The actions of scale-out: `migrate --distributed` (plan and enqueue), `worker`, and `jobs show|wait`
 * over a PostgreSQL job database. Library code lives in src/scaleout/.
 */

function makeLogger(): Logger {
  return pino({ level: process.env['LAKESHIFT_LOG_LEVEL'] ?? 'warn', base: null }, pino.destination(2));
}

function stateFlags(o: Record<string, unknown>): { url: string; schema: string } {
  const url = o['state'];
  if (typeof url !== 'string' || !/^postgres(ql)?:\/\//.test(url)) throw new UserError('--state must be a PostgreSQL URL such as postgres://USER@HOST:5432/DB (password from PGPASSWORD).');
  // The URL is not echoed: it may carry a password.
  if (!URL.canParse(url)) throw new UserError('--state is not a valid URL: check its host, its port (1-65535) and its %-escapes, e.g. postgres://USER@HOST:5432/DB.');
  const schema = typeof o['stateSchema'] === 'string' ? o['stateSchema'] : 'public';
  return { url, schema };
}

/** Opens the PostgreSQL job database after a fail-fast reachability and version check (exit 4). */
async function openStateDb(o: Record<string, unknown>): Promise<{ jobDb: JobDb; url: string; schema: string }> {
  const { url, schema } = stateFlags(o);
  const { checkPostgres } = await import('../../scaleout/queue.js');
  await checkPostgres(url, 'job database');
  const { openPostgresJobDb } = await import('../../state/db.js');
  return { jobDb: await openPostgresJobDb({ connectionString: url, schema, poolSize: 6 }), url, schema };
}

async function queueTarget(o: Record<string, unknown>, url: string, schema: string): Promise<QueueTarget> {
  const { resolveQueueTarget } = await import('../../scaleout/queue.js');
  try {
    return resolveQueueTarget(url, schema, typeof o['queue'] === 'string' ? o['queue'] : undefined);
  } catch (error) {
    if (isStorageError(error, 'invalid-argument')) throw new UserError(error.message);
    throw error;
  }
}

/** `migrate SRC DST --distributed --state postgres://...`: plans, enqueues, prints the job id. */
export async function runDistributedMigrate(req: MigrateRequest, o: Record<string, unknown>): Promise<number> {
  if (req.options.dryRun === true) throw new UserError('--distributed and --dry-run cannot be combined: run the dry run without --distributed.');
  if (req.everyMs !== undefined) throw new UserError('--distributed and --every cannot be combined: rerun migrate --distributed on a schedule instead (each rerun plans the next incremental run).');
  const { planDistributed, withoutSecrets } = await import('../../scaleout/index.js');
  const batchFiles = typeof o['batchFiles'] === 'string' ? parseWholeNumber('--batch-files', o['batchFiles'], 1, 100_000) : undefined;
  const batchBytes = typeof o['batchBytes'] === 'string' ? parseSize('--batch-bytes', o['batchBytes']) : undefined;
  const accountBatches = typeof o['accountBatches'] === 'string' ? parseWholeNumber('--account-batches', o['accountBatches'], 1, 100_000) : undefined;
  const flags = storeOptionsFrom(o);
  const opened: Store[] = [];
  let jobDb: JobDb | undefined;
  try {
    const source = openAnyStore(req.source, { ...flags, role: 'source' });
    opened.push(source);
    await checkReachable(source, 'source');
    const mappings: MappingRule[] = [];
    const byUri = new Map<string, Store>();
    for (const r of req.rules) {
      let dest = byUri.get(r.destUri);
      if (dest === undefined) {
        dest = openAnyStore(r.destUri, { ...flags, role: 'dest' });
        opened.push(dest);
        byUri.set(r.destUri, dest);
      }
      mappings.push({ ...(r.name === undefined ? {} : { name: r.name }), sourcePrefix: r.sourcePrefix, dest, destPath: r.destPath });
    }
    const state = await openStateDb(o);
    jobDb = state.jobDb;
    const target = await queueTarget(o, state.url, state.schema);
    const spec = {
      source: withoutSecrets(req.source),
      rules: req.rules.map((r) => ({ ...(r.name === undefined ? {} : { name: r.name }), sourcePrefix: r.sourcePrefix, destUri: withoutSecrets(r.destUri), destPath: r.destPath })),
      kind: req.incremental ? 'incremental' as const : 'lift-and-shift' as const,
      preserve: req.options.preserve ?? ['acl', 'owner', 'permissions', 'times'],
      overwrite: req.options.overwrite ?? 'never', checksum: req.options.checksum ?? false, delete: req.options.delete ?? false,
      maxDelete: req.options.maxDelete ?? 1000, include: req.options.include ?? [], exclude: req.options.exclude ?? [],
      ...(req.options.blockSize === undefined ? {} : { blockSize: req.options.blockSize }),
      ...(req.options.identityMap === undefined ? {} : { identityMap: [...req.options.identityMap] }),
    };
    const result = await planDistributed({
      ...req.options, kind: spec.kind, source, mappings, jobDb, spec, target, logger: makeLogger(),
      ...(batchFiles === undefined ? {} : { batchFiles }), ...(batchBytes === undefined ? {} : { batchBytes }),
      ...(accountBatches === undefined ? {} : { accountBatches }),
    });
    if (req.output === 'json') {
      process.stdout.write(`${JSON.stringify({ job: result.jobId, run: result.runNo, outcome: result.outcome, batches: result.batches, enqueued: result.enqueued, files: result.files, bytes: result.bytes, queue: result.queueName })}\n`);
    } else {
      process.stdout.write(`Job ${result.jobId} run ${result.runNo}: ${result.outcome === 'planned' ? 'planned' : 'already in progress; reconciled with the queue'}: ${result.batches} batches (${result.files} items, ${formatBytes(result.bytes)}), ${result.enqueued} enqueued on ${result.queueName}.\n`);
      process.stdout.write(`Start workers: lakeshift worker --state ${stateFlags(o).url.replace(/:[^:@/]*@/, '@')}${typeof o['queue'] === 'string' ? ' --queue URL' : ''}; follow with: lakeshift jobs wait ${result.jobId} --state ...\n`);
    }
    return EXIT.ok;
  } finally {
    await jobDb?.close();
    for (const s of opened) await s.close().catch(() => undefined);
  }
}

/** `lakeshift worker`: serves batches until drained (SIGTERM/SIGINT) or, with --exit-when-idle, until no work is left. */
/** A pg error that means the server closed or lost the connection (a restart), not a failed statement. */
export function droppedPgConnection(error: unknown): boolean {
  const e = error as { severity?: string; code?: string; message?: string } | undefined;
  if (e === undefined || e === null) return false;
  if (e.severity === 'FATAL' && ['57P01', '57P02', '57P03'].includes(e.code ?? '')) return true;
  return /^(Connection terminated unexpectedly|Client has encountered a connection error and is not queryable)$/.test(e.message ?? '');
}

export async function runWorkerCommand(o: Record<string, unknown>): Promise<void> {
  const { runWorker } = await import('../../scaleout/runner.js');
  const concurrency = typeof o['concurrency'] === 'string' ? parseWholeNumber('--concurrency', o['concurrency'], 1, 1024) : undefined;
  const batches = typeof o['batches'] === 'string' ? parseWholeNumber('--batches', o['batches'], 1, 64) : undefined;
  const lockMs = typeof o['lockMs'] === 'string' ? parseWholeNumber('--lock-ms', o['lockMs'], 1000) : undefined;
  const outageS = typeof o['outageS'] === 'string' ? parseWholeNumber('--outage-s', o['outageS'], 1) : undefined;
  const capText = o['capMbps'];
  const capMbps = typeof capText === 'string' ? Number(capText) : undefined;
  if (capMbps !== undefined && !(capMbps > 0)) throw new UserError(`--cap-mbps must be a number of megabits per second above 0; got '${String(capText)}'.`);
  const state = await openStateDb(o);
  const target = await queueTarget(o, state.url, state.schema);
  const drain = new AbortController();
  const onSignal = (): void => {
    if (!drain.signal.aborted) process.stderr.write('lakeshift worker: draining (finishing the running batches, taking no new ones)\n');
    drain.abort();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  // A PostgreSQL restart ends every connection with a FATAL notice; pg emits it as an 'error' event on
  // each client, which BullMQ's PostgreSQL backend does not listen to while a client is checked out.
  // The queries on those connections fail too and are retried (the poll loop, BullMQ's job retries),
  // so that event alone must not end the worker; anything else still does.
  const onUncaught = (error: unknown): void => {
    const e = error as { message?: string; code?: string };
    if (droppedPgConnection(error)) {
      process.stderr.write(`lakeshift worker: lost a PostgreSQL connection (${e.message ?? e.code ?? 'dropped'}); reconnecting\n`);
      return;
    }
    process.stderr.write(`lakeshift: internal error in the worker: ${e.message ?? String(error)}\n`);
    process.exit(EXIT.internal);
  };
  process.on('uncaughtException', onUncaught);
  const flags = storeOptionsFrom(o);
  try {
    const result = await runWorker({
      jobDb: state.jobDb, target, logger: makeLogger(), signal: drain.signal, exitWhenIdle: o['exitWhenIdle'] === true,
      open: async (uri, role) => openAnyStore(uri, { ...flags, role }),
      onRefused: (m) => process.stderr.write(`lakeshift worker: ${m}\n`),
      ...(concurrency === undefined ? {} : { concurrency }), ...(batches === undefined ? {} : { batches }),
      ...(lockMs === undefined ? {} : { lockMs }), ...(outageS === undefined ? {} : { outageMs: outageS * 1000 }), ...(capMbps === undefined ? {} : { capMbps }),
      ...(typeof o['name'] === 'string' ? { name: o['name'] } : {}),
    });
    const line = { batches: result.batches, files: result.files, bytes: result.bytes, failedFiles: result.failedFiles, drained: result.drained };
    if (outputFrom(o) === 'json') process.stdout.write(`${JSON.stringify({ type: 'worker', ...line })}\n`);
    else process.stdout.write(`Worker ${result.drained ? 'drained' : 'idle'}: ${result.batches} batches, ${result.files} files, ${formatBytes(result.bytes)}${result.failedFiles > 0 ? `, ${result.failedFiles} files failed` : ''}.\n`);
    process.exitCode = result.failedFiles > 0 ? EXIT.failures : EXIT.ok;
  } catch (error) {
    // A connection PostgreSQL dropped (a restart) on a path that does not retry, such as start-up:
    // the manifest holds every file's state, so nothing is lost; say so and exit 4, not 70.
    if (droppedPgConnection(error)) throw new StorageError('transient', `Lost the connection to the PostgreSQL job database (${(error as Error).message}). No file is lost: start the worker again once PostgreSQL answers, and it takes up the remaining batches.`);
    throw error;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    process.off('uncaughtException', onUncaught);
    await state.jobDb.close();
  }
}

async function statusOf(id: string, o: Record<string, unknown>): Promise<DistributedStatus> {
  const { distributedStatus } = await import('../../scaleout/status.js');
  const state = await openStateDb(o);
  try {
    const { scaleoutDb, migrateScaleout } = await import('../../scaleout/schema.js');
    await migrateScaleout(state.jobDb);
    const rec = await scaleoutDb(state.jobDb).selectFrom('scaleout_jobs').select('queue_kind').where('job_id', 'like', `${id}%`).executeTakeFirst();
    const hasQueue = rec?.queue_kind === 'postgres' || typeof o['queue'] === 'string';
    return await distributedStatus(state.jobDb, id, hasQueue ? await queueTarget(o, state.url, state.schema) : undefined);
  } catch (error) {
    if (error instanceof StorageError && error.code === 'not-found') throw new UserError(error.message, EXIT.unavailable);
    throw error;
  } finally {
    await state.jobDb.close();
  }
}

function formatStatus(s: DistributedStatus): string {
  const lines = [
    `Job ${s.jobId} run ${s.runNo}: ${s.status} (${s.runState})`,
    `  files    ${s.files.done}/${s.files.total} done, ${s.files.failed} failed, ${s.files.pending} to go, ${s.files.skipped} skipped`,
    `  bytes    ${formatBytes(s.bytes.done)} of ${formatBytes(s.bytes.total)}`,
    `  rate     ${s.filesPerSecond} files/s, ${formatBytes(s.bytesPerSecond)}/s`,
    `  batches  ${s.batches.done}/${s.batches.total} done, ${s.batches.running} running, ${s.batches.queued} queued, ${s.batches.failed} failed`,
    `  queue    ${s.queue === undefined ? 'not shown (give --queue for a Redis queue)' : `${s.queue.name} (${s.queue.kind}): ${s.queue.waiting} waiting, ${s.queue.active} active, ${s.queue.delayed} delayed`}`,
    `  coordination ${(s.coordinationShare * 100).toFixed(1)}% of batch time`,
  ];
  for (const w of s.workers) lines.push(`  worker ${w.worker}: ${w.batches} batches, ${w.files} files, ${w.filesPerSecond} files/s, ${formatBytes(w.bytesPerSecond)}/s`);
  for (const f of s.failures) lines.push(`  failed ${f.path}: ${f.error}`);
  return `${lines.join('\n')}\n`;
}

/** `jobs show JOB --state postgres://...` for a distributed job. */
export async function showDistributedJob(id: string, o: Record<string, unknown>): Promise<void> {
  const s = await statusOf(id, o);
  process.stdout.write(outputFrom(o) === 'json' ? `${JSON.stringify(s)}\n` : formatStatus(s));
}

/** `jobs wait JOB --state ...`: polls until the run is finalized; exit 0 all done, 1 some failed. */
export async function waitDistributedJob(id: string, o: Record<string, unknown>): Promise<void> {
  const timeoutS = typeof o['timeout'] === 'string' ? parseWholeNumber('--timeout', o['timeout'], 1) : undefined;
  const started = Date.now();
  for (;;) {
    const s = await statusOf(id, o);
    if (s.status !== 'running') {
      process.stdout.write(outputFrom(o) === 'json' ? `${JSON.stringify(s)}\n` : formatStatus(s));
      process.exitCode = s.status === 'completed' ? EXIT.ok : EXIT.failures;
      return;
    }
    if (timeoutS !== undefined && Date.now() - started > timeoutS * 1000) throw new UserError(`Job ${s.jobId} is still running after ${timeoutS}s (${s.files.done}/${s.files.total} files).`, EXIT.failures);
    await new Promise((r) => setTimeout(r, 1000));
  }
}
