import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Store } from '../../core/store.js';
import type { ValidationReport } from '../../validate/validate.js';

/**
 * Records a validation result in the job database so that the dashboard shows it: in `--state-dir`
 * when given, else in the default state directory only when it already holds a job database (a
 * validation alone never creates one). A failure to record is a warning: the report was printed.
 */
export async function recordValidationResult(report: ValidationReport, stateDir: string | undefined): Promise<void> {
  const { openSqliteJobDb, resolveStateDir } = await import('../../state/db.js');
  const dir = resolveStateDir(stateDir);
  if (stateDir === undefined && !existsSync(join(dir, 'jobs.db'))) return;
  try {
    const { recordValidation } = await import('../../web/validations.js');
    const jobDb = await openSqliteJobDb(dir);
    try {
      await recordValidation(jobDb, report);
    } finally {
      await jobDb.close();
    }
  } catch (error) {
    process.stderr.write(`lakeshift validate: warning: the result could not be recorded in ${dir}: ${error instanceof Error ? error.message : String(error)}\n`);
  }
}

/**
 * A frozen source (cutover freeze) is validated as the copy reads it: with the modes and ACLs recorded
 * before the freeze (the thawed view), so a copy made after the freeze validates clean. Looks in the
 * job database of --state-dir, or the default one if it exists (none: the source as it is); says so on
 * stderr. `close` closes the job database once the validation is done.
 */
export async function thawedIfFrozen(source: Store, stateDir: string | undefined): Promise<{ store: Store; close(): Promise<void> }> {
  const { openSqliteJobDb, resolveStateDir } = await import('../../state/db.js');
  const dir = resolveStateDir(stateDir);
  if (!existsSync(join(dir, 'jobs.db'))) return { store: source, close: () => Promise.resolve() };
  const { thawedIfFrozen: thaw } = await import('../../cutover/freeze/thawed-view.js');
  const jobDb = await openSqliteJobDb(dir);
  try {
    const thawed = await thaw(source, jobDb);
    if (thawed.freezeId !== undefined) process.stderr.write(`lakeshift: ${source.displayUri} is frozen (${thawed.freezeId}): comparing with the modes and ACLs recorded before the freeze\n`);
    return { store: thawed.store, close: () => jobDb.close() };
  } catch (error) {
    await jobDb.close();
    throw error;
  }
}
