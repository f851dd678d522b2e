import type { AccessTier } from './report-schema.js';

export const DAY_MS = 86_400_000;

/** Age bucket upper bounds in days; the last bucket is open-ended. */
export const AGE_BUCKETS: ReadonlyArray<{ label: string; maxAgeDays: number | null }> = [
  { label: '< 30 days', maxAgeDays: 30 },
  { label: '30-90 days', maxAgeDays: 90 },
  { label: '90-180 days', maxAgeDays: 180 },
  { label: '180 days-1 year', maxAgeDays: 365 },
  { label: '1-2 years', maxAgeDays: 730 },
  { label: '> 2 years', maxAgeDays: null },
];

/** Index into AGE_BUCKETS for a time (ms since epoch) seen at `nowMs`. Future times count as new. */
export function ageBucketIndex(timeMs: number, nowMs: number): number {
  const ageDays = (nowMs - timeMs) / DAY_MS;
  for (let i = 0; i < AGE_BUCKETS.length; i++) {
    const max = AGE_BUCKETS[i]?.maxAgeDays;
    if (max === null || max === undefined || ageDays < max) return i;
  }
  return AGE_BUCKETS.length - 1;
}

/** Files and bytes per age bucket. */
export class AgeTally {
  readonly files: number[] = AGE_BUCKETS.map(() => 0);
  readonly bytes: number[] = AGE_BUCKETS.map(() => 0);

  add(timeMs: number, nowMs: number, size: number): void {
    const i = ageBucketIndex(timeMs, nowMs);
    this.files[i] = (this.files[i] ?? 0) + 1;
    this.bytes[i] = (this.bytes[i] ?? 0) + size;
  }

  toReport(): Array<{ label: string; maxAgeDays: number | null; files: number; bytes: number }> {
    return AGE_BUCKETS.map((b, i) => ({ label: b.label, maxAgeDays: b.maxAgeDays, files: this.files[i] ?? 0, bytes: this.bytes[i] ?? 0 }));
  }

  get totalBytes(): number {
    return this.bytes.reduce((a, b) => a + b, 0);
  }
}

/** The access-tier rule, stated once so the report can print it. */
export const TIER_RULE =
  'Per data set, by bytes (last access time where the source keeps it, else last modification): hot when at least 20% ' +
  'of the bytes changed in the last 30 days; otherwise cold when at least 80% are older than 180 days; otherwise cool. ' +
  'Archive is never suggested for a whole data set (it is offline and rehydration takes hours): apply it per file with lifecycle rules.';

/** Suggests an access tier from an age tally, following TIER_RULE. */
export function suggestTier(tally: AgeTally): { tier: AccessTier; reason: string } {
  const total = tally.totalBytes;
  if (total === 0) return { tier: 'hot', reason: 'no bytes yet: default tier' };
  const recent = (tally.bytes[0] ?? 0) / total;
  const old = tally.bytes.slice(3).reduce((a, b) => a + b, 0) / total;
  const pct = (x: number): string => `${Math.round(x * 100)}%`;
  if (recent >= 0.2) return { tier: 'hot', reason: `${pct(recent)} of bytes changed in the last 30 days` };
  if (old >= 0.8) return { tier: 'cold', reason: `${pct(old)} of bytes older than 180 days` };
  return { tier: 'cool', reason: `${pct(recent)} of bytes changed in 30 days, ${pct(old)} older than 180 days` };
}
