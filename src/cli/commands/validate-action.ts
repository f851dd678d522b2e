import { readFile } from 'node:fs/promises';
import { outputFrom, parsePercent, parseWholeNumber, storeOptionsFrom } from '../common-options.js';
import { UserError } from '../cli-error.js';
import { EXIT } from '../exit-codes.js';
import { openStore } from '../../stores/open-store.js';
import { validateStores, type ValidationReport } from '../../validate/validate.js';
import { parseIdentityMap } from '../../core/identity-map.js';
import { checkReachable } from '../reachability.js';
import { recordValidationResult, thawedIfFrozen } from './validate-record.js';

/** Renders a validation report for people. */
export function formatValidationText(r: ValidationReport): string {
  const lines: string[] = [];
  const checks = ['size', r.checks.checksum ? 'MD5' : '', r.checks.owner ? 'owner/group' : '', r.checks.permissions ? 'permissions' : '', r.checks.acl ? 'ACLs' : '', r.checks.times ? 'times' : '']
    .filter((c) => c !== '')
    .join(', ');
  lines.push(`Validated ${r.source} -> ${r.dest}`);
  lines.push(`  checked: ${r.checked.files} files, ${r.checked.directories} directories (${checks})${r.checks.samplePercent < 100 ? `, sample ${r.checks.samplePercent}% (${r.checked.notSampled} files not sampled)` : ''}`);
  if (r.checks.checksum) lines.push(`  compared: ${(r.checked.bytesHashed / 1048576).toFixed(1)} MiB in ${(r.durationMs / 1000).toFixed(1)} s`);
  if (r.skippedByName.count > 0) {
    lines.push(`  not comparable: ${r.skippedByName.count} source paths the destination cannot hold (names or depth), e.g.:`);
    for (const s of r.skippedByName.examples.slice(0, 5)) lines.push(`    ${JSON.stringify(s.path)}: ${s.reason}`);
  }
  if (r.ok) {
    lines.push('  result: no differences');
  } else {
    const kinds = Object.entries(r.byKind).map(([k, n]) => `${k} ${n}`).join(', ');
    lines.push(`  result: ${r.differenceCount} differences (${kinds})`);
    for (const d of r.differences.slice(0, 50)) lines.push(`    ${d.kind.padEnd(11)} ${JSON.stringify(d.path)}: ${d.detail}`);
    if (r.differenceCount > 50) lines.push(`    ... ${r.differenceCount - 50} more (use --output json for all)`);
  }
  return `${lines.join('\n')}\n`;
}

/** The `validate` action: opens both stores, checks they answer, compares them, prints the report. */
export async function runValidateCommand(sourceUri: string, destUri: string, opts: Record<string, unknown>): Promise<void> {
  const output = outputFrom(opts);
  const samplePercent = typeof opts['sample'] === 'string' ? parsePercent('--sample', opts['sample']) : 100;
  const concurrency = parseWholeNumber('--concurrency', String(opts['concurrency']), 1, 256);
  let identityMap: Map<string, string> | undefined;
  if (typeof opts['identityMap'] === 'string') {
    const file = opts['identityMap'];
    const text = await readFile(file, 'utf8').catch((e: unknown) => {
      throw new UserError(`Cannot read the identity map '${file}': ${e instanceof Error ? e.message : String(e)}.`);
    });
    identityMap = parseIdentityMap(text, file);
  }
  const creds = storeOptionsFrom(opts);
  const source = openStore(sourceUri, { ...creds, role: 'source' });
  const dest = openStore(destUri, { ...creds, role: 'source' });
  try {
    await checkReachable(source, 'source');
    await checkReachable(dest, 'destination');
    const view = await thawedIfFrozen(source, typeof opts['stateDir'] === 'string' ? opts['stateDir'] : undefined);
    let report: ValidationReport;
    try {
      report = await validateStores(view.store, dest, {
        checksum: opts['checksum'] === true,
        samplePercent,
        acl: opts['acl'] !== false && source.capabilities.acl && dest.capabilities.acl,
        owner: opts['owner'] !== false && source.capabilities.ownership && dest.capabilities.ownership,
        permissions: opts['permissions'] !== false && source.capabilities.permissions && dest.capabilities.permissions,
        times: opts['times'] === true,
        concurrency,
        ...(identityMap === undefined ? {} : { identityMap }),
        ...(Array.isArray(opts['include']) ? { include: opts['include'] as string[] } : {}),
        ...(Array.isArray(opts['exclude']) ? { exclude: opts['exclude'] as string[] } : {}),
      });
    } finally {
      await view.close();
    }
    process.stdout.write(output === 'json' ? `${JSON.stringify(report, null, 2)}\n` : formatValidationText(report));
    await recordValidationResult(report, typeof opts['stateDir'] === 'string' ? opts['stateDir'] : undefined);
    process.exitCode = report.ok ? EXIT.ok : EXIT.failures;
  } finally {
    await Promise.allSettled([source.close(), dest.close()]);
  }
}
