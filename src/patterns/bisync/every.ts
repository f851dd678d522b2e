import { sleep } from '../../core/sleep.js';
import { isBisyncStop } from './errors.js';
import { runBisync } from './run.js';
import type { BisyncOptions, BisyncSummary } from './types.js';

export interface EveryOptions {
  everyMs: number;
  /** Ends the loop after the current run (first Ctrl-C). */
  stopSignal?: AbortSignal;
  onRun?: (summary: BisyncSummary) => void;
  /** A run stopped by a guard, a held lease or a listing failure (the loop goes on; needs-resync ends it). */
  onStop?: (error: Error) => void;
}

/**
 * Runs bisync every `everyMs` until `stopSignal` fires. A run stopped by a guard, a held lease or a
 * listing failure is reported and the loop goes on (the next run sees the sides afresh); a pair that
 * needs --resync, and any other error, ends the loop by throwing.
 */
export async function runBisyncEvery(options: BisyncOptions, every: EveryOptions): Promise<BisyncSummary[]> {
  const out: BisyncSummary[] = [];
  for (;;) {
    try {
      const s = await runBisync(options);
      out.push(s);
      every.onRun?.(s);
      if (s.outcome === 'cancelled') return out;
    } catch (error) {
      if (!isBisyncStop(error) || error.kind === 'needs-resync') throw error;
      every.onStop?.(error);
    }
    if (every.stopSignal?.aborted === true || options.signal?.aborted === true) return out;
    try {
      await sleep(every.everyMs, every.stopSignal);
    } catch {
      return out;
    }
  }
}
