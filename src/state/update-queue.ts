import type { JobDb } from './db.js';
import { updateItem, updateItemsEach, type ItemPatch } from './items.js';

/**
 * Item updates written in groups: workers record outcomes with `push` and the queue writes them in
 * one transaction when `maxPending` have gathered or `maxDelayMs` after the first one, instead of one
 * transaction per update (a commit each costs more than the update on SQLite).
 *
 * What this trades: after a crash the last group may be missing. Every update pushed here must be
 * safe to lose, which holds for outcomes of items in state `copying`: a rerun resets them to `pending`
 * and checks them again (the copy is repeated or recognised, never mixed). Anything the next step
 * depends on is read only after `flush()`.
 */
export class ItemUpdateQueue {
  private pending = new Map<number, ItemPatch>();
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private failure: unknown;

  constructor(
    protected readonly jobDb: JobDb,
    private readonly options: { maxPending?: number; maxDelayMs?: number } = {},
  ) {}

  /** Queues a patch (merged with one already queued for the item). Throws a failed earlier write. */
  push(id: number, patch: ItemPatch): void {
    this.throwFailure();
    const queued = this.pending.get(id);
    this.pending.set(id, queued === undefined ? patch : { ...queued, ...patch });
    if (this.pending.size >= (this.options.maxPending ?? 200)) this.startWrite();
    else this.timer ??= setTimeout(() => this.startWrite(), this.options.maxDelayMs ?? 100);
  }

  /** Writes everything queued; resolves when it is in the database (rejects when a write failed). */
  async flush(): Promise<void> {
    this.startWrite();
    await this.writing;
    this.throwFailure();
  }

  /**
   * Writes everything queued and waits until the writes so far are done, without throwing a failed
   * one: that failure stays for the next push or flush to throw.
   */
  async settle(): Promise<void> {
    this.startWrite();
    await this.writing;
  }

  private throwFailure(): void {
    if (this.failure !== undefined) {
      const f = this.failure;
      this.failure = undefined;
      throw f;
    }
  }

  private startWrite(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.size === 0) return;
    const batch = [...this.pending].map(([id, patch]) => ({ id, patch }));
    this.pending = new Map();
    this.writing = this.writing.then(async () => {
      try {
        await this.writeBatch(batch);
      } catch (error) {
        this.failure ??= error;
      }
    });
  }

  /** Writes one group of updates; subclasses change how (scale-out fences it by a lease). */
  protected async writeBatch(batch: { id: number; patch: ItemPatch }[]): Promise<void> {
    if (batch.length === 1 && batch[0] !== undefined) await updateItem(this.jobDb, batch[0].id, batch[0].patch);
    else await updateItemsEach(this.jobDb, batch);
  }
}
