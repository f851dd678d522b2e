import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { assessStore, type AssessOptions, type AssessResult } from '../../assess/assess-store.js';
import { loadIdentityMap } from '../../assess/identity-map.js';
import { parsePriceTable, type PriceTable } from '../../assess/prices.js';
import { parseFormats, writeAssessReports } from '../../assess/write-reports.js';
import { formatBytes } from '../../assess/collector.js';
import { formatDuration, VERDICT_LABEL } from '../../assess/format.js';
import { listLocalSpecialFiles } from '../../assess/special-files.js';
import { parseLocation } from '../../core/uri.js';
import { openLocation } from '../../stores/open-store.js';
import { storeOptionsFrom } from '../common-options.js';
import { describeFailure, UserError } from '../cli-error.js';
import { EXIT } from '../exit-codes.js';
import { checkReachable } from '../reachability.js';
import { parsePositive } from './assess.js';

/** What `assess` (and the scan of `plan`) do once their flags are parsed; see assess.ts for the flags. */

/**
 * Opens SOURCE, checks it is reachable, and runs the scan with the flags of addScanOptions.
 * Bad flags or files -> UserError (exit 2). Store failures during the scan do not throw: the result
 * carries them (report marked incomplete).
 */
export async function runAssessment(sourceUri: string, opts: Record<string, unknown>): Promise<AssessResult> {
  const inactiveDays = parsePositive('--inactive-days', opts['inactiveDays']) ?? 40;
  const throughputMbps = parsePositive('--throughput-mbps', opts['throughputMbps']);
  const itemsPerSecond = parsePositive('--items-per-second', opts['itemsPerSecond']);
  const downtimeHours = parsePositive('--downtime-hours', opts['downtimeHours'], true);
  const aclConcurrency = parsePositive('--acl-concurrency', opts['aclConcurrency']) ?? 8;
  let identityMap: Set<string> | undefined;
  if (typeof opts['identityMap'] === 'string') {
    try {
      identityMap = new Set((await loadIdentityMap(opts['identityMap'])).keys());
    } catch (error) {
      throw new UserError(`--identity-map: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  let priceTable: PriceTable | undefined;
  if (typeof opts['priceTable'] === 'string') {
    const file = opts['priceTable'];
    const text = await readFile(file, 'utf8').catch((e: unknown) => {
      throw new UserError(`--price-table: cannot read '${file}' (${(e as NodeJS.ErrnoException).code ?? String(e)}).`);
    });
    try {
      priceTable = parsePriceTable(text, file);
    } catch (error) {
      throw new UserError(`--price-table: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const location = parseLocation(sourceUri);
  const store = openLocation(location, { ...storeOptionsFrom(opts), role: 'source' });
  try {
    await checkReachable(store, 'source');
    const options: AssessOptions = {
      inactiveDays,
      aclConcurrency: Math.round(aclConcurrency),
      ...(throughputMbps === undefined ? {} : { throughputMbps }),
      ...(itemsPerSecond === undefined ? {} : { itemsPerSecond }),
      ...(downtimeHours === undefined ? {} : { downtimeHours }),
      ...(identityMap === undefined ? {} : { identityMap }),
      ...(priceTable === undefined ? {} : { priceTable }),
      // Local listings skip links, sockets, FIFOs and devices: report them from the directory itself.
      ...(location.kind === 'local' ? { listSpecialFiles: () => listLocalSpecialFiles(location.root) } : {}),
    };
    return await assessStore(store, options);
  } finally {
    await store.close().catch(() => undefined);
  }
}

/** Prints the failure of an incomplete scan and sets the matching exit code. */
export function reportIncomplete(result: AssessResult, wrote: string): void {
  const failure = describeFailure(result.error);
  process.stderr.write(`lakeshift: the scan stopped early: ${failure.message}\n${wrote}\n`);
  process.exitCode = failure.exitCode === EXIT.ok ? EXIT.failures : failure.exitCode;
}

/** The `assess` action: scan, write the reports, print the verdict. */
export async function runAssessCommand(sourceUri: string, opts: Record<string, unknown>): Promise<void> {
  let formats;
  try {
    formats = parseFormats(String(opts['format']));
  } catch (error) {
    throw new UserError(error instanceof Error ? error.message : String(error));
  }
  const outDir = resolve(String(opts['out']));
  // Refuse an --out that cannot hold the reports before the scan, which may take hours.
  if (statSync(outDir, { throwIfNoEntry: false })?.isDirectory() === false) {
    throw new UserError(`--out '${String(opts['out'])}' is a file, not a folder: give a folder for the reports (it is created when missing).`);
  }
  const result = await runAssessment(sourceUri, opts);
  const files = await writeAssessReports(result.report, outDir, formats);
  const r = result.report;
  if (opts['output'] === 'json') {
    process.stdout.write(`${JSON.stringify({ verdict: r.verdict, complete: r.complete, files }, null, 2)}\n`);
  } else {
    const blockers = r.rules.filter((x) => x.severity === 'blocker' && x.count > 0);
    process.stdout.write(
      [
        `Assessed ${r.source} in ${formatDuration(r.durationMs / 1000)}: ${r.inventory.files} files, ${r.inventory.directories} directories, ${formatBytes(r.inventory.bytes)}.`,
        `Verdict: ${VERDICT_LABEL[r.verdict.status]}${r.complete ? '' : ' (incomplete scan)'}`,
        ...blockers.slice(0, 5).map((b) => `  blocker: ${b.title}: ${b.count}`),
        ...(r.unreadable.count > 0 ? [`  unreadable paths: ${r.unreadable.count}`] : []),
        `Reports: ${files.join(', ')}`,
        '',
      ].join('\n'),
    );
  }
  if (!r.complete) reportIncomplete(result, `The report was written and is marked incomplete: ${files.join(', ')}`);
}
