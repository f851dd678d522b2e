import type { Logger } from 'pino';
import { StorageError } from '../../core/errors.js';
import type { Store } from '../../core/store.js';
import type { IdentityMap } from '../../engine/acl-translate.js';
import type { MigrationEvent, MigrationSummary } from '../../engine/types.js';
import { runIncremental } from '../../patterns/incremental.js';
import type { JobDb } from '../../state/db.js';
import { validateStores, type ValidationReport } from '../../validate/validate.js';
import { thawedView } from '../freeze/thawed-view.js';
import { recordCutoverEvent } from '../ops-state/events.js';
import { findCoveringFreeze, storeKey } from '../ops-state/freezes.js';
import { cutoverDb } from '../ops-state/tables.js';
import { scanSource } from './source-scan.js';

export interface FinalSyncOptions {
  jobDb: JobDb;
  /** Run although the source is not frozen (the result then proves nothing about later writes). */
  allowUnfrozen?: boolean;
  /** Check the freeze and count what the copy would do; copy, validate and record nothing. */
  dryRun?: boolean;
  concurrency?: number;
  /** Refuse to delete more than this many destination paths (default: migrate's). */
  maxDelete?: number;
  identityMap?: IdentityMap;
  logger?: Logger;
  signal?: AbortSignal;
  onEvent?: (event: MigrationEvent) => void;
}

/** What a final sync did; recorded in the job database as a `final-sync` cutover event (not for a dry run). */
export interface FinalSyncReport {
  source: string;
  dest: string;
  dryRun: boolean;
  /** The freeze the sync ran under, or null with allowUnfrozen. */
  freeze: { id: string; frozenAt: string } | null;
  startedAt: string;
  startedAtMs: number;
  finishedAtMs: number;
  /** Newest change time in the source when the sync began (listed before the copy). */
  sourceLatestChangeMs: number;
  sourceLatestChangePath: string;
  copy: MigrationSummary;
  /** The checksum validation (null for a dry run); its difference list is capped at 100. */
  validation: ValidationReport | null;
  ok: boolean;
}

/**
 * The last copy before decommissioning: refuses (StorageError precondition-failed) unless the source
 * is frozen and the freeze finished (or allowUnfrozen), lists the source for its newest change, runs
 * an incremental copy with deletes, then validates both sides with checksums. Copy and validation read
 * the source through the freeze's thawed view, so Gen2 receives the modes and ACLs from before the
 * freeze. Records the times, the source's newest change and the result in the job database.
 */
export async function runFinalSync(source: Store, dest: Store, options: FinalSyncOptions): Promise<FinalSyncReport> {
  const db = await cutoverDb(options.jobDb);
  const covering = await findCoveringFreeze(db, source.displayUri);
  const frozen = covering !== undefined && covering.freeze.state === 'frozen';
  if (!frozen && options.allowUnfrozen !== true) {
    const why = covering === undefined
      ? `${storeKey(source.displayUri)} is not frozen`
      : `the freeze ${covering.freeze.id} of ${covering.freeze.store} is ${covering.freeze.state}, not finished`;
    throw new StorageError('precondition-failed', `Final sync refused: ${why}. Run 'lakeshift cutover freeze ${storeKey(source.displayUri)}' first (or pass --allow-unfrozen for a rehearsal; it proves nothing about writes after it).`);
  }
  const view = frozen && covering !== undefined ? thawedView(source, db, covering.freeze, covering.prefix) : source;
  const startedAtMs = Date.now();
  const scan = await scanSource(source, options.signal);
  const dryRun = options.dryRun === true;
  const [copy] = await runIncremental({
    source: view, dest, jobDb: options.jobDb, delete: true, dryRun,
    ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
    ...(options.maxDelete === undefined ? {} : { maxDelete: options.maxDelete }),
    ...(options.identityMap === undefined ? {} : { identityMap: options.identityMap }),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.onEvent === undefined ? {} : { onEvent: options.onEvent }),
  });
  if (copy === undefined) throw new Error('runIncremental returned no run summary.');
  let validation: FinalSyncReport['validation'] = null;
  if (!dryRun && copy.status !== 'cancelled') {
    const v = await validateStores(view, dest, {
      checksum: true,
      acl: view.capabilities.acl && dest.capabilities.acl,
      owner: view.capabilities.ownership && dest.capabilities.ownership,
      permissions: view.capabilities.permissions && dest.capabilities.permissions,
      maxDifferences: 100,
      ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
      ...(options.identityMap === undefined ? {} : { identityMap: options.identityMap }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    validation = v;
  }
  const ok = !dryRun && copy.status === 'completed' && copy.files.failed === 0 && copy.deleteRefused === undefined && validation?.ok === true;
  const report: FinalSyncReport = {
    source: storeKey(source.displayUri), dest: storeKey(dest.displayUri), dryRun,
    freeze: frozen && covering !== undefined ? { id: covering.freeze.id, frozenAt: new Date(covering.freeze.finished_at ?? covering.freeze.started_at).toISOString() } : null,
    startedAt: new Date(startedAtMs).toISOString(), startedAtMs, finishedAtMs: Date.now(),
    sourceLatestChangeMs: scan.latestChangeMs, sourceLatestChangePath: scan.latestChangePath, copy, validation, ok,
  };
  if (!dryRun) {
    await recordCutoverEvent(db, {
      kind: 'final-sync', source: report.source, dest: report.dest, ok, at: report.finishedAtMs,
      details: {
        startedAtMs, finishedAtMs: report.finishedAtMs, sourceLatestChangeMs: scan.latestChangeMs, sourceLatestChangePath: scan.latestChangePath,
        freezeId: report.freeze?.id ?? null, jobId: copy.jobId, runNo: copy.runNo, copyStatus: copy.status, filesCopied: copy.files.copied,
        filesFailed: copy.files.failed, deleted: copy.deleted, deleteRefused: copy.deleteRefused ?? null,
        validation: validation === null ? null : {
          checksum: validation.checks.checksum, ok: validation.ok, differenceCount: validation.differenceCount, byKind: validation.byKind,
          files: validation.checked.files, directories: validation.checked.directories,
          notHeld: validation.skippedByName.count, notHeldExamples: validation.skippedByName.examples.slice(0, 5).map((e) => e.path),
        },
      },
    });
  }
  return report;
}
