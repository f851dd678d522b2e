import type { AssessReport, DatasetReport } from './report-schema.js';
import type { PriceTable } from './prices.js';

/** Portal migration tool's published data copy rate: 9 TB per hour. */
export const DEFAULT_BYTES_PER_SECOND = 9e12 / 3600;
/** Portal migration tool's published metadata copy rate: 4 M items per hour. */
export const DEFAULT_ITEMS_PER_SECOND = 4e6 / 3600;
/** Portal migration tool's published metadata processing rate: 25 M items per hour. */
export const COMPARE_ITEMS_PER_SECOND = 25e6 / 3600;

export interface EstimateInput {
  files: number;
  directories: number;
  bytes: number;
  /** Bytes and files modified in the last 30 days (all data sets). */
  changedBytes30: number;
  changedFiles30: number;
  throughputMbps: number | null;
  itemsPerSecond: number | null;
  downtimeHours: number | null;
}

/** Seconds to copy `bytes` and `items` when data and metadata move in parallel (the slower wins). */
export function copySeconds(bytes: number, items: number, bytesPerSecond: number, itemsPerSecond: number): number {
  return Math.max(bytes / bytesPerSecond, items / itemsPerSecond);
}

/**
 * Duration estimates per pattern. Lift and shift: the whole copy is downtime. Incremental: the
 * downtime is the final sync, assumed to compare every item once and copy one day of changes (the
 * last 30 days' changes divided by 30).
 */
export function estimateDurations(input: EstimateInput): AssessReport['estimates'] {
  const bps = input.throughputMbps === null ? DEFAULT_BYTES_PER_SECOND : (input.throughputMbps * 1e6) / 8;
  const ips = input.itemsPerSecond ?? DEFAULT_ITEMS_PER_SECOND;
  const items = input.files + input.directories;
  const full = copySeconds(input.bytes, items, bps, ips);
  const finalSync = items / COMPARE_ITEMS_PER_SECOND + copySeconds(input.changedBytes30 / 30, input.changedFiles30 / 30, bps, ips);
  const limit = input.downtimeHours === null ? null : input.downtimeHours * 3600;
  return {
    bytesPerSecond: bps,
    bytesPerSecondSource:
      input.throughputMbps === null ? 'default: 9 TB/h, the portal migration tool published data copy rate' : `given: --throughput-mbps ${input.throughputMbps}`,
    itemsPerSecond: ips,
    itemsPerSecondSource:
      input.itemsPerSecond === null ? 'default: 4 M items/h, the portal migration tool published metadata copy rate' : `given: --items-per-second ${input.itemsPerSecond}`,
    downtimeHours: input.downtimeHours,
    liftAndShift: { seconds: full, fitsDowntime: limit === null ? null : full <= limit },
    incremental: {
      initialCopySeconds: full,
      finalSyncSeconds: finalSync,
      assumption:
        'The final sync compares every item at 25 M items/h (portal tool metadata processing rate) and copies one day of changes ' +
        '(files modified in the last 30 days / 30) at the rates above.',
      fitsDowntime: limit === null ? null : finalSync <= limit,
    },
  };
}

const GIB = 1024 ** 3;

/** Monthly storage cost per tier for all bytes, and for the suggested tier mix per data set. */
export function estimateCost(totalBytes: number, datasets: DatasetReport[], prices: PriceTable): AssessReport['cost'] {
  const tiers = (['hot', 'cool', 'cold', 'archive'] as const).map((tier) => {
    const price = prices.perGbMonth[tier] ?? 0;
    return { tier, pricePerGbMonth: price, monthly: (totalBytes / GIB) * price };
  });
  const mix = datasets.reduce((sum, d) => sum + (d.bytes / GIB) * (prices.perGbMonth[d.suggestedTier] ?? 0), 0);
  return { source: prices.source, date: prices.date, currency: prices.currency, region: prices.region, note: prices.note, tiers, suggestedMixMonthly: mix };
}
