import { Queue, Worker, createPostgresBackend, runMigrations, type Job, type JobProgress, type PostgresConnectionOptions, type PostgresQueueBackend, type Processor, type WorkerOptions } from 'bullmq';
import type { Client as PgClient } from 'pg';
import { StorageError } from '../core/errors.js';
import { redactUri } from '../core/uri.js';

/**
 * Where the BullMQ queue lives: PostgreSQL (default: the job database itself, in its own schema) or
 * Redis (`--queue redis://...`). Same BullMQ API on both; only the connection and backend differ.
 */
export type QueueTarget =
  | { kind: 'postgres'; connectionString: string; schema: string }
  | { kind: 'redis'; url: string; prefix: string };

/** What one batch job carries. The manifest holds everything else (the job spec, the batch's items). */
export interface BatchJobData {
  jobId: string;
  runNo: number;
  batchId: string;
  kind: 'copy' | 'finalize';
}

/** BullMQ requires PostgreSQL 13 (its backend checks too); Redis 5 is BullMQ's minimum. */
export const MIN_POSTGRES = 13;
export const MIN_REDIS = '5.0.0';

/**
 * The queue target of a job database URL and an optional `--queue` URL. Per job database (URL path
 * and state schema) the queue gets its own PostgreSQL schema or Redis prefix, so several job
 * databases can share one server.
 */
export function resolveQueueTarget(stateUrl: string, stateSchema: string, queueUrl: string | undefined): QueueTarget {
  const url = queueUrl ?? stateUrl;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new StorageError('invalid-argument', `--queue '${redactUri(url)}' is not a URL: use redis://HOST:6379 or postgres://USER@HOST:5432/DB.`);
  }
  if (parsed.protocol === 'postgres:' || parsed.protocol === 'postgresql:') return { kind: 'postgres', connectionString: url, schema: `${stateSchema}_queue` };
  if (parsed.protocol === 'redis:' || parsed.protocol === 'rediss:') {
    const db = new URL(stateUrl).pathname.replace(/^\//, '') || 'postgres';
    return { kind: 'redis', url, prefix: `lakeshift-${db}-${stateSchema}`.replace(/[^A-Za-z0-9_-]/g, '_') };
  }
  throw new StorageError('invalid-argument', `--queue '${redactUri(url)}' must be a redis:// or postgres:// URL.`);
}

function redisOptions(target: Extract<QueueTarget, { kind: 'redis' }>, forWorker: boolean): { url: string; maxRetriesPerRequest: number | null; connectTimeout: number; enableOfflineQueue: boolean } {
  // Workers wait out an outage (BullMQ wants maxRetriesPerRequest null); producers fail fast.
  return { url: target.url, maxRetriesPerRequest: forWorker ? null : 3, connectTimeout: 5000, enableOfflineQueue: forWorker };
}

/**
 * Connects to the queue's server once, with a short deadline, and checks its version; on PostgreSQL
 * also creates or upgrades BullMQ's schema (idempotent, serialised by BullMQ's advisory lock).
 * Throws StorageError('transient') (exit 4) for an unreachable server or a version BullMQ cannot use.
 */
export async function prepareQueue(target: QueueTarget): Promise<void> {
  if (target.kind === 'postgres') {
    await checkPostgres(target.connectionString, 'queue', async (client) => {
      await client.query(`CREATE SCHEMA IF NOT EXISTS "${target.schema}"`);
      await client.query(`SET search_path TO "${target.schema}"`);
      await runMigrations(client, target.schema);
    });
    return;
  }
  const { Redis } = await import('ioredis');
  const where = redactUri(target.url);
  const redis = new Redis(target.url, { lazyConnect: true, connectTimeout: 3000, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  redis.on('error', () => undefined);
  try {
    try {
      await redis.connect();
    } catch (error) {
      throw new StorageError('transient', `Cannot reach Redis at ${where}: ${(error as Error).message}. Check the URL and that redis-server is running.`, { cause: error });
    }
    const info = await redis.info('server');
    const version = /redis_version:([\d.]+)/.exec(info)?.[1] ?? '0';
    if (compareVersions(version, MIN_REDIS) < 0) throw new StorageError('transient', `Redis at ${where} is version ${version}; BullMQ needs ${MIN_REDIS} or later. Upgrade it, or leave out --queue to keep the queue in PostgreSQL.`);
  } finally {
    redis.disconnect();
  }
}

/**
 * Connects to PostgreSQL once with a 5 s deadline, checks it is version 13 or later, then runs `then`
 * on the connection. Throws StorageError('transient') (exit 4) saying what to do.
 */
export async function checkPostgres(url: string, role: 'job database' | 'queue', then?: (client: PgClient) => Promise<void>): Promise<void> {
  const pg = (await import('pg')).default;
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  client.on('error', () => undefined);
  const where = redactUri(url);
  try {
    await client.connect();
  } catch (error) {
    const why = (error as Error).message || (error as { code?: string }).code || 'connection failed';
    throw new StorageError('transient', `Cannot reach the PostgreSQL ${role} at ${where}: ${why}. Check the URL and that PostgreSQL is running.`, { cause: error });
  }
  try {
    const { rows } = await client.query<{ v: string }>("SELECT current_setting('server_version_num') AS v");
    const major = Math.floor(Number(rows[0]?.v ?? 0) / 10000);
    if (major < MIN_POSTGRES) throw new StorageError('transient', `PostgreSQL at ${where} is version ${major}; lakeshift's scale-out (BullMQ) needs PostgreSQL ${MIN_POSTGRES} or later. Upgrade it${role === 'queue' ? ', or put the queue in Redis with --queue redis://HOST:6379' : ''}.`);
    await then?.(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * A BullMQ queue of batch jobs on the target. Close it when done. Its connection errors (a database
 * restart) surface through the calls that fail; the 'error' event is listened to so that BullMQ does
 * not print them with a stack trace.
 */
export function openQueue(target: QueueTarget, name: string): BatchQueue {
  let q: BatchQueue;
  if (target.kind === 'postgres') {
    // Same API on both backends (BullMQ's backend abstraction); typed as the default one here.
    q = new Queue<BatchJobData, string, string, BatchJobData, string, string, PostgresQueueBackend, PostgresConnectionOptions>(name, { connection: { connectionString: target.connectionString, schema: target.schema, max: 4 } }, createPostgresBackend) as unknown as BatchQueue;
  } else {
    q = new Queue<BatchJobData, string, string>(name, { connection: redisOptions(target, false), prefix: target.prefix });
  }
  q.on('error', () => undefined);
  return q;
}

/** A BullMQ worker of batch jobs on the target. */
export function openWorker(target: QueueTarget, name: string, processor: Processor<BatchJobData, string, string>, options: Omit<WorkerOptions, 'connection' | 'prefix'>): BatchWorker {
  if (target.kind === 'postgres') {
    const w = new Worker<BatchJobData, string, string, PostgresQueueBackend, JobProgress, PostgresConnectionOptions>(name, processor, { ...options, connection: { connectionString: target.connectionString, schema: target.schema, max: 4 } }, createPostgresBackend);
    return w as unknown as BatchWorker;
  }
  return new Worker<BatchJobData, string, string>(name, processor, { ...options, connection: redisOptions(target, true), prefix: target.prefix });
}

/** Retries and retention of every batch job (the manifest keeps the history; the queue need not). */
export const BATCH_JOB_OPTIONS = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { count: 1000 },
  removeOnFail: { count: 10_000 },
} as const;

export type BatchJob = Job<BatchJobData, string, string>;
export type BatchQueue = Queue<BatchJobData, string, string>;
export type BatchWorker = Worker<BatchJobData, string, string>;
