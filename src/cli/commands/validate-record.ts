import { existsSync } from 'node:fs';
import { join } from 'node:path';
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
