import { bySeverity, formatBytes, formatCount, formatDuration, formatMoney, formatShare, VERDICT_LABEL } from './format.js';
import type { AssessReport } from './report-schema.js';

/** Escapes text for a Markdown table cell or inline text. */
function md(text: string): string {
  return text.replace(/[\\`*_[\]|<>#]/g, (c) => `\\${c}`).replace(/[\r\n]+/g, ' ');
}

function table(head: string[], rows: string[][]): string {
  if (rows.length === 0) return '_none_\n';
  return [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n') + '\n';
}

const fitText = (fits: boolean | null): string => (fits === null ? '' : fits ? ' (fits the downtime)' : ' (exceeds the downtime)');

/** Renders the report as Markdown for tickets and pull requests (summary first, details after). */
export function renderMarkdown(r: AssessReport): string {
  const out: string[] = [];
  out.push(`# lakeshift assessment: ${md(r.source)}\n`);
  if (!r.complete) out.push(`> **Incomplete report**: the scan stopped early (${md(r.error?.code ?? '')}: ${md(r.error?.message ?? '')}). Figures cover only what was read.\n`);
  out.push(`**Verdict: ${VERDICT_LABEL[r.verdict.status]}**\n`);
  for (const reason of r.verdict.reasons) out.push(`- ${md(reason)}`);
  out.push('');
  out.push(
    `**Totals:** ${formatCount(r.inventory.files)} files, ${formatCount(r.inventory.directories)} directories, ${formatBytes(r.inventory.bytes)}; ` +
      `${r.datasets.length} data sets; ${formatCount(r.acl.principals.distinct)} principals; scanned ${r.startedAt} in ${formatDuration(r.durationMs / 1000)}.\n`,
  );
  out.push('## Compatibility rules\n');
  out.push(
    table(
      ['Severity', 'Rule', 'Count', 'Examples', 'Remedy'],
      bySeverity(r.rules.filter((x) => x.count > 0)).map((x) => [
        x.severity,
        `${md(x.title)} (\`${x.id}\`)`,
        formatCount(x.count),
        x.examples.slice(0, 3).map((e) => `\`${JSON.stringify(e).replace(/`/g, "'").replace(/\|/g, '\\|')}\``).join(', '),
        md(x.remedy),
      ]),
    ),
  );
  out.push('## Estimates\n');
  const e = r.estimates;
  out.push(`- Throughput: ${formatBytes(e.bytesPerSecond)}/s (${md(e.bytesPerSecondSource)}); ${Math.round(e.itemsPerSecond)} items/s (${md(e.itemsPerSecondSource)}).`);
  out.push(`- Lift and shift downtime: ${formatDuration(e.liftAndShift.seconds)}${fitText(e.liftAndShift.fitsDowntime)}.`);
  out.push(`- Incremental copy: initial copy ${formatDuration(e.incremental.initialCopySeconds)} while the source stays live; final sync window ${formatDuration(e.incremental.finalSyncSeconds)}${fitText(e.incremental.fitsDowntime)}. ${md(e.incremental.assumption)}`);
  out.push('');
  out.push('## Data sets\n');
  out.push(
    table(
      ['Data set', 'Files', 'Bytes', 'Changed (30 d)', 'Suggested tier'],
      r.datasets.map((d) => [md(d.name), formatCount(d.files), formatBytes(d.bytes), formatBytes(d.bytesChangedLast30d), `${d.suggestedTier} (${md(d.tierReason)})`]),
    ),
  );
  out.push(`Tier rule: ${md(r.ageing.tierRule)}\n`);
  out.push('## Ageing (last modified)\n');
  out.push(table(['Age', 'Files', 'Bytes'], r.ageing.byModified.map((b) => [b.label, formatCount(b.files), formatBytes(b.bytes)])));
  if (r.ageing.byAccess !== null) {
    out.push('### Last access\n');
    out.push(table(['Age', 'Files', 'Bytes'], r.ageing.byAccess.map((b) => [b.label, formatCount(b.files), formatBytes(b.bytes)])));
  }
  const ina = r.ageing.inactiveFolders;
  out.push(`Inactive folders (nothing changed in ${r.ageing.inactiveDays} days): ${formatCount(ina.count)} holding ${formatCount(ina.files)} files, ${formatBytes(ina.bytes)}.\n`);
  out.push(table(['Folder', 'Newest change', 'Files', 'Bytes'], ina.top.map((f) => [`\`${f.path}\``, new Date(f.newestMtimeMs).toISOString().slice(0, 10), formatCount(f.files), formatBytes(f.bytes)])));
  out.push('## Inventory\n');
  out.push(`- Small files (< ${formatBytes(r.inventory.smallFiles.thresholdBytes)}): ${formatCount(r.inventory.smallFiles.files)} (${formatShare(r.inventory.smallFiles.share)}).`);
  out.push(`- Depth: max ${r.inventory.depth.max}; fan-out: max ${formatCount(r.inventory.fanOut.max)}, average ${r.inventory.fanOut.average.toFixed(1)}.`);
  out.push(`- Empty directories: ${formatCount(r.inventory.emptyDirectories)}.\n`);
  out.push('## ACLs\n');
  out.push(`- ${formatCount(r.acl.pathsWithExtendedAcl)} paths with extended ACLs, ${formatCount(r.acl.defaultAclPaths)} with default ACLs, ${formatCount(r.acl.stickyBitPaths.count)} with the sticky bit, ${formatCount(r.acl.nearLimit.count)} near the 32-entry limit.`);
  if (r.acl.identityMap.given) out.push(`- Principals missing from the identity map: ${formatCount(r.acl.identityMap.missing)}.`);
  out.push('');
  out.push('## Estimated monthly storage cost\n');
  out.push(table(['Tier', `Price per GiB-month`, 'Monthly'], r.cost.tiers.map((t) => [t.tier, String(t.pricePerGbMonth), formatMoney(t.monthly, r.cost.currency)])));
  out.push(`Suggested tier mix: ${formatMoney(r.cost.suggestedMixMonthly, r.cost.currency)} per month. Prices: ${md(r.cost.source)}, ${md(r.cost.date)}, ${md(r.cost.region)}. ${md(r.cost.note)}\n`);
  if (r.unreadable.count > 0) {
    out.push('## Unreadable paths\n');
    out.push(table(['Path', 'Code'], r.unreadable.examples.map((u) => [`\`${u.path || '/'}\``, u.code])));
  }
  return `${out.join('\n')}\n`;
}
