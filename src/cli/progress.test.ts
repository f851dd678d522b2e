import { Writable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ProgressRenderer, formatBar } from './progress.js';

/** Carriage return + erase line, what the bar writes before drawing itself. */
const CLEAR = '\r\u001b[2K';

class Screen extends Writable {
  readonly writes: string[] = [];
  columns = 120;
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.writes.push(chunk.toString());
    cb();
  }
}

afterEach(() => {
  vi.useRealTimers();
});

describe('progress bar', () => {
  it('shows a bar with files, bytes, rate, and no ETA in the first seconds', () => {
    vi.useFakeTimers({ toFake: ['performance', 'setImmediate'] });
    const screen = new Screen();
    const r = new ProgressRenderer(screen, 'bar', [screen]);
    r.handle({ type: 'phase', phase: 'transfer', jobId: 'j1' });
    r.handle({ type: 'scan', files: 100, directories: 1, bytes: 100 * 1024, toCopy: 100, bytesToCopy: 100 * 1024 });
    vi.advanceTimersByTime(300);
    r.handle({ type: 'bytes', bytes: 10 * 1024 });
    for (let i = 0; i < 10; i++) r.handle({ type: 'item', path: `f${i}`, kind: 'file', outcome: 'copied', size: 1024 });
    vi.advanceTimersByTime(300);
    r.handle({ type: 'bytes', bytes: 0 });
    const early = screen.writes.at(-1) ?? '';
    expect(early.startsWith(CLEAR)).toBe(true);
    expect(early.slice(CLEAR.length)).toMatch(/^transfer +\[##-+\] +10% 10\/100 files 10\.0 KiB\/100\.0 KiB .*\/s ETA --/);

    // Steady 10 files (10 KiB) a second: after 4 s the ETA is about the 6 s left at that rate.
    for (let s = 0; s < 4; s++) {
      vi.advanceTimersByTime(1000);
      r.handle({ type: 'bytes', bytes: 10 * 1024 });
      for (let i = 0; i < 10; i++) r.handle({ type: 'item', path: `g${s}-${i}`, kind: 'file', outcome: 'copied', size: 1024 });
    }
    vi.advanceTimersByTime(300);
    r.handle({ type: 'bytes', bytes: 0 });
    const later = screen.writes.at(-1) ?? '';
    expect(later).toMatch(/50% 50\/100 files/);
    const eta = /ETA (\d+)s/.exec(later)?.[1];
    expect(Number(eta)).toBeGreaterThanOrEqual(4);
    expect(Number(eta)).toBeLessThanOrEqual(7);
    r.finish();
    expect(screen.writes.at(-1)).toBe('\n');
  });

  it('clears its line before other output and draws itself again below it', () => {
    vi.useFakeTimers({ toFake: ['performance', 'setImmediate'] });
    const screen = new Screen();
    const r = new ProgressRenderer(screen, 'bar', [screen]);
    r.handle({ type: 'phase', phase: 'transfer', jobId: 'j1' });
    r.handle({ type: 'scan', files: 2, directories: 0, bytes: 10, toCopy: 2, bytesToCopy: 10 });
    const before = screen.writes.length;
    screen.write('(node:1) SomeWarning: something happened\n');
    expect(screen.writes.slice(before, before + 2)).toEqual([CLEAR, '(node:1) SomeWarning: something happened\n']);
    vi.runAllTicks();
    vi.advanceTimersByTime(1);
    expect(screen.writes.at(-1)?.startsWith(`${CLEAR}transfer`)).toBe(true);
    r.finish();
    // After finish the stream is left alone.
    screen.write('summary\n');
    expect(screen.writes.at(-1)).toBe('summary\n');
    expect(screen.writes.at(-2)).toBe('\n');
  });

  it('fits the terminal width', () => {
    const text = formatBar({ phase: 'transfer', done: 5, toCopy: 10, bytes: 5, bytesToCopy: 10, rate: 1, etaMs: 5000, failed: 1, skipped: 2, scanned: 10 }, 40);
    expect(text.length).toBeLessThanOrEqual(39);
  });
});
