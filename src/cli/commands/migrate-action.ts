import { pino, type Logger } from 'pino';
import { isStorageError } from '../../core/errors.js';
import { formatLocation, parseLocation } from '../../core/uri.js';
import type { Store } from '../../core/store.js';
import type { MappingRule, MigrationOptions, MigrationSummary, OverwritePolicy, Phase } from '../../engine/types.js';
import { predictJobId } from '../../engine/migrate.js';
import { DEFAULT_MAX_DELETE, parseInterval, runIncremental } from '../../patterns/incremental.js';
import { runLiftAndShift } from '../../patterns/lift-and-shift.js';
import type { JobDb } from '../../state/db.js';
import { openStore as openAnyStore } from '../../stores/open-store.js';
import type { Plan } from '../../plan/index.js';
import { UserError, asUsageError } from '../cli-error.js';
import { outputFrom, parseWholeNumber, storeOptionsFrom, type OutputFormat } from '../common-options.js';
import { EXIT } from '../exit-codes.js';
import { ProgressRenderer, formatSummary } from '../progress.js';
import { parseFilterFlags, parsePreserveFlag, readIdentityMapFlag } from '../copy-flags.js';
import { checkReachable } from '../reachability.js';
import { parseMapSpec, parseSize, type MigrateDeps } from './migrate.js';

/**
 * What `lakeshift migrate` and `lakeshift jobs resume` do once their flags are parsed: validate the
 * request, open the stores and the job database, run the engine, render progress and the summary.
 * Imported only when one of those commands runs (see migrate.ts).
 */

const defaultDeps: MigrateDeps = {
  openStore: async (uri, role, flags) => openAnyStore(uri, { ...storeOptionsFrom(flags), role }),
};

/**
 * The destination URI of a mapping target: for a Gen2 destination FS/PATH names a filesystem of the
 * same account and a path in it; for other stores the target is a path under DEST.
 */
export function targetUri(destUri: string, target: string): { uri: string; destPath: string } {
  const loc = parseLocation(destUri);
  if (loc.kind !== 'gen2') return { uri: destUri, destPath: target };
  const [fs = '', ...rest] = target.split('/');
  const sas = loc.sas === undefined ? '' : `?${loc.sas}`;
  return { uri: `${formatLocation({ ...loc, filesystem: fs, path: '' })}${sas}`, destPath: rest.join('/') };
}

/** Everything a migration invocation needs, validated. */
export interface MigrateRequest {
  source: string;
  /** Mapping rules with destination URIs (one rule '' -> DEST when no --map is given). */
  rules: { name?: string; sourcePrefix: string; destUri: string; destPath: string }[];
  options: Omit<MigrationOptions, 'source' | 'dest' | 'mappings' | 'jobDb'>;
  incremental: boolean;
  everyMs?: number;
  /**
   * The job database directory as given (--state-dir); without it LAKESHIFT_STATE_DIR or .lakeshift/.
   * Resolved when the database is opened; a dry run opens none and creates nothing.
   */
  stateDir?: string;
  output: OutputFormat;
  /** Resume: refuse to run unless the options define this job. */
  expectJobId?: string;
}

/** Validates the migrate flags up front (UserError, exit 2, nothing written). */
export async function parseMigrateFlags(source: string, dest: string, o: Record<string, unknown>): Promise<MigrateRequest> {
  const wrap = asUsageError;
  wrap(() => parseLocation(source));
  wrap(() => parseLocation(dest));
  const maps = ((o['map'] as string[] | undefined) ?? []).map(parseMapSpec);
  const { include, exclude } = parseFilterFlags(o);
  const preserve = parsePreserveFlag(o);
  const identityMap = await readIdentityMapFlag(o);
  const num = (flag: string, key: string, min: number, max?: number): number | undefined =>
    typeof o[key] === 'string' ? parseWholeNumber(flag, o[key], min, max) : undefined;
  const capText = o['capMbps'];
  const capMbps = typeof capText === 'string' ? Number(capText) : undefined;
  if (capMbps !== undefined && !(capMbps > 0)) throw new UserError(`--cap-mbps must be a number of megabits per second above 0; got '${String(capText)}'.`);
  const everyMs = typeof o['every'] === 'string' ? wrap(() => parseInterval(o['every'] as string)) : undefined;
  if (everyMs !== undefined && everyMs < 1000) throw new UserError('--every must be at least 1s.');
  const incremental = o['incremental'] === true || o['delete'] === true || o['checksum'] === true || everyMs !== undefined;
  const blockSize = typeof o['blockSize'] === 'string' ? parseSize('--block-size', o['blockSize']) : undefined;
  const concurrency = num('--concurrency', 'concurrency', 1, 1024);
  const maxDelete = num('--max-delete', 'maxDelete', 0);
  const options: MigrateRequest['options'] = {
    include, exclude, preserve, overwrite: (o['overwrite'] as OverwritePolicy | undefined) ?? 'never',
    dryRun: o['dryRun'] === true, checksum: o['checksum'] === true, delete: o['delete'] === true,
    ...(blockSize === undefined ? {} : { blockSize }), ...(concurrency === undefined ? {} : { concurrency }),
    ...(capMbps === undefined ? {} : { capMbps }), ...(identityMap === undefined ? {} : { identityMap }),
    ...(incremental ? { maxDelete: maxDelete ?? DEFAULT_MAX_DELETE } : {}),
  };
  const rules = maps.length === 0
    ? [{ sourcePrefix: '', destUri: dest, destPath: '' }]
    : maps.map((m) => {
      const t = wrap(() => targetUri(dest, m.target));
      return { sourcePrefix: m.sourcePrefix, destUri: t.uri, destPath: t.destPath };
    });
  return {
    source, rules, options, incremental, ...(everyMs === undefined ? {} : { everyMs }),
    ...(typeof o['stateDir'] === 'string' ? { stateDir: o['stateDir'] } : {}), output: outputFrom(o),
  };
}

function pauseHook(): ((phase: Phase) => Promise<void>) | undefined {
  const at = process.env['LAKESHIFT_TEST_PAUSE_AT'];
  if (at === undefined || at === '') return undefined;
  return async (phase) => {
    if (phase !== at) return;
    process.stderr.write(`lakeshift-test: paused at ${phase}\n`);
    await new Promise((r) => setTimeout(r, 120_000));
  };
}

function makeLogger(): Logger {
  const level = process.env['LAKESHIFT_LOG_LEVEL'] ?? 'warn';
  return pino({ level, base: null }, pino.destination(2));
}

/**
 * The job database of a dry run: none. With `dryRun` the engine reads and writes nothing in it
 * (MigrationOptions.dryRun); any use is a bug and throws instead of creating files.
 */
function dryRunJobDb(): JobDb {
  return {
    get db(): never {
      throw new Error('A dry run has no job database.');
    },
    dialect: 'sqlite',
    location: 'none (dry run)',
    close: () => Promise.resolve(),
  };
}

/**
 * The source as a copy should read it: through the freeze's thawed view when an open freeze covers it
 * (every frozen path shows its recorded pre-freeze mode and ACL), else as it is. Says so on stderr.
 */
async function thawedIfFrozen(source: Store, jobDb: JobDb): Promise<Store> {
  const thawed = await (await import('../../cutover/freeze/thawed-view.js')).thawedIfFrozen(source, jobDb);
  if (thawed.freezeId !== undefined) process.stderr.write(`lakeshift: ${source.displayUri} is frozen (${thawed.freezeId}): copying the modes and ACLs recorded before the freeze\n`);
  return thawed.store;
}

/** Opens the SQLite job database of a real run (creating the state directory) on first use. */
async function openJobDb(stateDir: string | undefined): Promise<JobDb> {
  const { openSqliteJobDb, resolveStateDir } = await import('../../state/db.js');
  return openSqliteJobDb(resolveStateDir(stateDir));
}

/**
 * Runs a validated request: opens the stores and the job database (none for a dry run), renders
 * progress, prints the summary, and returns the exit code (0 all ok, 1 any failure, 5 cancelled).
 */
export async function executeMigration(req: MigrateRequest, flags: Record<string, unknown>, deps: MigrateDeps = defaultDeps): Promise<number> {
  const source = await deps.openStore(req.source, 'source', flags);
  const opened: Store[] = [source];
  let jobDb: JobDb | undefined;
  try {
    await checkReachable(source, 'source');
    const mappings: MappingRule[] = [];
    const destByUri = new Map<string, Store>();
    const destFor = async (uri: string): Promise<Store> => {
      const known = destByUri.get(uri);
      if (known !== undefined) return known;
      const store = await deps.openStore(uri, 'dest', flags);
      opened.push(store);
      destByUri.set(uri, store);
      return store;
    };
    for (const r of req.rules) mappings.push({ ...(r.name === undefined ? {} : { name: r.name }), sourcePrefix: r.sourcePrefix, dest: await destFor(r.destUri), destPath: r.destPath });
    jobDb = req.options.dryRun === true ? dryRunJobDb() : await openJobDb(req.stateDir);
    // A frozen source (cutover freeze) is read with the modes and ACLs it had before the freeze, so the
    // copy carries those to Gen2 rather than the freeze's write-less ones (as cutover final-sync does).
    const readSource = req.options.dryRun === true ? source : await thawedIfFrozen(source, jobDb);
    if (req.expectJobId !== undefined) {
      const predicted = predictJobId({ ...req.options, source: readSource, mappings, jobDb });
      if (predicted !== req.expectJobId) throw new UserError(`Cannot resume job ${req.expectJobId}: the stores or options reopened from the job record define job ${predicted}. Rerun the original migrate command instead.`);
    }
    const tty = process.stderr.isTTY === true && req.output === 'text';
    const renderer = new ProgressRenderer(req.output === 'json' ? process.stdout : process.stderr, tty ? 'bar' : 'json');
    const cancel = new AbortController();
    const stop = new AbortController();
    let interrupts = 0;
    const onSignal = (): void => {
      interrupts++;
      if (interrupts > 1 || req.everyMs === undefined) cancel.abort();
      stop.abort();
      process.stderr.write(req.everyMs !== undefined && interrupts === 1 ? '\nlakeshift: stopping after the current run (Ctrl-C again to cancel it)\n' : '\nlakeshift: cancelling; the job can be resumed\n');
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    const beforePhase = pauseHook();
    const base: MigrationOptions = {
      ...req.options, source: readSource, mappings, jobDb, logger: makeLogger(), signal: cancel.signal,
      onEvent: (e) => renderer.handle(e), ...(beforePhase === undefined ? {} : { beforePhase }),
    };
    const summaries: MigrationSummary[] = [];
    const print = (s: MigrationSummary): void => {
      summaries.push(s);
      if (req.output === 'json') process.stdout.write(`${JSON.stringify({ type: 'summary', ...s })}\n`);
      else process.stdout.write(formatSummary(s));
    };
    try {
      if (req.incremental) {
        await runIncremental({ ...base, stopSignal: stop.signal, onRun: print, ...(req.everyMs === undefined ? {} : { everyMs: req.everyMs }) });
      } else print(await runLiftAndShift(base));
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    const last = summaries[summaries.length - 1];
    if (last === undefined) return EXIT.internal;
    if (last.status === 'cancelled') return EXIT.cancelled;
    return summaries.some((s) => s.status === 'failed') ? EXIT.failures : EXIT.ok;
  } finally {
    await jobDb?.close();
    for (const s of opened) await s.close().catch(() => undefined);
  }
}

/**
 * Builds one request per pattern group from a plan (`lakeshift plan`): every data set of the chosen
 * waves becomes a mapping rule to its filesystem/path. dual-pipeline and bidirectional-sync data sets
 * are copied with incremental copy (their ongoing parts are not run by migrate), which is said.
 */
export async function requestsFromPlan(planFile: string, sourceArg: string | undefined, destArg: string | undefined, o: Record<string, unknown>): Promise<{ requests: { label: string; req: MigrateRequest }[]; notes: string[] }> {
  let plan: Plan;
  try {
    const { loadPlan } = await import('../../plan/load-plan.js');
    plan = await loadPlan(planFile);
  } catch (error) {
    if (isStorageError(error)) throw new UserError(error.message);
    throw error;
  }
  const source = sourceArg ?? plan.source;
  const dest = destArg ?? plan.destination ?? undefined;
  if (dest === undefined) throw new UserError(`${planFile}: destination is null; give DEST on the command line (e.g. abfss://FS@ACCOUNT.dfs.core.windows.net/).`);
  const waves = typeof o['wave'] === 'string' ? o['wave'].split(',').map((w) => parseWholeNumber('--wave', w.trim(), 1)) : undefined;
  const chosen = plan.datasets.filter((d) => waves === undefined || waves.includes(d.wave));
  if (chosen.length === 0) throw new UserError(`${planFile}: no data set is in wave ${waves?.join(', ') ?? ''}; the plan has waves ${plan.waves.map((w) => w.number).join(', ')}.`);
  const notes: string[] = [];
  const planMap = plan.identityMap.filter((e) => e.target !== null);
  const groups = new Map<'lift-and-shift' | 'incremental', typeof chosen>();
  for (const d of chosen) {
    const kind = d.pattern === 'lift-and-shift' ? 'lift-and-shift' : 'incremental';
    if (d.pattern === 'dual-pipeline' || d.pattern === 'bidirectional-sync') {
      notes.push(`data set '${d.name}' (${d.pattern}): copied with incremental copy; run migrate --incremental (or --every) again for catch-ups until cutover. The ${d.pattern} pattern's ongoing pipeline is not run by migrate.`);
    }
    groups.set(kind, [...(groups.get(kind) ?? []), d]);
  }
  const requests: { label: string; req: MigrateRequest }[] = [];
  for (const [kind, datasets] of groups) {
    const flags: Record<string, unknown> = { ...o, incremental: kind === 'incremental' ? true : o['incremental'], map: undefined };
    const req = await parseMigrateFlags(source, dest, flags);
    req.rules = datasets.map((d) => {
      const t = targetUri(dest, [d.target.filesystem, d.target.path].filter((x) => x !== '').join('/'));
      return { name: d.name, sourcePrefix: d.sourcePath.replace(/^\/+|\/+$/g, ''), destUri: t.uri, destPath: t.destPath };
    });
    if (planMap.length > 0) {
      const merged = new Map<string, string>(planMap.map((e) => [e.source, e.target ?? '']));
      for (const [k, v] of req.options.identityMap ?? new Map<string, string>()) merged.set(k, v);
      req.options = { ...req.options, identityMap: merged };
    }
    requests.push({ label: `${kind}: ${datasets.map((d) => d.name).join(', ')}`, req });
  }
  return { requests, notes };
}

/** The `migrate` action: one request from SOURCE DEST and the flags, or one per pattern group of --plan. */
export async function runMigrateCommand(source: string | undefined, dest: string | undefined, o: Record<string, unknown>, deps: MigrateDeps = defaultDeps): Promise<void> {
  if (o['distributed'] === true) {
    if (typeof o['plan'] === 'string') throw new UserError('--distributed and --plan cannot be combined yet: run one migrate --distributed per data set.');
    if (typeof o['every'] === 'string') throw new UserError('--distributed and --every cannot be combined: schedule `migrate --distributed --incremental` yourself (cron, a systemd timer) once the previous run is finished; the workers copy each run.');
    if (source === undefined || dest === undefined) throw new UserError('migrate --distributed needs SOURCE and DEST.');
    const { runDistributedMigrate } = await import('./scaleout-action.js');
    process.exitCode = await runDistributedMigrate(await parseMigrateFlags(source, dest, o), o);
    return;
  }
  if (typeof o['plan'] === 'string') {
    if (Array.isArray(o['map']) && o['map'].length > 0) throw new UserError('--map and --plan cannot be combined: the plan maps every data set.');
    const { requests, notes } = await requestsFromPlan(o['plan'], source, dest, o);
    for (const n of notes) process.stderr.write(`lakeshift: ${n}\n`);
    let worst: number = EXIT.ok;
    for (const { label, req } of requests) {
      if (req.output === 'text') process.stdout.write(`Plan group ${label}\n`);
      const code = await executeMigration(req, o, deps);
      if (code !== EXIT.ok) worst = worst === EXIT.ok ? code : Math.max(worst, code);
      if (code === EXIT.cancelled) break;
    }
    process.exitCode = worst;
    return;
  }
  if (source === undefined || dest === undefined) throw new UserError('migrate needs SOURCE and DEST (or --plan plan.yaml). Example: lakeshift migrate adl://ACCOUNT.azuredatalakestore.net/ abfss://gen1@ACCOUNT.dfs.core.windows.net/');
  const req = await parseMigrateFlags(source, dest, o);
  process.exitCode = await executeMigration(req, o, deps);
}
