/**
 * Documented exit codes of the `lakeshift` binary (README "Exit codes").
 */
export const EXIT = {
  /** Everything succeeded; for validate: no differences. */
  ok: 0,
  /** The job ran but some files failed, or validate found differences. */
  failures: 1,
  /** Bad input: malformed URI, option, ACL spec, glob, map or plan file. Nothing was written. */
  usage: 2,
  /** Authentication or authorization failed (bad credentials, expired token, forbidden). */
  auth: 3,
  /** A named location does not exist or the endpoint cannot be reached. */
  unavailable: 4,
  /** The job was cancelled (SIGINT/SIGTERM); it can be resumed. */
  cancelled: 5,
  /**
   * A cutover gate is not passed: decommission-check found a condition that does not hold, final-sync
   * refused a source that is not frozen, or unfreeze refused paths changed since the freeze. Nothing was changed.
   */
  gate: 6,
  /** bisync: a safety guard stopped the run before any write (the same code as a cutover gate: a check refused, nothing changed). */
  guard: 6,
  /** bisync: the pair has no baseline, or its filters or compare mode changed: run with --resync. */
  needsResync: 7,
  /** An unexpected internal error (a bug: please report it with the log). */
  internal: 70,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
