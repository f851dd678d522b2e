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
/** Rates are measured over this window (so a burst in the first second does not set the ETA). */
const RATE_WINDOW_MS = 5000;
/** No ETA before this much transfer time, and before anything finished. */
const ETA_AFTER_MS = 3000;
const BAR_WIDTH = 24;

type Writer = NodeJS.WritableStream['write'];

/** A progress bar line: `transfer [#####-----] 42% 840/2000 files 52.5/125.0 MiB 8.1 MiB/s ETA 15s`. */
export function formatBar(p: { phase: string; done: number; toCopy: number; bytes: number; bytesToCopy: number; rate: number; etaMs: number | undefined; failed: number; skipped: number; scanned: number }, columns: number): string {
  const frac = p.bytesToCopy > 0 ? p.bytes / p.bytesToCopy : p.toCopy > 0 ? p.done / p.toCopy : 0;
  const filled = Math.max(0, Math.min(BAR_WIDTH, Math.floor(frac * BAR_WIDTH)));
  const bar = `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`;
  const pct = `${String(Math.min(100, Math.floor(frac * 100))).padStart(3)}%`;
  const eta = p.phase !== 'transfer' ? '' : p.etaMs === undefined ? ' ETA --' : ` ETA ${formatDuration(p.etaMs)}`;
  const extra = `${p.failed > 0 ? ` ${p.failed} failed` : ''}${p.skipped > 0 ? ` ${p.skipped} skipped` : ''}`;
  const scan = p.phase === 'scan' ? ` (scanned ${p.scanned} files)` : '';
  const text = `${p.phase.padEnd(8)} ${bar} ${pct} ${p.done}/${p.toCopy} files ${formatBytes(p.bytes)}/${formatBytes(p.bytesToCopy)} ${formatBytes(p.rate)}/s${eta}${extra}${scan}`;
  return text.length > columns - 1 ? text.slice(0, Math.max(10, columns - 1)) : text;
}

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
  private transferStarted: number | undefined;
  private lastDraw = Number.NEGATIVE_INFINITY;
  private drawn = false;
  private readonly samples: { t: number; bytes: number; files: number }[] = [];
  /** The streams' own write functions while the bar intercepts them (see intercept). */
  private originals: { stream: NodeJS.WritableStream; write: Writer }[] = [];

  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly mode: 'bar' | 'json' | 'none',
    /** Streams whose other output must not break the bar (default: stdout and stderr). */
    private readonly shared: NodeJS.WritableStream[] = [process.stdout, process.stderr],
  ) {}

  handle(event: MigrationEvent): void {
    switch (event.type) {
      case 'phase':
        this.phase = event.phase;
        if (event.phase === 'transfer') this.transferStarted ??= performance.now();
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

  /** Bytes and files per second over the last RATE_WINDOW_MS. */
  private rates(now: number): { bytes: number; files: number } {
    this.samples.push({ t: now, bytes: this.bytes, files: this.done });
    while (this.samples.length > 2 && (this.samples[0]?.t ?? now) < now - RATE_WINDOW_MS) this.samples.shift();
    const first = this.samples[0];
    const span = first === undefined ? 0 : now - first.t;
    if (first === undefined || span < 500) {
      const elapsed = now - (this.transferStarted ?? this.started);
      return elapsed > 0 ? { bytes: (this.bytes * 1000) / elapsed, files: (this.done * 1000) / elapsed } : { bytes: 0, files: 0 };
    }
    return { bytes: ((this.bytes - first.bytes) * 1000) / span, files: ((this.done - first.files) * 1000) / span };
  }

  /**
   * Remaining time from the byte rate (bytes move steadily; files count as done only once their
   * directory's source check confirmed them, in batches), or from the file rate when there are no bytes
   * to copy; undefined while not yet sane (the first seconds, nothing moved yet).
   */
  private eta(now: number, rate: { bytes: number; files: number }): number | undefined {
    if (this.transferStarted === undefined || now - this.transferStarted < ETA_AFTER_MS) return undefined;
    if (this.bytesToCopy > 0) return rate.bytes > 0 && this.bytes > 0 ? (Math.max(0, this.bytesToCopy - this.bytes) / rate.bytes) * 1000 : undefined;
    return rate.files > 0 && this.done > 0 ? (Math.max(0, this.toCopy - this.done) / rate.files) * 1000 : undefined;
  }

  private tick(force: boolean): void {
    const now = performance.now();
    if (!force && now - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = now;
    const rate = this.rates(now);
    if (this.mode === 'json') {
      this.line({ type: 'progress', phase: this.phase, scannedFiles: this.scanFiles, scannedBytes: this.scanBytes, filesToCopy: this.toCopy, filesDone: this.done, bytesToCopy: this.bytesToCopy, bytesDone: this.bytes, failed: this.failed, bytesPerSecond: Math.round(rate.bytes) });
    } else if (this.mode === 'bar') {
      this.intercept();
      const columns = (this.out as { columns?: number }).columns ?? 100;
      const text = formatBar({ phase: this.phase, done: this.done, toCopy: this.toCopy, bytes: this.bytes, bytesToCopy: this.bytesToCopy, rate: rate.bytes, etaMs: this.eta(now, rate), failed: this.failed, skipped: this.skipped, scanned: this.scanFiles }, columns);
      this.raw(`\r\x1b[2K${text}`);
      this.drawn = true;
    }
  }

  /** Writes to the bar's stream past the interception. */
  private raw(text: string): void {
    const own = this.originals.find((o) => o.stream === this.out);
    if (own === undefined) this.out.write(text);
    else own.write.call(this.out, text);
  }

  /**
   * While the bar is drawn, any other write to stdout or stderr (a warning, a log line) first clears
   * the bar's line, then the bar is drawn again below it: the bar is never broken by other output.
   */
  private intercept(): void {
    if (this.originals.length > 0) return;
    for (const stream of new Set([this.out, ...this.shared])) {
      const write = stream.write.bind(stream) as Writer;
      this.originals.push({ stream, write });
      const patched = ((chunk: unknown, ...rest: unknown[]): boolean => {
        if (this.drawn) {
          this.raw('\r\x1b[2K');
          this.drawn = false;
          setImmediate(() => {
            if (this.originals.length > 0) this.tick(true);
          });
        }
        return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
      }) as Writer;
      stream.write = patched;
    }
  }

  private release(): void {
    for (const { stream, write } of this.originals) stream.write = write;
    this.originals = [];
  }

  /** Draws the last state and ends the line. */
  finish(): void {
    this.tick(true);
    if (this.drawn) this.raw('\n');
    this.drawn = false;
    this.release();
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
