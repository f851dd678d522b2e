export { formatBytes } from './collector.js';

/** Formats a duration in seconds as "3 h 20 min", "45 min", "12 s". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return 'n/a';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min`;
  return `${(seconds / 86_400).toFixed(1)} days`;
}

/** Formats a number with thousands separators. */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** Formats a share (0-1) as a percentage. */
export function formatShare(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

/** Formats money with two decimals and the currency code. */
export function formatMoney(amount: number, currency: string): string {
  return `${amount.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })} ${currency}`;
}

export const VERDICT_LABEL = { ready: 'Ready', 'ready-with-warnings': 'Ready with warnings', blocked: 'Blocked' } as const;

const SEVERITY_ORDER = { blocker: 0, warning: 1, info: 2 } as const;

/** Rules sorted blockers first, then warnings, then info; larger counts first within a severity. */
export function bySeverity<T extends { severity: keyof typeof SEVERITY_ORDER; count: number }>(rules: T[]): T[] {
  return [...rules].sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || b.count - a.count);
}
