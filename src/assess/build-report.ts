import { isStorageError } from '../core/errors.js';
import type { Store } from '../core/store.js';
import type { AclCollector } from './acl-collector.js';
import { TIER_RULE } from './ageing.js';
import { buildCapabilityTable } from './capabilities.js';
import type { InventoryCollector } from './collector.js';
import { estimateCost, estimateDurations } from './estimates.js';
import { assignFilesystemNames, isValidFilesystemName } from './filesystem-name.js';
import type { PriceTable } from './prices.js';
import { ASSESS_REPORT_SCHEMA_VERSION, type AssessReport, type RuleResult, type VerdictStatus } from './report-schema.js';
import type { RuleCounter } from './rule-counter.js';
import { ACL_RULES, PATH_RULES, SUMMARY_RULES, type SummarySubject } from './rules.js';
import { ROOT_DATASET, OTHER_DATASET } from './collector.js';

export interface BuildInput {
  store: Store;
  inventory: InventoryCollector;
  acl: AclCollector;
  rules: RuleCounter;
  unreadable: AssessReport['unreadable'];
  startedAt: Date;
  finishedAt: Date;
  durationMs: number;
  failure: unknown;
  options: AssessReport['options'];
  prices: PriceTable;
  toolVersion: string;
}

const NAME_RULES = new Set(['name-only-whitespace', 'name-trailing-dot', 'name-colon', 'path-double-slash', 'name-control-characters', 'name-invalid-code-point']);

/** Assembles the report from the collectors (pure apart from reading the collectors). */
export function buildReport(input: BuildInput): AssessReport {
  const { inventory, acl, rules } = input;
  const inv = inventory.buildInventory();
  const datasets = inventory.buildDatasets();
  const aclSection = acl.build();

  const folders = datasets.map((d) => d.name).filter((n) => n !== ROOT_DATASET && n !== OTHER_DATASET);
  const fsNames = assignFilesystemNames(folders);
  const renamed = folders.filter((f) => !isValidFilesystemName(f) || fsNames.get(f) !== f);

  const summary: SummarySubject = {
    files: inv.files,
    emptyDirectories: { count: inventory.emptyDirectories.count, examples: inventory.emptyDirectories.items },
    largeDirectories: { count: inventory.largeDirectories.count, examples: inventory.largeDirectories.items },
    smallFiles: inventory.smallFileFigures,
    stickyBit: { count: acl.stickyCount, examples: acl.stickyExamples },
    rootHasExtendedAcl: acl.rootHasExtendedAcl,
    unreadable: { count: input.unreadable.count, examples: input.unreadable.examples.map((u) => u.path || '/') },
    renamedFilesystems: { count: renamed.length, examples: renamed.slice(0, 10).map((f) => `${f} -> ${fsNames.get(f) ?? ''}`) },
  };

  const ruleResults: RuleResult[] = [
    ...[...PATH_RULES, ...ACL_RULES].map((r) => ({ id: r.id, severity: r.severity, title: r.title, remedy: r.remedy, ...rules.get(r.id) })),
    ...SUMMARY_RULES.map((r) => ({ id: r.id, severity: r.severity, title: r.title, remedy: r.remedy, ...r.test(summary) })),
  ];

  const changedBytes30 = datasets.reduce((s, d) => s + d.bytesChangedLast30d, 0);
  const changedFiles30 = datasets.reduce((s, d) => s + d.filesChangedLast30d, 0);
  const estimates = estimateDurations({
    files: inv.files,
    directories: inv.directories,
    bytes: inv.bytes,
    changedBytes30,
    changedFiles30,
    throughputMbps: input.options.throughputMbps,
    itemsPerSecond: input.options.itemsPerSecond,
    downtimeHours: input.options.downtimeHours,
  });
  const ageing = inventory.buildAgeing();
  const nameIssues = ruleResults.filter((r) => NAME_RULES.has(r.id)).reduce((s, r) => s + r.count, 0);
  const capabilities = buildCapabilityTable({
    entries: inventory.entries,
    files: inv.files,
    extendedAcls: aclSection.pathsWithExtendedAcl,
    principals: aclSection.principals.distinct,
    defaultAcls: aclSection.defaultAclPaths,
    sticky: aclSection.stickyBitPaths.count,
    maxDepth: inv.depth.max,
    largestFile: inv.largestFiles[0]?.size ?? 0,
    nameIssues,
    expiry: rules.get('expiry-set').count,
    accessTimes: ageing.byAccess !== null,
    emptyDirectories: inv.emptyDirectories,
  });

  const error =
    input.failure === undefined
      ? null
      : {
          code: isStorageError(input.failure) ? input.failure.code : 'internal',
          message: input.failure instanceof Error ? input.failure.message : String(input.failure),
          path: isStorageError(input.failure) ? (input.failure.path ?? null) : null,
        };

  return {
    schemaVersion: ASSESS_REPORT_SCHEMA_VERSION,
    tool: { name: 'lakeshift', version: input.toolVersion },
    source: input.store.displayUri,
    startedAt: input.startedAt.toISOString(),
    finishedAt: input.finishedAt.toISOString(),
    durationMs: input.durationMs,
    complete: error === null,
    error,
    options: input.options,
    verdict: decideVerdict(ruleResults, error, input.unreadable.count),
    inventory: inv,
    datasets,
    datasetsFolded: inventory.datasetsFolded,
    ageing: { ...ageing, tierRule: TIER_RULE },
    acl: aclSection,
    rules: ruleResults,
    capabilities,
    estimates,
    cost: estimateCost(inv.bytes, datasets, input.prices),
    unreadable: input.unreadable,
    scan: {
      entries: inventory.entries,
      entriesPerSecond: input.durationMs > 0 ? inventory.entries / (input.durationMs / 1000) : 0,
      specialFiles: inventory.specialFiles,
    },
  };
}

/**
 * Blocked when any blocker rule matched; ready with warnings when any warning rule matched or the
 * scan is incomplete; otherwise ready. Reasons name each rule with its count.
 */
export function decideVerdict(rules: RuleResult[], error: AssessReport['error'], unreadable: number): AssessReport['verdict'] {
  const reasons: string[] = [];
  let status: VerdictStatus = 'ready';
  if (error !== null) {
    status = 'ready-with-warnings';
    reasons.push(`The scan stopped early (${error.code}: ${error.message}); figures cover only what was read.`);
  }
  const blockers = rules.filter((r) => r.severity === 'blocker' && r.count > 0);
  const warnings = rules.filter((r) => r.severity === 'warning' && r.count > 0 && r.id !== 'unreadable-paths');
  if (unreadable > 0) {
    if (status === 'ready') status = 'ready-with-warnings';
    reasons.push(`${unreadable} path(s) could not be read (permission denied) and are not assessed.`);
  }
  if (blockers.length > 0) status = 'blocked';
  else if (warnings.length > 0 && status === 'ready') status = 'ready-with-warnings';
  for (const r of [...blockers, ...warnings]) reasons.push(`${r.severity === 'blocker' ? 'Blocker' : 'Warning'}: ${r.title} (${r.count}).`);
  if (reasons.length === 0) reasons.push('No blockers or warnings found.');
  return { status, reasons };
}
