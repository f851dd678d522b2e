import { stringify } from 'yaml';
import { assignFilesystemNames } from '../assess/filesystem-name.js';
import { COMPARE_ITEMS_PER_SECOND, copySeconds } from '../assess/estimates.js';
import type { AssessReport, DatasetReport } from '../assess/report-schema.js';
import { isObjectId } from '../assess/rules.js';
import { formatBytes } from '../assess/collector.js';
import { formatDuration } from '../assess/format.js';
import { PLAN_VERSION, type DatasetPlan, type MigrationPattern, type Plan } from './plan-schema.js';

/** Default wave size: ADF's guideline is to partition above 10 TB per copy activity. */
export const DEFAULT_WAVE_SIZE_BYTES = 10 * 1024 ** 4;
/** Downtime assumed when the user gives none: one overnight window. */
export const DEFAULT_DOWNTIME_HOURS = 8;
/** Share of bytes changed in 30 days above which a zero-downtime data set needs two-way sync. */
export const HEAVY_CHANGE_SHARE = 0.5;

export interface ProposeOptions {
  downtimeHours?: number;
  waveSizeBytes?: number;
  destination?: string;
  nowMs?: number;
}

const ROOT = '(root)';

/**
 * Chooses a pattern for one data set from its size, its recent change rate and the tolerated
 * downtime, and says why:
 * - lift-and-shift when the whole copy fits in the downtime;
 * - with zero downtime: bidirectional-sync when at least half its bytes changed in 30 days
 *   (writers must move one by one), else dual-pipeline;
 * - incremental when only the final sync has to fit in the downtime and it does;
 * - dual-pipeline otherwise (even the final sync is longer than the downtime).
 */
export function choosePattern(d: DatasetReport, downtimeHours: number, bps: number, ips: number): { pattern: MigrationPattern; rationale: string } {
  const items = d.files + d.directories;
  const full = copySeconds(d.bytes, items, bps, ips);
  const limit = downtimeHours * 3600;
  const share = d.bytes === 0 ? 0 : d.bytesChangedLast30d / d.bytes;
  const size = `${formatBytes(d.bytes)} in ${d.files.toLocaleString('en-US')} files`;
  const change = `${Math.round(share * 100)}% of bytes changed in the last 30 days`;
  if (full <= limit) {
    return { pattern: 'lift-and-shift', rationale: `${size}: a full copy takes about ${formatDuration(full)}, within the ${downtimeHours} h downtime; ${change}.` };
  }
  if (limit === 0) {
    if (share >= HEAVY_CHANGE_SHARE) {
      return { pattern: 'bidirectional-sync', rationale: `${size}, ${change} and no downtime tolerated: keep both sides in sync while writers move one by one.` };
    }
    return { pattern: 'dual-pipeline', rationale: `${size}, no downtime tolerated: copy existing data, ingest new data into both accounts, then move workloads; ${change}.` };
  }
  const finalSync = items / COMPARE_ITEMS_PER_SECOND + copySeconds(d.bytesChangedLast30d / 30, d.filesChangedLast30d / 30, bps, ips);
  if (finalSync <= limit) {
    return { pattern: 'incremental', rationale: `${size}: a full copy takes about ${formatDuration(full)} (over the ${downtimeHours} h downtime) but the final sync takes about ${formatDuration(finalSync)}; ${change}.` };
  }
  return { pattern: 'dual-pipeline', rationale: `${size}: even the final sync (about ${formatDuration(finalSync)}) exceeds the ${downtimeHours} h downtime; ${change}.` };
}

/**
 * Groups data sets into waves by size: smallest first (the first wave doubles as a pilot), each wave
 * filled up to `waveSizeBytes`; a data set larger than that gets a wave of its own.
 */
export function assignWaves(datasets: ReadonlyArray<{ name: string; bytes: number; files: number }>, waveSizeBytes: number): Plan['waves'] {
  const sorted = [...datasets].sort((a, b) => a.bytes - b.bytes || (a.name < b.name ? -1 : 1));
  const waves: Plan['waves'] = [];
  for (const d of sorted) {
    const current = waves[waves.length - 1];
    if (current !== undefined && current.bytes + d.bytes <= waveSizeBytes) {
      current.datasets.push(d.name);
      current.bytes += d.bytes;
      current.files += d.files;
    } else {
      waves.push({ number: waves.length + 1, datasets: [d.name], bytes: d.bytes, files: d.files });
    }
  }
  return waves;
}

/** Proposes a plan from an assessment report (pure: no I/O). */
export function proposePlan(report: AssessReport, options: ProposeOptions = {}): Plan {
  const downtimeHours = options.downtimeHours ?? report.options.downtimeHours ?? DEFAULT_DOWNTIME_HOURS;
  const waveSizeBytes = options.waveSizeBytes ?? DEFAULT_WAVE_SIZE_BYTES;
  const bps = report.estimates.bytesPerSecond;
  const ips = report.estimates.itemsPerSecond;
  const folders = report.datasets.map((d) => d.name).filter((n) => n !== ROOT);
  const fsNames = assignFilesystemNames(folders);
  const waves = assignWaves(report.datasets, waveSizeBytes);
  const waveOf = new Map<string, number>();
  for (const w of waves) for (const name of w.datasets) waveOf.set(name, w.number);
  const rootFs = assignFilesystemNames([...folders, 'root']).get('root') ?? 'root';

  const datasets: DatasetPlan[] = report.datasets.map((d) => {
    const { pattern, rationale } = choosePattern(d, downtimeHours, bps, ips);
    const isRoot = d.name === ROOT;
    return {
      name: d.name,
      sourcePath: isRoot ? '' : d.name,
      include: isRoot ? 'root-files' : 'subtree',
      target: { filesystem: isRoot ? rootFs : (fsNames.get(d.name) ?? 'dataset'), path: '' },
      pattern,
      wave: waveOf.get(d.name) ?? 1,
      files: d.files,
      directories: d.directories,
      bytes: d.bytes,
      bytesChangedLast30d: d.bytesChangedLast30d,
      rationale,
    };
  });

  return {
    version: PLAN_VERSION,
    source: report.source,
    destination: options.destination ?? null,
    createdAt: new Date(options.nowMs ?? Date.now()).toISOString(),
    options: { downtimeHours, waveSizeBytes, bytesPerSecond: bps, itemsPerSecond: ips },
    datasets,
    waves,
    identityMap: report.acl.principals.list.map((p) => ({
      source: p.id,
      target: isObjectId(p.id) ? p.id : null,
      kind: p.kind,
      note: isObjectId(p.id)
        ? `object ID: carried unchanged within the same tenant; edit for a cross-tenant move (${p.asOwner} owner, ${p.asGroup} group, ${p.namedAccess + p.namedDefault} ACL entries)`
        : 'not an object ID: give the Gen2 object ID to use',
    })),
  };
}

/** Renders a plan as commented YAML. */
export function renderPlanYaml(plan: Plan, report: AssessReport): string {
  const header = [
    '# lakeshift migration plan (run with: lakeshift migrate --plan THIS_FILE)',
    `# Source: ${report.source}`,
    `# Assessment verdict: ${report.verdict.status}; ${report.inventory.files} files, ${formatBytes(report.inventory.bytes)}`,
    '# Patterns: lift-and-shift | incremental | dual-pipeline | bidirectional-sync. Edit freely; loadPlan validates every field.',
    '# identityMap: target null = not resolved yet; the migration carries the source id and reports it.',
    '',
  ];
  return `${header.join('\n')}${stringify(plan, { lineWidth: 0 })}`;
}
