import type { MigrationEvent, MigrationSummary } from '../engine/types.js';

/**
 * Renders the engine's event stream: a progress line redrawn with \r at most 5 times a second on a
 * TTY, or JSON lines (throttled progress, phases, failures and skips, then the summary) otherwise.
 */

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i] ?? 'B'}`;
}

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

const REDRAW_MS = 200;

export class ProgressRenderer {
  private phase = 'scan';
  private scanFiles = 0;
  private scanBytes = 0;
  private toCopy = 0;
  private bytesToCopy = 0;
  private done = 0;
  private failed = 0;
  private skipped = 0;
  private bytes = 0;
  private readonly started = performance.now();
  private lastDraw = 0;
  private drawn = false;

  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly mode: 'bar' | 'json' | 'none',
  ) {}

  handle(event: MigrationEvent): void {
    switch (event.type) {
      case 'phase':
        this.phase = event.phase;
        if (this.mode === 'json') this.line({ type: 'phase', phase: event.phase, jobId: event.jobId });
        break;
      case 'scan':
        this.scanFiles = event.files;
        this.scanBytes = event.bytes;
        this.toCopy = event.toCopy;
        this.bytesToCopy = event.bytesToCopy;
        break;
      case 'bytes':
        this.bytes += event.bytes;
        break;
      case 'item':
        if (event.kind === 'file' && (event.outcome === 'copied' || event.outcome === 'verified')) this.done++;
        if (event.outcome === 'failed') this.failed++;
        if (event.outcome === 'skipped') this.skipped++;
        if (this.mode === 'json' && (event.outcome === 'failed' || event.outcome === 'skipped' || event.outcome === 'deleted')) this.line(event);
        break;
      case 'done':
        this.finish();
        return;
    }
    this.tick(false);
  }

  private line(value: unknown): void {
    this.out.write(`${JSON.stringify(value)}\n`);
  }

  private tick(force: boolean): void {
    const now = performance.now();
    if (!force && now - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = now;
    const elapsed = now - this.started;
    const rate = elapsed > 0 ? (this.bytes * 1000) / elapsed : 0;
    if (this.mode === 'json') {
      this.line({ type: 'progress', phase: this.phase, scannedFiles: this.scanFiles, scannedBytes: this.scanBytes, filesToCopy: this.toCopy, filesDone: this.done, bytesToCopy: this.bytesToCopy, bytesDone: this.bytes, failed: this.failed, bytesPerSecond: Math.round(rate) });
    } else if (this.mode === 'bar') {
      const remaining = Math.max(0, this.bytesToCopy - this.bytes);
      const eta = rate > 0 && this.phase === 'transfer' ? ` ETA ${formatDuration((remaining / rate) * 1000)}` : '';
      const pct = this.bytesToCopy > 0 ? ` ${Math.min(100, Math.floor((this.bytes / this.bytesToCopy) * 100))}%` : '';
      const text = `${this.phase}: ${this.done}/${this.toCopy} files, ${formatBytes(this.bytes)}/${formatBytes(this.bytesToCopy)}${pct}, ${formatBytes(rate)}/s${eta}, ${this.failed} failed, ${this.skipped} skipped (scanned ${this.scanFiles} files)`;
      this.out.write(`\r${text.slice(0, 160).padEnd(100)}`);
      this.drawn = true;
    }
  }

  /** Draws the last state and ends the line. */
  finish(): void {
    this.tick(true);
    if (this.drawn) this.out.write('\n');
    this.drawn = false;
  }
}

/** The final summary as text. */
export function formatSummary(s: MigrationSummary): string {
  const lines: string[] = [];
  const verb = s.dryRun ? 'would copy' : 'copied';
  lines.push(`Job ${s.jobId} run ${s.runNo} (${s.kind}${s.dryRun ? ', dry run' : ''}): ${s.status} in ${formatDuration(s.durationMs)}`);
  lines.push(`  scanned: ${s.scanned.files} files (${formatBytes(s.scanned.bytes)}), ${s.scanned.directories} directories`);
  lines.push(`  files: ${verb} ${s.files.copied} (${formatBytes(s.bytes)}${s.dryRun ? '' : `, ${formatBytes(s.bytesPerSecond)}/s`}), unchanged ${s.files.unchanged}, metadata updated ${s.files.metadataUpdated}, skipped ${s.files.skipped}, failed ${s.files.failed}`);
  lines.push(`  directories: created ${s.directories.created}, skipped ${s.directories.skipped}, failed ${s.directories.failed}`);
  if (s.deleted > 0 || s.deleteRefused !== undefined) lines.push(`  deleted: ${s.deleted}${s.dryRun ? ' (would delete)' : ''}`);
  if (s.deleteRefused !== undefined) lines.push(`  deletion refused: ${s.deleteRefused}`);
  if (s.nonEmptyDestinations.length > 0) lines.push(`  destination was not empty for: ${s.nonEmptyDestinations.join(', ')} (existing files follow --overwrite)`);
  for (const [reason, n] of Object.entries(s.skippedByReason)) lines.push(`  skipped ${n}: ${reason}`);
  for (const k of s.skipped.slice(0, 20)) lines.push(`    ${k.path}: ${k.reason}`);
  if (s.unmappedPrincipals.length > 0) lines.push(`  principals not in the identity map (carried unchanged): ${s.unmappedPrincipals.slice(0, 20).join(', ')}${s.unmappedPrincipals.length > 20 ? ', …' : ''}`);
  if (s.droppedPrincipals.length > 0) lines.push(`  principals without a counterpart (their ACL entries dropped): ${s.droppedPrincipals.join(', ')}`);
  for (const f of s.failures.slice(0, 20)) lines.push(`  FAILED ${f.path}: ${f.error}`);
  if (s.failures.length > 20) lines.push(`  … and ${s.files.failed + s.directories.failed - 20} more failures: run 'lakeshift jobs show ${s.jobId}'`);
  if (s.status === 'failed') lines.push(`  Fix the causes above and rerun the same command (or 'lakeshift jobs resume ${s.jobId}') to retry the failed items.`);
  if (s.status === 'cancelled') lines.push(`  Cancelled: rerun the same command or 'lakeshift jobs resume ${s.jobId}' to continue.`);
  return `${lines.join('\n')}\n`;
}
