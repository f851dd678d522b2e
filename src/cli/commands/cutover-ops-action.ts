import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isStorageError } from '../../core/errors.js';
import type { Store } from '../../core/store.js';
import type { FreezeReport } from '../../cutover/freeze/freeze.js';
import type { UnfreezeReport } from '../../cutover/freeze/unfreeze.js';
import type { FinalSyncReport } from '../../cutover/final-sync/final-sync.js';
import type { WorkloadScanner } from '../../cutover/decommission/types.js';
import type { JobDb } from '../../state/db.js';
import { openStore } from '../../stores/open-store.js';
import { UserError } from '../cli-error.js';
import { outputFrom, parseWholeNumber, storeOptionsFrom } from '../common-options.js';
import { EXIT } from '../exit-codes.js';
import { formatSummary, ProgressRenderer } from '../progress.js';
import { checkReachable } from '../reachability.js';

/** The cutover freeze/unfreeze/final-sync/decommission-check actions (loaded when one runs). */

function print(o: Record<string, unknown>, value: unknown, text: () => string): void {
  process.stdout.write(outputFrom(o) === 'json' ? `${JSON.stringify(value, null, 2)}\n` : text());
}

/** Opens the job database; with `onlyIfPresent` (dry runs) returns undefined rather than creating one. */
async function openJobDb(o: Record<string, unknown>, onlyIfPresent = false): Promise<JobDb | undefined> {
  const { openSqliteJobDb, resolveStateDir } = await import('../../state/db.js');
  const dir = resolveStateDir(typeof o['stateDir'] === 'string' ? o['stateDir'] : undefined);
  if (onlyIfPresent && !existsSync(join(dir, 'jobs.db'))) return undefined;
  return openSqliteJobDb(dir);
}

/**
 * Opens a store and checks that it answers. With `mayBeMissing` (final-sync's destination) a root that
 * does not exist yet is fine: the copy creates it (a Gen2 filesystem included), as migrate does.
 */
async function openChecked(uri: string, o: Record<string, unknown>, role: 'source' | 'dest', mayBeMissing = false): Promise<Store> {
  let store: Store;
  try {
    store = openStore(uri, { ...storeOptionsFrom(o), role });
  } catch (error) {
    if (isStorageError(error, 'invalid-argument')) throw new UserError(error.message);
    throw error;
  }
  try {
    await checkReachable(store, role === 'source' ? 'source' : 'destination');
  } catch (error) {
    if (mayBeMissing && isStorageError(error, 'not-found')) {
      process.stderr.write(`lakeshift: ${store.displayUri} does not exist yet; ${o['dryRun'] === true ? 'a real run creates it' : 'creating it with the copy'}\n`);
      return store;
    }
    await store.close();
    throw error;
  }
  return store;
}

/** Cancels on Ctrl-C; `done` removes the handlers. */
function cancelOnSignal(): { signal: AbortSignal; done(): void } {
  const ac = new AbortController();
  const on = (): void => {
    process.stderr.write('\nlakeshift: cancelling; run the same command again to continue\n');
    ac.abort();
  };
  process.on('SIGINT', on);
  process.on('SIGTERM', on);
  return { signal: ac.signal, done: () => (process.off('SIGINT', on), void process.off('SIGTERM', on)) };
}

/** A precondition the library refused becomes the documented "gate not passed" exit. */
function gateRefusal(error: unknown): never {
  if (isStorageError(error, 'precondition-failed')) throw new UserError(error.message, EXIT.gate);
  throw error;
}

/** LAKESHIFT_TEST_PAUSE_AT=freeze-apply:N holds the freeze before it changes page N (crash tests kill it there). */
function freezePauseHook(): ((page: number) => Promise<void>) | undefined {
  const m = /^freeze-apply:(\d+)$/.exec(process.env['LAKESHIFT_TEST_PAUSE_AT'] ?? '');
  if (m === null) return undefined;
  const at = Number(m[1]);
  return async (page) => {
    if (page !== at) return;
    process.stderr.write(`lakeshift-test: paused at freeze-apply:${page}\n`);
    await new Promise((r) => setTimeout(r, 120_000));
  };
}

function concurrencyOf(o: Record<string, unknown>, fallback: number): number {
  return typeof o['concurrency'] === 'string' ? parseWholeNumber('--concurrency', o['concurrency'], 1, 256) : fallback;
}

function formatFreeze(r: FreezeReport): string {
  const lines = [`${r.dryRun ? 'Dry run: freeze of' : 'Freeze of'} ${r.store}${r.freezeId === null ? '' : ` (${r.freezeId}${r.continued ? ', continued' : ''})`}`];
  lines.push(`  ${r.seen} paths: ${r.changed} ${r.dryRun ? 'would lose their write bits' : 'lost their write bits'}, ${r.alreadyFrozen} already frozen, ${r.withoutWriteBits} had none${r.refrozen > 0 ? `, ${r.refrozen} frozen again (write bits had come back)` : ''}`);
  for (const e of r.examples.slice(0, 10)) lines.push(`    ${JSON.stringify(e.path === '' ? '/' : e.path)}: ${e.before} -> ${e.after}`);
  for (const f of r.failures.slice(0, 20)) lines.push(`  failed ${JSON.stringify(f.path)}: ${f.error}`);
  if (r.failed > 20) lines.push(`  ... ${r.failed - 20} more failures (use --output json for the first ${r.failures.length})`);
  lines.push(r.state === 'frozen' ? '  result: frozen; only superusers can write' : r.state === 'incomplete' ? '  result: incomplete; run the same command again to finish (or unfreeze to undo)' : '  result: nothing changed (dry run)');
  return `${lines.join('\n')}\n`;
}

export async function runFreezeCommand(uri: string, o: Record<string, unknown>): Promise<void> {
  const dryRun = o['dryRun'] === true;
  const { freezeTree } = await import('../../cutover/freeze/freeze.js');
  const { parseLocation } = await import('../../core/uri.js');
  let kind: string;
  try {
    kind = parseLocation(uri).kind;
  } catch (error) {
    if (isStorageError(error, 'invalid-argument')) throw new UserError(error.message);
    throw error;
  }
  if (kind !== 'gen1') throw new UserError(`cutover freeze works on Gen1 (adl://ACCOUNT.azuredatalakestore.net/..., https://ACCOUNT.azuredatalakestore.net/webhdfs/v1/..., or a WebHDFS endpoint); '${uri}' is a ${kind} location.`);
  const concurrency = concurrencyOf(o, 16);
  const store = await openChecked(uri, o, 'source');
  const jobDb = await openJobDb(o, dryRun);
  const cancel = cancelOnSignal();
  try {
    const tty = process.stderr.isTTY === true && outputFrom(o) === 'text';
    const pause = freezePauseHook();
    const report = await freezeTree(store, {
      dryRun, concurrency, signal: cancel.signal, ...(jobDb === undefined ? {} : { jobDb }), ...(pause === undefined ? {} : { beforeApply: pause }),
      ...(tty ? { onProgress: (p: { seen: number; changed: number }) => void process.stderr.write(`\r  ${p.seen} paths seen, ${p.changed} changed`) } : {}),
    });
    if (tty) process.stderr.write('\n');
    print(o, report, () => formatFreeze(report));
    process.exitCode = report.state === 'incomplete' ? EXIT.failures : EXIT.ok;
  } catch (error) {
    gateRefusal(error);
  } finally {
    cancel.done();
    await jobDb?.close();
    await store.close();
  }
}

function formatUnfreeze(r: UnfreezeReport): string {
  const lines = [`${r.dryRun ? 'Dry run: unfreeze of' : 'Unfreeze of'} ${r.store} (${r.freezeId}${r.force ? ', --force' : ''})`];
  for (const p of r.paths) {
    lines.push(`  ${p.outcome.padEnd(13)} ${JSON.stringify(p.path === '' ? '/' : p.path)} -> ${p.before}${p.found === undefined ? '' : ` (found ${p.found})`}${p.error === undefined ? '' : `: ${p.error}`}`);
  }
  const counts = Object.entries(r.counts).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`).join(', ');
  lines.push(`  ${counts === '' ? 'no recorded paths' : counts}`);
  const result = {
    unfrozen: 'unfrozen: every recorded mode and ACL is back',
    refused: 'refused: the paths above changed since the freeze; nothing was changed (check them, then --force to overwrite)',
    incomplete: 'incomplete: some paths were not restored; run the same command again',
    'would-unfreeze': 'nothing changed (dry run)',
  }[r.state];
  const wouldRefuse = r.dryRun && !r.force && r.counts.conflict > 0 ? ` (with ${r.counts.conflict} conflicts the unfreeze would be refused without --force)` : '';
  lines.push(`  result: ${result}${wouldRefuse}`);
  return `${lines.join('\n')}\n`;
}

export async function runUnfreezeCommand(uri: string | undefined, o: Record<string, unknown>): Promise<void> {
  const { resolveOpenFreeze, unfreezeTree } = await import('../../cutover/freeze/unfreeze.js');
  const { storeKey } = await import('../../cutover/ops-state/freezes.js');
  const jobDb = await openJobDb(o, true);
  if (jobDb === undefined) throw new UserError('No job database here, so nothing is frozen (check --state-dir or LAKESHIFT_STATE_DIR).', EXIT.unavailable);
  try {
    let key: string | undefined;
    if (uri !== undefined) {
      const probe = await openChecked(uri, o, 'source');
      key = storeKey(probe.displayUri);
      await probe.close();
    }
    const freeze = await resolveOpenFreeze(jobDb, key).catch((error: unknown) => {
      if (isStorageError(error, 'not-found')) throw new UserError(error.message, EXIT.unavailable);
      if (isStorageError(error, 'invalid-argument')) throw new UserError(error.message);
      throw error;
    });
    const store = await openChecked(uri ?? freeze.store, o, 'source');
    const cancel = cancelOnSignal();
    try {
      const report = await unfreezeTree(store, freeze, { jobDb, force: o['force'] === true, dryRun: o['dryRun'] === true, concurrency: concurrencyOf(o, 16), signal: cancel.signal });
      print(o, report, () => formatUnfreeze(report));
      process.exitCode = report.state === 'refused' ? EXIT.gate : report.state === 'incomplete' ? EXIT.failures : EXIT.ok;
    } finally {
      cancel.done();
      await store.close();
    }
  } finally {
    await jobDb.close();
  }
}

function formatFinalSync(r: FinalSyncReport): string {
  const lines = [`${r.dryRun ? 'Dry run: final sync' : 'Final sync'} ${r.source} -> ${r.dest}`];
  lines.push(`  freeze: ${r.freeze === null ? 'none (--allow-unfrozen)' : `${r.freeze.id}, frozen ${r.freeze.frozenAt}`}`);
  lines.push(`  newest source change before the copy: ${new Date(r.sourceLatestChangeMs).toISOString()} (${JSON.stringify(r.sourceLatestChangePath)})`);
  lines.push(formatSummary(r.copy).trimEnd().replace(/^/gm, '  '));
  if (r.validation !== null) {
    const v = r.validation;
    lines.push(`  validation (content compared): ${v.checked.files} files, ${v.checked.directories} directories, ${v.differenceCount} differences${v.skippedByName.count > 0 ? `; ${v.skippedByName.count} source paths Gen2 cannot hold` : ''}`);
    for (const d of v.differences.slice(0, 20)) lines.push(`    ${d.kind.padEnd(11)} ${JSON.stringify(d.path)}: ${d.detail}`);
  }
  lines.push(r.dryRun ? '  result: nothing copied or recorded (dry run)' : r.ok ? '  result: Gen2 holds everything Gen1 holds; recorded for decommission-check' : '  result: not clean; fix what is listed and run final-sync again');
  return `${lines.join('\n')}\n`;
}

export async function runFinalSyncCommand(sourceUri: string, destUri: string, o: Record<string, unknown>): Promise<void> {
  const dryRun = o['dryRun'] === true;
  let identityMap: Map<string, string> | undefined;
  if (typeof o['identityMap'] === 'string') {
    const file = o['identityMap'];
    const { parseIdentityMap } = await import('../../core/identity-map.js');
    const text = await readFile(file, 'utf8').catch((e: unknown) => {
      throw new UserError(`Cannot read the identity map '${file}': ${e instanceof Error ? e.message : String(e)}.`);
    });
    identityMap = parseIdentityMap(text, file);
  }
  const maxDelete = typeof o['maxDelete'] === 'string' ? parseWholeNumber('--max-delete', o['maxDelete'], 0) : undefined;
  const concurrency = concurrencyOf(o, 8);
  const { runFinalSync } = await import('../../cutover/final-sync/final-sync.js');
  const source = await openChecked(sourceUri, o, 'source');
  const dest = await openChecked(destUri, o, 'dest', true).catch(async (e: unknown) => {
    await source.close();
    throw e;
  });
  const jobDb = await openJobDb(o, dryRun);
  const cancel = cancelOnSignal();
  try {
    if (jobDb === undefined) throw new UserError(`Final sync refused: ${source.displayUri} is not frozen (no job database here; check --state-dir).`, EXIT.gate);
    // A progress bar on a terminal; nothing else on stderr (scripts read the report on stdout).
    const renderer = process.stderr.isTTY === true && outputFrom(o) === 'text' ? new ProgressRenderer(process.stderr, 'bar') : undefined;
    const report = await runFinalSync(source, dest, {
      jobDb, dryRun, allowUnfrozen: o['allowUnfrozen'] === true, concurrency, signal: cancel.signal,
      ...(renderer === undefined ? {} : { onEvent: (e: Parameters<ProgressRenderer['handle']>[0]) => renderer.handle(e) }),
      ...(maxDelete === undefined ? {} : { maxDelete }), ...(identityMap === undefined ? {} : { identityMap }),
    });
    print(o, report, () => formatFinalSync(report));
    process.exitCode = report.copy.status === 'cancelled' ? EXIT.cancelled : dryRun || report.ok ? EXIT.ok : EXIT.failures;
  } catch (error) {
    gateRefusal(error);
  } finally {
    cancel.done();
    await jobDb?.close();
    await Promise.allSettled([source.close(), dest.close()]);
  }
}

/**
 * The workload scanner for the gate: src/cutover's scan with the mapping of --map / --plan, read as
 * `cutover scan` reads them (the mapping and plan files themselves are not scanned). The mapping only
 * decides rewrite or report; every finding counts against the gate.
 */
async function loadWorkloadScanner(o: Record<string, unknown>): Promise<WorkloadScanner> {
  const { mappingFrom } = await import('./cutover-workloads-action.js');
  const { planRewrite } = await import('../../cutover/index.js');
  const { mapping, inputs } = await mappingFrom(o);
  return async (paths) => {
    const r = await planRewrite(paths, { exclude: inputs, ...(mapping === undefined ? {} : { mapping }) });
    return { filesScanned: r.files_scanned, findings: r.findings, skipped: r.skipped };
  };
}

export async function runDecommissionCheckCommand(sourceUri: string, destUri: string, o: Record<string, unknown>): Promise<void> {
  const workloads = Array.isArray(o['workloads']) ? (o['workloads'] as string[]) : [];
  for (const w of workloads) if (!existsSync(w)) throw new UserError(`--workloads: '${w}' does not exist.`, EXIT.unavailable);
  const gateway = o['gateway'];
  if (typeof gateway === 'string' && !existsSync(join(gateway, 'jobs.db'))) throw new UserError(`--gateway: no job database (jobs.db) in '${gateway}'; give the --state-dir lakeshift gateway mirror ran with, or --gateway alone for this job database.`, EXIT.unavailable);
  const metastore = o['metastore'];
  if (typeof metastore === 'string' && metastore !== '') {
    const { dialectOfUrl } = await import('../../cutover/metastore/connection.js');
    try {
      dialectOfUrl(metastore);
    } catch (e) {
      throw new UserError(e instanceof Error ? e.message : String(e));
    }
  }
  const scanWorkloads = await loadWorkloadScanner(o);
  const { runDecommissionCheck, formatDecommissionReport } = await import('../../cutover/decommission/decommission-check.js');
  const source = await openChecked(sourceUri, o, 'source');
  const dest = await openChecked(destUri, o, 'source').catch(async (e: unknown) => {
    await source.close();
    throw e;
  });
  const jobDb = await openJobDb(o, true);
  try {
    if (jobDb === undefined) throw new UserError('No job database here: nothing was frozen or final-synced from it (check --state-dir or LAKESHIFT_STATE_DIR).', EXIT.gate);
    const report = await runDecommissionCheck(source, dest, {
      jobDb, workloads, acceptNotHeld: o['acceptNotHeld'] === true, dryRun: o['dryRun'] === true, flags: o, scanWorkloads,
    });
    print(o, report, () => formatDecommissionReport(report));
    process.exitCode = report.passed ? EXIT.ok : EXIT.gate;
  } finally {
    await jobDb?.close();
    await Promise.allSettled([source.close(), dest.close()]);
  }
}
