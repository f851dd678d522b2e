import type { Generated, Kysely } from 'kysely';
import type { JobDb } from '../state/db.js';
import type { ValidationReport } from '../validate/validate.js';
import { redactValue } from './redact.js';

/**
 * Validation results for the dashboard. `lakeshift validate` prints its report and keeps nothing, so
 * a run's summary (with its first differences) is recorded here, in a table of its own inside the
 * job database; the page and `/api/validations` read it back.
 */
export interface ValidationsTable {
  id: Generated<number>;
  finished_at: number;
  source: string;
  dest: string;
  ok: number;
  difference_count: number;
  files: number;
  directories: number;
  /** The report as JSON, redacted, with at most DIFFERENCES_KEPT differences. */
  report: string;
}

const DIFFERENCES_KEPT = 200;

type ValidationsDb = Kysely<{ validations: ValidationsTable }>;

function tables(jobDb: JobDb): ValidationsDb {
  return jobDb.db.withTables<{ validations: ValidationsTable }>() as unknown as ValidationsDb;
}

/** Creates the validations table if missing (idempotent; both dialects). */
export async function ensureValidationsTable(jobDb: JobDb): Promise<void> {
  const serial = jobDb.dialect === 'postgres' ? 'bigserial' : 'integer';
  await jobDb.db.schema.createTable('validations').ifNotExists()
    .addColumn('id', serial, (c) => (jobDb.dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('finished_at', 'bigint', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('dest', 'text', (c) => c.notNull())
    .addColumn('ok', 'integer', (c) => c.notNull())
    .addColumn('difference_count', 'bigint', (c) => c.notNull())
    .addColumn('files', 'bigint', (c) => c.notNull())
    .addColumn('directories', 'bigint', (c) => c.notNull())
    .addColumn('report', 'text', (c) => c.notNull())
    .execute();
}

/** Records a validation report's summary; returns its id. */
export async function recordValidation(jobDb: JobDb, report: ValidationReport): Promise<number> {
  await ensureValidationsTable(jobDb);
  const kept = redactValue({ ...report, differences: report.differences.slice(0, DIFFERENCES_KEPT), truncated: report.truncated || report.differences.length > DIFFERENCES_KEPT }) as ValidationReport;
  const row = await tables(jobDb).insertInto('validations').values({
    finished_at: Date.parse(report.finishedAt) || Date.now(), source: kept.source, dest: kept.dest, ok: report.ok ? 1 : 0,
    difference_count: report.differenceCount, files: report.checked.files, directories: report.checked.directories, report: JSON.stringify(kept),
  }).returning('id').executeTakeFirstOrThrow();
  return Number(row.id);
}

export interface ValidationEntry {
  id: number;
  finishedAt: number;
  source: string;
  dest: string;
  ok: boolean;
  differenceCount: number;
  files: number;
  directories: number;
  report: ValidationReport;
}

/** The newest validations first (at most `limit`). Needs ensureValidationsTable once (the server calls it at start). */
export async function listValidations(jobDb: JobDb, limit = 20): Promise<ValidationEntry[]> {
  const rows = await tables(jobDb).selectFrom('validations').selectAll().orderBy('id', 'desc').limit(limit).execute();
  return rows.map((r) => ({
    id: Number(r.id), finishedAt: r.finished_at, source: r.source, dest: r.dest, ok: r.ok === 1, differenceCount: r.difference_count,
    files: r.files, directories: r.directories, report: JSON.parse(r.report) as ValidationReport,
  }));
}

/** The newest validation id, 0 when none (what the live feed watches). */
export async function lastValidationId(jobDb: JobDb): Promise<number> {
  const row = await tables(jobDb).selectFrom('validations').select((eb) => eb.fn.max('id').as('id')).executeTakeFirst();
  return Number(row?.id ?? 0);
}
