import { pathSegments, type Entry } from '../core/entry.js';
import { AgeTally, DAY_MS, suggestTier } from './ageing.js';
import { CappedList, Histogram, TopN, sizeBucketIndex, sizeBucketLowerBound } from './bounded.js';
import { DirectoryStack, type ClosedDirectory } from './directory-stack.js';
import type { AssessReport } from './report-schema.js';
import { PATH_RULES, type PathSubject } from './rules.js';
import type { RuleCounter } from './rule-counter.js';

/** Files under this size count as small (HNS block guidance: use blocks above 256 KiB). */
export const SMALL_FILE_BYTES = 256 * 1024;
/** Recommended minimum file size for analytics (256 MB-100 GB). */
export const RECOMMENDED_MIN_FILE_BYTES = 256 * 1024 * 1024;
/** Most data sets (top-level folders) tracked one by one; the rest fold into `(other)`. */
export const MAX_DATASETS = 10_000;
export const ROOT_DATASET = '(root)';
export const OTHER_DATASET = '(other)';
const TOP = 20;

interface DatasetState {
  files: number;
  directories: number;
  bytes: number;
  newest: number;
  changedFiles30: number;
  changedBytes30: number;
  byModified: AgeTally;
  byAccess: AgeTally;
  accessSeen: number;
}

export interface CollectorOptions {
  nowMs: number;
  inactiveDays: number;
}

/**
 * Streams entries (in walk order) into bounded aggregates: inventory, ageing, per-data-set figures,
 * inactive folders and the path rules. Memory does not grow with the number of entries.
 */
export class InventoryCollector {
  files = 0;
  directories = 0;
  bytes = 0;
  entries = 0;
  specialFiles = 0;
  private readonly sizes = new Histogram();
  private readonly depths = new Histogram();
  private maxDepth = 0;
  private readonly largest = new TopN<{ path: string; size: number }>(TOP);
  private readonly topByBytes = new TopN<ClosedDirectory>(TOP);
  private readonly topByCount = new TopN<ClosedDirectory>(TOP);
  private fanOutMax = 0;
  private fanOutMaxPath: string | null = null;
  private fanOutSum = 0;
  private closedDirs = 0;
  readonly largeDirectories = new CappedList<string>(20);
  readonly emptyDirectories = new CappedList<string>(20);
  private smallFiles = 0;
  private smallBytes = 0;
  private belowRecommended = 0;
  private readonly byModified = new AgeTally();
  private readonly byAccess = new AgeTally();
  private accessSeen = 0;
  private readonly datasets = new Map<string, DatasetState>();
  datasetsFolded = 0;
  private readonly stack: DirectoryStack;
  private readonly cutoff30: number;

  constructor(
    private readonly options: CollectorOptions,
    private readonly rules: RuleCounter,
  ) {
    this.cutoff30 = options.nowMs - 30 * DAY_MS;
    this.stack = new DirectoryStack({
      inactiveBeforeMs: options.nowMs - options.inactiveDays * DAY_MS,
      topInactive: TOP,
      onClose: (dir) => this.closeDirectory(dir),
    });
  }

  /** Feeds one listed entry. Entries must come in walk order. */
  add(entry: Entry): void {
    this.entries++;
    const segments = pathSegments(entry.path);
    const depth = segments.length;
    this.depths.add(depth);
    if (depth > this.maxDepth) this.maxDepth = depth;
    const subject: PathSubject = { path: entry.path, segments, kind: entry.kind, size: entry.size, expiryMs: entry.expiryMs };
    for (const rule of PATH_RULES) if (rule.test(subject)) this.rules.hit(rule.id, entry.path);

    const ds = this.dataset(depth === 1 && entry.kind === 'file' ? ROOT_DATASET : (segments[0] ?? ROOT_DATASET));
    if (entry.mtimeMs > ds.newest) ds.newest = entry.mtimeMs;
    if (entry.kind === 'directory') {
      this.directories++;
      ds.directories++;
    } else {
      this.files++;
      this.bytes += entry.size;
      this.sizes.add(sizeBucketIndex(entry.size), entry.size);
      this.largest.offer(entry.size, { path: entry.path, size: entry.size });
      if (entry.size < SMALL_FILE_BYTES) {
        this.smallFiles++;
        this.smallBytes += entry.size;
      }
      if (entry.size < RECOMMENDED_MIN_FILE_BYTES) this.belowRecommended++;
      this.byModified.add(entry.mtimeMs, this.options.nowMs, entry.size);
      ds.files++;
      ds.bytes += entry.size;
      ds.byModified.add(entry.mtimeMs, this.options.nowMs, entry.size);
      if (entry.mtimeMs >= this.cutoff30) {
        ds.changedFiles30++;
        ds.changedBytes30 += entry.size;
      }
      if (entry.atimeMs !== undefined) {
        this.accessSeen++;
        ds.accessSeen++;
        this.byAccess.add(entry.atimeMs, this.options.nowMs, entry.size);
        ds.byAccess.add(entry.atimeMs, this.options.nowMs, entry.size);
      }
    }
    this.stack.add(entry.path, entry.kind, entry.size, entry.mtimeMs);
  }

  /** Feeds a special file (link, socket, FIFO, device) found on a local source. */
  addSpecial(path: string): void {
    this.specialFiles++;
    const subject: PathSubject = { path, segments: pathSegments(path), kind: 'special', size: 0, expiryMs: undefined };
    for (const rule of PATH_RULES) if (rule.test(subject)) this.rules.hit(rule.id, path);
  }

  /** Closes the directory aggregation; call once after the last entry. */
  finish(): void {
    this.stack.finish();
  }

  private dataset(name: string): DatasetState {
    let ds = this.datasets.get(name);
    if (ds !== undefined) return ds;
    if (this.datasets.size >= MAX_DATASETS) {
      this.datasetsFolded++;
      const other = this.datasets.get(OTHER_DATASET);
      if (other !== undefined) return other;
      name = OTHER_DATASET;
    }
    ds = {
      files: 0,
      directories: 0,
      bytes: 0,
      newest: Number.NEGATIVE_INFINITY,
      changedFiles30: 0,
      changedBytes30: 0,
      byModified: new AgeTally(),
      byAccess: new AgeTally(),
      accessSeen: 0,
    };
    this.datasets.set(name, ds);
    return ds;
  }

  private closeDirectory(dir: ClosedDirectory): void {
    this.closedDirs++;
    this.fanOutSum += dir.children;
    if (dir.children > this.fanOutMax) {
      this.fanOutMax = dir.children;
      this.fanOutMaxPath = dir.path;
    }
    if (dir.children > 4000) this.largeDirectories.add(dir.path);
    if (dir.isEmpty) this.emptyDirectories.add(dir.path);
    this.topByBytes.offer(dir.directBytes, dir);
    this.topByCount.offer(dir.directFiles, dir);
  }

  get smallFileFigures(): { count: number; share: number } {
    return { count: this.smallFiles, share: this.files === 0 ? 0 : this.smallFiles / this.files };
  }

  /** Data-set names in report order (largest first). */
  datasetNames(): string[] {
    return this.buildDatasets().map((d) => d.name);
  }

  buildInventory(): AssessReport['inventory'] {
    const sizeHistogram = this.sizes.counts.map((files, i) => ({
      label: sizeLabel(i),
      minBytes: sizeBucketLowerBound(i),
      maxBytes: i === 0 ? 0 : 2 ** i,
      files,
      bytes: this.sizes.sums[i] ?? 0,
    }));
    const dirFigure = (d: ClosedDirectory): { path: string; files: number; bytes: number; children: number } => ({
      path: d.path,
      files: d.directFiles,
      bytes: d.directBytes,
      children: d.children,
    });
    return {
      files: this.files,
      directories: this.directories,
      bytes: this.bytes,
      emptyDirectories: this.emptyDirectories.count,
      sizeHistogram: sizeHistogram.filter((b) => b.files > 0),
      depth: { max: this.maxDepth, histogram: this.depths.counts.map((entries, depth) => ({ depth, entries })).filter((d) => d.entries > 0) },
      fanOut: {
        max: this.fanOutMax,
        maxPath: this.fanOutMaxPath,
        average: this.closedDirs === 0 ? 0 : this.fanOutSum / this.closedDirs,
        directoriesOver4000: this.largeDirectories.count,
      },
      smallFiles: { thresholdBytes: SMALL_FILE_BYTES, files: this.smallFiles, bytes: this.smallBytes, share: this.files === 0 ? 0 : this.smallFiles / this.files },
      belowRecommendedSize: { thresholdBytes: RECOMMENDED_MIN_FILE_BYTES, files: this.belowRecommended, share: this.files === 0 ? 0 : this.belowRecommended / this.files },
      largestFiles: this.largest.sorted(),
      topDirectoriesByBytes: this.topByBytes.sorted().filter((d) => d.directBytes > 0).map(dirFigure),
      topDirectoriesByCount: this.topByCount.sorted().filter((d) => d.directFiles > 0).map(dirFigure),
    };
  }

  buildDatasets(): AssessReport['datasets'] {
    return [...this.datasets.entries()]
      .map(([name, s]) => {
        const tally = s.accessSeen > 0 && s.accessSeen === s.files ? s.byAccess : s.byModified;
        const tier = suggestTier(tally);
        return {
          name,
          files: s.files,
          directories: s.directories,
          bytes: s.bytes,
          newestMtimeMs: Number.isFinite(s.newest) ? s.newest : null,
          filesChangedLast30d: s.changedFiles30,
          bytesChangedLast30d: s.changedBytes30,
          ageing: s.byModified.toReport(),
          suggestedTier: tier.tier,
          tierReason: tier.reason,
        };
      })
      .sort((a, b) => b.bytes - a.bytes || (a.name < b.name ? -1 : 1));
  }

  buildAgeing(): Omit<AssessReport['ageing'], 'tierRule'> {
    return {
      byModified: this.byModified.toReport(),
      byAccess: this.accessSeen > 0 ? this.byAccess.toReport() : null,
      inactiveDays: this.options.inactiveDays,
      inactiveFolders: { ...this.stack.inactive, top: this.stack.inactiveTop.sorted() },
    };
  }
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];

/** Formats a byte count in binary units ("1.5 GiB"). */
export function formatBytes(n: number): string {
  let v = n;
  let u = 0;
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${UNITS[u] ?? ''}`;
}

function sizeLabel(index: number): string {
  if (index === 0) return '0 B';
  return `${formatBytes(2 ** (index - 1))}-${formatBytes(2 ** index)}`;
}
