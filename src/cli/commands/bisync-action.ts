import { pino } from 'pino';
import { parseLocation } from '../../core/uri.js';
import {
  CRASH_POINTS, isBisyncStop, parseConflictRule, parseResolvePolicy, runBisync, runBisyncEvery,
  type BisyncEvent, type BisyncOptions, type BisyncSummary, type CompareKey, type CrashPoint, type LoserAction, type ResyncMode,
} from '../../patterns/bisync/index.js';
import { parseInterval } from '../../patterns/incremental.js';
import { openSqliteJobDb, resolveStateDir } from '../../state/db.js';
import { openStore } from '../../stores/open-store.js';
import { UserError } from '../cli-error.js';
import { asUserError, parseFilterFlags, parsePreserveFlag, readIdentityMapFlag } from '../copy-flags.js';
import { outputFrom, parsePercent, parseWholeNumber, storeOptionsFrom } from '../common-options.js';
import { EXIT } from '../exit-codes.js';
import { checkReachable } from '../reachability.js';
import { parseSize } from './migrate.js';
import { parseByteSize } from './plan.js';

/**
 * What `lakeshift bisync` does once its flags are parsed: validate them (exit 2, nothing written),
 * open both stores and the job database, run once or `--every`, print the plan or the summary, and
 * map the outcome to an exit code (0 ok, 1 failures or unresolved conflicts, 6 guard, 7 needs --resync).
 */

const COMPARE_KEYS: readonly CompareKey[] = ['size', 'mtime', 'etag', 'checksum'];

type Parsed = Omit<BisyncOptions, 'path1' | 'path2' | 'jobDb'> & { everyMs?: number };

/** Parses and checks every flag up front. Throws UserError (exit 2). */
export async function parseBisyncFlags(path1: string, path2: string, o: Record<string, unknown>): Promise<Parsed> {
  asUserError(() => parseLocation(path1));
  asUserError(() => parseLocation(path2));
  const { include, exclude } = parseFilterFlags(o);
  const compare = String(o['compare'] ?? 'size,mtime,etag').split(',').map((k) => k.trim()).filter((k) => k !== '');
  for (const k of compare) if (!(COMPARE_KEYS as readonly string[]).includes(k)) throw new UserError(`--compare: unknown key '${k}'. Use a comma list of ${COMPARE_KEYS.join(', ')}.`);
  if (compare.length === 0) throw new UserError('--compare needs at least one of size, mtime, etag, checksum.');
  const preserve = parsePreserveFlag(o);
  const identityMap = await readIdentityMapFlag(o);
  const interval = (flag: string, key: string): number | undefined => (typeof o[key] === 'string' ? asUserError(() => parseInterval(o[key] as string)) : undefined);
  const everyMs = interval('--every', 'every');
  if (everyMs !== undefined && everyMs < 1000) throw new UserError('--every must be at least 1s.');
  const settleMs = interval('--settle', 'settle');
  const lockWaitMs = interval('--lock-wait', 'lockWait');
  const conflictRules = ((o['conflictRule'] as string[] | undefined) ?? []).map((r) => asUserError(() => parseConflictRule(r)));
  const conflictResolve = asUserError(() => parseResolvePolicy(String(o['conflictResolve'] ?? 'newer')));
  const maxDeleteCount = typeof o['maxDeleteCount'] === 'string' ? parseWholeNumber('--max-delete-count', o['maxDeleteCount'], 0) : undefined;
  const maxRenames = typeof o['maxRenames'] === 'string' ? parseWholeNumber('--max-renames', o['maxRenames'], 0) : undefined;
  const maxTransferBytes = typeof o['maxTransfer'] === 'string' ? parseByteSize('--max-transfer', o['maxTransfer']) : undefined;
  return {
    resync: o['resync'] === true, resyncMode: (o['resyncMode'] as ResyncMode | undefined) ?? 'path1', dryRun: o['dryRun'] === true,
    include, exclude, compare: compare as CompareKey[], conflictResolve, conflictRules, conflictLoser: (o['conflictLoser'] as LoserAction | undefined) ?? 'backup',
    maxDeletePercent: parsePercent('--max-delete', String(o['maxDelete'] ?? '50')), maxConflicts: parseWholeNumber('--max-conflicts', String(o['maxConflicts'] ?? '100'), 0),
    force: o['force'] === true, detectRenames: o['renames'] !== false, createEmptyDirs: o['createEmptyDirs'] === true, checkAccess: o['checkAccess'] === true,
    preserve, concurrency: parseWholeNumber('--concurrency', String(o['concurrency'] ?? '8'), 1, 1024),
    blockSize: parseSize('--block-size', String(o['blockSize'] ?? '8MiB')),
    ...(identityMap === undefined ? {} : { identityMap }), ...(maxDeleteCount === undefined ? {} : { maxDeleteCount }),
    ...(maxRenames === undefined ? {} : { maxRenames }), ...(maxTransferBytes === undefined ? {} : { maxTransferBytes }),
    ...(settleMs === undefined ? {} : { settleMs }), ...(lockWaitMs === undefined ? {} : { lockWaitMs }), ...(everyMs === undefined ? {} : { everyMs }),
  };
}

/** LAKESHIFT_TEST_CRASH_AT=POINT[:N] kills this process (SIGKILL) at the Nth time it reaches POINT (tests). */
function crashHook(): ((point: CrashPoint) => void) | undefined {
  const spec = process.env['LAKESHIFT_TEST_CRASH_AT'];
  if (spec === undefined || spec === '') return undefined;
  const [point, nth] = spec.split(':');
  if (!(CRASH_POINTS as readonly string[]).includes(point ?? '')) return undefined;
  let seen = 0;
  const at = Number(nth ?? '1');
  return (p) => {
    if (p !== point || ++seen !== at) return;
    process.stderr.write(`lakeshift-test: crashing at ${p}\n`);
    process.kill(process.pid, 'SIGKILL');
  };
}

function formatSummary(s: BisyncSummary): string {
  const ops = (r: Record<string, number>): string => Object.entries(r).map(([k, v]) => `${k} ${v}`).join(', ') || 'nothing';
  const lines = [
    `bisync ${s.mode}${s.dryRun ? ' (dry run)' : ''} ${s.runId}: ${s.outcome}`,
    `  listed: path1 ${s.listed.path1} files, path2 ${s.listed.path2} files`,
    `  planned: ${ops(s.planned)}; ${s.plannedBytes} bytes to copy`,
    ...(s.dryRun ? (s.plan ?? []).map((a) => `    ${a.op}${a.side === undefined ? '' : ` on path${a.side}`} ${a.from === undefined ? '' : `${a.from} -> `}${a.path}  (${a.reason})`) : [`  done: ${ops(s.done)}; ${s.bytes} bytes`]),
    ...(s.deferred > 0 ? [`  deferred (settle window): ${s.deferred}`] : []),
    ...s.conflicts.map((c) => `  conflict ${c.path}: ${c.winner === undefined ? `unresolved (policy ${c.policy}); both sides kept as they are` : `path${c.winner} wins (${c.policy})${c.loserPath === undefined ? '' : `, loser kept at ${c.loserPath} on path${c.winner === 1 ? 2 : 1}`}`}`),
    ...s.skipped.filter((k) => !k.reason.startsWith('changed within')).slice(0, 100).map((k) => `  skipped ${k.path}: ${k.reason}`),
    ...s.failures.slice(0, 100).map((f) => `  failed ${f.path}: ${f.error}`),
    ...s.outOfSync.slice(0, 100).map((p) => `  out of sync ${p}: the state says both sides agree but they differ; run --resync to settle it`),
    ...(s.leaseTakenOver === undefined ? [] : [`  note: ${s.leaseTakenOver}`]),
  ];
  return `${lines.join('\n')}\n`;
}

function exitFor(s: BisyncSummary): number {
  if (s.outcome === 'cancelled') return EXIT.cancelled;
  return s.outcome === 'ok' ? EXIT.ok : EXIT.failures;
}

function exitForStop(kind: string): number {
  switch (kind) {
    case 'guard': return EXIT.guard;
    case 'needs-resync': return EXIT.needsResync;
    case 'listing': return EXIT.unavailable;
    default: return EXIT.failures;
  }
}

/** Runs `lakeshift bisync PATH1 PATH2`; returns the exit code. */
export async function runBisyncCommand(path1Uri: string, path2Uri: string, o: Record<string, unknown>): Promise<number> {
  const parsed = await parseBisyncFlags(path1Uri, path2Uri, o);
  const { everyMs, ...options } = parsed;
  const output = outputFrom(o);
  const store = storeOptionsFrom(o);
  const path1 = openStore(path1Uri, { ...store, role: 'dest' });
  const path2 = openStore(path2Uri, { ...store, role: 'dest' });
  const jobDb = await openSqliteJobDb(resolveStateDir(typeof o['stateDir'] === 'string' ? o['stateDir'] : undefined));
  const cancel = new AbortController();
  const stop = new AbortController();
  let interrupts = 0;
  const onSignal = (): void => {
    interrupts++;
    if (interrupts > 1 || everyMs === undefined) cancel.abort();
    stop.abort();
    process.stderr.write(everyMs !== undefined && interrupts === 1 ? '\nlakeshift: stopping after the current run (Ctrl-C again to cancel it)\n' : '\nlakeshift: cancelling; the next run continues from the committed state\n');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const tty = process.stderr.isTTY === true && output === 'text';
  const onEvent = (e: BisyncEvent): void => {
    if (output === 'json' && e.type !== 'done') process.stdout.write(`${JSON.stringify(e)}\n`);
    else if (tty && e.type === 'phase') process.stderr.write(`lakeshift bisync: ${e.phase}\n`);
  };
  const print = (s: BisyncSummary): void => {
    process.stdout.write(output === 'json' ? `${JSON.stringify({ type: 'summary', ...s })}\n` : formatSummary(s));
  };
  const crashAt = crashHook();
  const full: BisyncOptions = {
    ...options, path1, path2, jobDb, signal: cancel.signal, onEvent, logger: pino({ level: process.env['LAKESHIFT_LOG_LEVEL'] ?? 'warn', base: null }, pino.destination(2)),
    ...(crashAt === undefined ? {} : { crashAt }),
  };
  const reportStop = (error: Error & { kind: string }): void => {
    if (output === 'json') process.stdout.write(`${JSON.stringify({ type: 'stopped', kind: error.kind, message: error.message })}\n`);
    process.stderr.write(`lakeshift: ${error.message}\n`);
  };
  try {
    // Only a resync creates a missing root (a Gen2 filesystem, a Gen1 folder); a normal run must find both.
    if (options.resync === true && options.dryRun !== true) for (const s of [path1, path2]) await s.mkdir('').catch(() => undefined);
    await checkReachable(path1, 'source');
    await checkReachable(path2, 'destination');
    if (everyMs === undefined) {
      const s = await runBisync(full);
      print(s);
      return exitFor(s);
    }
    let last = EXIT.ok as number;
    await runBisyncEvery(full, {
      everyMs, stopSignal: stop.signal,
      onRun: (s) => {
        print(s);
        last = exitFor(s);
      },
      onStop: (error) => {
        if (isBisyncStop(error)) reportStop(error);
        last = isBisyncStop(error) ? exitForStop(error.kind) : EXIT.failures;
      },
    });
    return last;
  } catch (error) {
    if (isBisyncStop(error)) {
      reportStop(error);
      return exitForStop(error.kind);
    }
    throw error;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await jobDb.close();
    await path1.close().catch(() => undefined);
    await path2.close().catch(() => undefined);
  }
}
