import { runMigration } from '../engine/migrate.js';
import type { MigrationOptions, MigrationSummary } from '../engine/types.js';

export type LiftAndShiftOptions = Omit<MigrationOptions, 'kind' | 'delete' | 'maxDelete'>;

/**
 * Lift and shift: copy everything (data, directories, ACLs, owners, permissions, times) once, from a
 * durable plan. Re-running the same call resumes the same job and copies only what is missing or
 * changed. See `runMigration` for the contract.
 */
export function runLiftAndShift(options: LiftAndShiftOptions): Promise<MigrationSummary> {
  return runMigration({ ...options, kind: 'lift-and-shift' });
}
