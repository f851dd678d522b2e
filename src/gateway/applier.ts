import { baseName, joinPath } from '../core/entry.js';
import { isStorageError } from '../core/errors.js';
import type { Store } from '../core/store.js';
import type { Logger } from 'pino';
import type { Intent, Journal } from './journal.js';
import type { PathMapper } from './mapping.js';
import { reconcilePath, reconcileTree } from './reconcile.js';

/**
 * Applies journalled intents: for each, brings Gen2's copy of the intent's paths to Gen1's current
 * state (reconcile.ts), oldest first. A failure (Gen2 down, throttled, ...) keeps the intent with its
 * error and a later retry time (exponential backoff, capped); nothing is ever dropped unapplied.
 */

export interface ApplierOptions {
  gen1: Store;
  mapper: PathMapper;
  journal: Journal;
  pair: string;
  logger: Logger;
  /** First retry delay (default 1 s) and cap (default 60 s). */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** How often to look for due intents when idle (default 500 ms). */
  pollMs?: number;
  /**
   * True while client requests are being answered (or were a moment ago): the applier then waits
   * for a pause before each intent, so that mirroring takes the machine's idle time, not the Gen1
   * writes' time. Under load without pauses it still goes on, but paced: it waits three times as long
   * as its last intent took (at most 250 ms), so it takes at most about a quarter of the time.
   */
  busy?: () => boolean;
}

const YIELD_STEP_MS = 2;
/** Under continuous load the applier works at most 1 part in (1 + PACE_FACTOR) of the time. */
const PACE_FACTOR = 3;
const PACE_MIN_MS = 10;
const PACE_MAX_MS = 250;

const CONTENT_OPS = new Set(['CREATE', 'APPEND', 'CONCURRENTAPPEND', 'CONCAT', 'MSCONCAT', 'TEE-WRITE']);
const TREE_OPS = new Set(['DELETE', 'RENAME', 'REPAIR-TREE']);

function segmentsOf(path: string): string[] {
  return path === '' ? [] : path.split('/');
}

export class Applier {
  private running: Promise<void> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** How long the last applied intent took (paces the applier under load). */
  private lastApplyMs = 0;

  constructor(private readonly o: ApplierOptions) {}

  /** Starts polling; `kick` runs a pass now. */
  start(): void {
    this.timer = setInterval(() => this.kick(), this.o.pollMs ?? 500);
    this.timer.unref();
    this.kick();
  }

  kick(): void {
    if (this.stopped) return;
    if (this.running !== undefined) {
      this.again = true;
      return;
    }
    this.running = this.drainDue().catch((error: unknown) => {
      this.o.logger.warn({ error: error instanceof Error ? error.message : String(error) }, 'mirror.apply_pass_failed');
    }).finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.kick();
      }
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    await this.running;
  }

  /** Resolves when a pass is idle (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running !== undefined) await this.running;
  }

  private target(gen1Path: string): { store: Store; path: string } | undefined {
    const r = this.o.mapper.resolve(segmentsOf(gen1Path));
    return r.kind === 'mapped' ? { store: r.store, path: r.path } : undefined;
  }

  /**
   * Applies an intent; when a path vanished between two of its reads (Gen1 changed while it was
   * being reconciled: a rename or delete that has its own intent), it reconciles again from a fresh
   * read instead of waiting for the retry backoff, since the state-based apply is idempotent.
   */
  private async applyFresh(intent: Intent): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.apply(intent);
        return;
      } catch (error) {
        if (attempt >= 3 || !isStorageError(error, 'not-found')) throw error;
      }
    }
  }

  private async apply(intent: Intent): Promise<void> {
    const { gen1 } = this.o;
    const src = this.target(intent.path);
    if (intent.op === 'RENAME') {
      const dest = this.target(intent.path2);
      if (src !== undefined && dest !== undefined && src.store === dest.store) {
        // Where did the source land on Gen1: inside an existing directory, or at the destination itself?
        const inside = joinPath(intent.path2, baseName(intent.path));
        const landed = (await exists(gen1, inside)) && (await isDir(gen1, intent.path2)) ? inside : intent.path2;
        const landedDest = this.target(landed);
        if (landedDest !== undefined && (await exists(src.store, src.path)) && !(await exists(landedDest.store, landedDest.path))) {
          // Cheap first: the same rename on Gen2; the reconcile below then finds little to do.
          await src.store.rename(src.path, landedDest.path).catch(() => undefined);
        }
        if (landedDest !== undefined) await reconcileTree(gen1, landed, landedDest.store, landedDest.path, { content: 'if-changed' });
      } else if (dest !== undefined) await reconcileTree(gen1, intent.path2, dest.store, dest.path, { content: 'if-changed' });
      if (src !== undefined) await reconcileTree(gen1, intent.path, src.store, src.path, { content: 'if-changed' });
      return;
    }
    if (src === undefined) return;
    if (TREE_OPS.has(intent.op)) await reconcileTree(gen1, intent.path, src.store, src.path, { content: 'if-changed' });
    else await reconcilePath(gen1, intent.path, src.store, src.path, { content: CONTENT_OPS.has(intent.op) ? 'always' : 'if-changed' });
  }

  private async drainDue(): Promise<void> {
    const { journal, pair } = this.o;
    while (!this.stopped) {
      const due = await journal.due(pair, 64);
      if (due.length === 0) return;
      let failed = 0;
      for (let i = 0; i < due.length && !this.stopped; i++) {
        const intent = due[i];
        if (intent === undefined) continue;
        // State-based: a later intent of the same op on the same paths covers this one.
        if (due.slice(i + 1).some((x) => x.op === intent.op && x.path === intent.path && x.path2 === intent.path2)) {
          await journal.done([intent.id]);
          continue;
        }
        const budget = Math.min(PACE_MAX_MS, Math.max(PACE_MIN_MS, this.lastApplyMs * PACE_FACTOR));
        for (let waited = 0; this.o.busy?.() === true && waited < budget && !this.stopped; waited += YIELD_STEP_MS) {
          await new Promise((r) => setTimeout(r, YIELD_STEP_MS));
        }
        const started = performance.now();
        try {
          await this.applyFresh(intent);
          this.lastApplyMs = performance.now() - started;
          await journal.done([intent.id]);
        } catch (error) {
          failed++;
          const attempts = intent.attempts + 1;
          const delay = Math.min(this.o.retryMaxMs ?? 60_000, (this.o.retryBaseMs ?? 1000) * 2 ** Math.min(attempts - 1, 20));
          const message = error instanceof Error ? error.message : String(error);
          await journal.retryLater(intent.id, attempts, message, Date.now() + delay);
          this.o.logger.warn({ intent: intent.id, op: intent.op, path: intent.path, attempts, error: message }, 'mirror.apply_failed');
          // Gen2 is probably unreachable: stop this pass instead of failing every intent in turn.
          if (isStorageError(error) && (error.code === 'transient' || error.code === 'throttled')) return;
        }
      }
      if (failed > 0) return;
    }
  }
}

async function exists(store: Store, path: string): Promise<boolean> {
  try {
    await store.stat(path);
    return true;
  } catch (error) {
    if (isStorageError(error, 'not-found')) return false;
    throw error;
  }
}

async function isDir(store: Store, path: string): Promise<boolean> {
  try {
    return (await store.stat(path)).kind === 'directory';
  } catch (error) {
    if (isStorageError(error, 'not-found')) return false;
    throw error;
  }
}
