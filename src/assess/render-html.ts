import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { bySeverity, formatBytes, formatCount, formatDuration, formatMoney, formatShare, VERDICT_LABEL } from './format.js';
import { HTML_CLIENT_SCRIPT } from './html-client.js';
import type { AssessReport } from './report-schema.js';

let echartsSource: string | undefined;

/** The minified echarts build, read once from node_modules (inlined so the report works offline). */
function loadEcharts(): string {
  if (echartsSource === undefined) {
    const require = createRequire(import.meta.url);
    echartsSource = readFileSync(require.resolve('echarts/dist/echarts.min.js'), 'utf8');
  }
  return echartsSource;
}

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A cell with a numeric sort key. */
function num(value: number, text: string): string {
  return `<td class="n" data-v="${value}">${esc(text)}</td>`;
}

function table(head: string[], rows: string[], cls = 'sortable'): string {
  if (rows.length === 0) return '<p class="muted">None.</p>';
  return `<table class="${cls}"><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1d2733;background:#f5f7fa}
main{max-width:1180px;margin:0 auto;padding:20px}
h1{font-size:20px;margin:0 0 4px} h2{font-size:16px;margin:28px 0 8px;border-bottom:1px solid #d5dbe3;padding-bottom:4px}
.muted{color:#67727e} .summary{display:grid;grid-template-columns:260px 1fr;gap:16px;background:#fff;border-radius:8px;padding:16px;box-shadow:0 1px 3px #0002}
.verdict{border-radius:8px;padding:14px;color:#fff;font-size:22px;font-weight:600;text-align:center}
.v-ready{background:#2e7d32}.v-ready-with-warnings{background:#b26a00}.v-blocked{background:#c62828}
.totals{display:flex;flex-wrap:wrap;gap:10px;margin-bottom:8px}.tile{background:#eef2f7;border-radius:6px;padding:6px 12px}
.tile b{display:block;font-size:18px} .incomplete{background:#fdecea;border:1px solid #c62828;padding:10px;border-radius:6px;margin-bottom:12px}
.charts{display:grid;grid-template-columns:1fr 1fr;gap:12px}.chart{height:300px;background:#fff;border-radius:8px;padding:8px}
table{border-collapse:collapse;width:100%;background:#fff;font-size:13px;margin:6px 0}
th,td{border-bottom:1px solid #e3e7ed;padding:4px 8px;text-align:left;vertical-align:top} td.n{text-align:right;white-space:nowrap}
th{background:#eef2f7;cursor:pointer;user-select:none} th[data-dir=asc]::after{content:' \\25B2'} th[data-dir=desc]::after{content:' \\25BC'}
code{font-size:12px;word-break:break-all} .sev-blocker{color:#c62828;font-weight:600}.sev-warning{color:#b26a00;font-weight:600}.sev-info{color:#3b73b9}
`;

/**
 * Renders one self-contained HTML file (echarts inlined, no network access): a summary a person takes in
 * within 30 seconds (verdict, totals, top blockers), charts, and sortable tables. Every text taken from
 * the namespace is HTML-escaped; the embedded JSON escapes '<' so it cannot close its script element.
 */
export function renderHtml(r: AssessReport): string {
  const inv = r.inventory;
  const top = bySeverity(r.rules.filter((x) => x.count > 0 && x.severity !== 'info')).slice(0, 5);
  const tiles = [
    ['Files', formatCount(inv.files)],
    ['Directories', formatCount(inv.directories)],
    ['Size', formatBytes(inv.bytes)],
    ['Data sets', formatCount(r.datasets.length)],
    ['Principals', formatCount(r.acl.principals.distinct)],
    ['Lift-and-shift downtime', formatDuration(r.estimates.liftAndShift.seconds)],
    ['Incremental final sync', formatDuration(r.estimates.incremental.finalSyncSeconds)],
  ];
  const ruleRows = bySeverity(r.rules.filter((x) => x.count > 0)).map((x) => `<tr><td class="sev-${x.severity}">${x.severity}</td><td>${esc(x.title)}<br><code>${esc(x.id)}</code></td>${num(x.count, formatCount(x.count))}<td>${x.examples.slice(0, 5).map((e) => `<code>${esc(JSON.stringify(e))}</code>`).join('<br>')}</td><td>${esc(x.remedy)}</td></tr>`);
  const datasetRows = r.datasets.map(
    (d) => `<tr><td>${esc(d.name)}</td>${num(d.files, formatCount(d.files))}${num(d.bytes, formatBytes(d.bytes))}${num(d.bytesChangedLast30d, formatBytes(d.bytesChangedLast30d))}<td>${esc(d.suggestedTier)}</td><td>${esc(d.tierReason)}</td></tr>`,
  );
  const dirRows = (list: AssessReport['inventory']['topDirectoriesByBytes']): string[] =>
    list.map((d) => `<tr><td><code>${esc(d.path)}</code></td>${num(d.files, formatCount(d.files))}${num(d.bytes, formatBytes(d.bytes))}${num(d.children, formatCount(d.children))}</tr>`);
  const inactiveRows = r.ageing.inactiveFolders.top.map(
    (f) => `<tr><td><code>${esc(f.path)}</code></td>${num(f.newestMtimeMs, new Date(f.newestMtimeMs).toISOString().slice(0, 10))}${num(f.files, formatCount(f.files))}${num(f.bytes, formatBytes(f.bytes))}</tr>`,
  );
  const capRows = r.capabilities.map((c) => `<tr><td>${esc(c.area)}</td><td>${esc(c.gen1)}</td><td>${esc(c.gen2)}</td><td>${c.touched === null ? '?' : c.touched ? '<b>yes</b>' : 'no'}</td><td>${esc(c.why)}</td></tr>`);
  const principalRows = r.acl.principals.list.slice(0, 200).map(
    (p) => `<tr><td><code>${esc(p.id)}</code></td><td>${p.kind}</td>${num(p.asOwner, formatCount(p.asOwner))}${num(p.asGroup, formatCount(p.asGroup))}${num(p.namedAccess, formatCount(p.namedAccess))}${num(p.namedDefault, formatCount(p.namedDefault))}</tr>`,
  );
  const costRows = r.cost.tiers.map((t) => `<tr><td>${t.tier}</td>${num(t.pricePerGbMonth, String(t.pricePerGbMonth))}${num(t.monthly, formatMoney(t.monthly, r.cost.currency))}</tr>`);
  const e = r.estimates;
  const json = JSON.stringify(r).replace(/</g, '\\u003c');

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>lakeshift assessment: ${esc(r.source)}</title><style>${CSS}</style></head>
<body><main>
<h1>Gen1 to Gen2 readiness: ${esc(r.source)}</h1>
<p class="muted">Scanned ${esc(r.startedAt)} in ${esc(formatDuration(r.durationMs / 1000))} &middot; lakeshift ${esc(r.tool.version)} &middot; report schema v${r.schemaVersion}</p>
${r.complete ? '' : `<div class="incomplete" id="incomplete"><b>Incomplete report.</b> The scan stopped early (${esc(r.error?.code ?? '')}: ${esc(r.error?.message ?? '')}). Figures cover only what was read.</div>`}
<section class="summary" id="summary">
<div><div class="verdict v-${r.verdict.status}" id="verdict">${VERDICT_LABEL[r.verdict.status]}</div></div>
<div><div class="totals">${tiles.map(([k, v]) => `<div class="tile"><b>${esc(v ?? '')}</b>${esc(k ?? '')}</div>`).join('')}</div>
<ul>${(top.length > 0 ? top.map((x) => `<li class="sev-${x.severity}">${esc(x.title)}: ${formatCount(x.count)}</li>`) : r.verdict.reasons.map((x) => `<li>${esc(x)}</li>`)).join('')}</ul></div>
</section>
<h2>Charts</h2>
<div class="charts"><div class="chart" id="chart-sizes"></div><div class="chart" id="chart-ageing"></div><div class="chart" id="chart-datasets"></div><div class="chart" id="chart-acl"></div></div>
<h2>Compatibility rules</h2>${table(['Severity', 'Rule', 'Count', 'Examples', 'Remedy'], ruleRows)}
<h2>Estimates</h2>
<p>Throughput ${esc(formatBytes(e.bytesPerSecond))}/s (${esc(e.bytesPerSecondSource)}); ${Math.round(e.itemsPerSecond)} items/s (${esc(e.itemsPerSecondSource)}).<br>
Lift and shift: downtime ${esc(formatDuration(e.liftAndShift.seconds))}. Incremental copy: initial copy ${esc(formatDuration(e.incremental.initialCopySeconds))} with the source live, final sync window ${esc(formatDuration(e.incremental.finalSyncSeconds))}${e.downtimeHours === null ? '' : ` (tolerated downtime ${e.downtimeHours} h: lift and shift ${e.liftAndShift.fitsDowntime === true ? 'fits' : 'does not fit'}, incremental ${e.incremental.fitsDowntime === true ? 'fits' : 'does not fit'})`}.<br>
<span class="muted">${esc(e.incremental.assumption)}</span></p>
<h2>Data sets</h2>${table(['Data set', 'Files', 'Bytes', 'Changed in 30 days', 'Suggested tier', 'Why'], datasetRows)}
<p class="muted">${esc(r.ageing.tierRule)}</p>
<h2>Inactive folders (no change in ${r.ageing.inactiveDays} days)</h2>
<p>${formatCount(r.ageing.inactiveFolders.count)} folders, ${formatCount(r.ageing.inactiveFolders.files)} files, ${esc(formatBytes(r.ageing.inactiveFolders.bytes))}: clean-up candidates.</p>
${table(['Folder', 'Newest change', 'Files', 'Bytes'], inactiveRows)}
<h2>Inventory</h2>
<p>Small files (under ${esc(formatBytes(inv.smallFiles.thresholdBytes))}): ${formatCount(inv.smallFiles.files)} (${formatShare(inv.smallFiles.share)}); below 256 MiB: ${formatShare(inv.belowRecommendedSize.share)}. Depth max ${inv.depth.max}; fan-out max ${formatCount(inv.fanOut.max)}${inv.fanOut.maxPath === null ? '' : ` (<code>${esc(inv.fanOut.maxPath)}</code>)`}, average ${inv.fanOut.average.toFixed(1)}; empty directories ${formatCount(inv.emptyDirectories)}.</p>
<h3>Top directories by bytes (files directly inside)</h3>${table(['Directory', 'Files', 'Bytes', 'Children'], dirRows(inv.topDirectoriesByBytes))}
<h3>Top directories by file count</h3>${table(['Directory', 'Files', 'Bytes', 'Children'], dirRows(inv.topDirectoriesByCount))}
<h2>ACLs</h2>
<p>${formatCount(r.acl.pathsWithExtendedAcl)} paths with extended ACLs (${formatCount(r.acl.aclRequests)} ACL requests), ${formatCount(r.acl.defaultAclPaths)} with default ACLs, ${formatCount(r.acl.stickyBitPaths.count)} with the sticky bit, ${formatCount(r.acl.nearLimit.count)} near the 32-entry limit.${r.acl.identityMap.given ? ` ${formatCount(r.acl.identityMap.missing)} principals missing from the identity map.` : ''}</p>
${table(['Principal', 'Kind', 'Owner of', 'Group of', 'Named entries', 'Default entries'], principalRows)}
<h2>Gen1 versus Gen2 capabilities</h2>${table(['Area', 'Gen1', 'Gen2', 'Used here', 'Why'], capRows)}
<h2>Monthly storage cost</h2>${table(['Tier', 'Per GiB-month', 'Monthly'], costRows)}
<p>Suggested tier mix: ${esc(formatMoney(r.cost.suggestedMixMonthly, r.cost.currency))} per month. <span class="muted">${esc(r.cost.source)}, ${esc(r.cost.date)}, ${esc(r.cost.region)}. ${esc(r.cost.note)}</span></p>
${r.unreadable.count > 0 ? `<h2>Unreadable paths (${formatCount(r.unreadable.count)})</h2>${table(['Path', 'Code', 'Message'], r.unreadable.examples.map((u) => `<tr><td><code>${esc(u.path || '/')}</code></td><td>${esc(u.code)}</td><td>${esc(u.message)}</td></tr>`))}` : ''}
</main>
<script type="application/json" id="report-data">${json}</script>
<script>${loadEcharts()}</script>
<script>${HTML_CLIENT_SCRIPT}</script>
</body></html>
`;
}
