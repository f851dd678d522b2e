import { cancelledError } from '../core/errors.js';

/**
 * A FIFO semaphore over bytes: bounds the data held in memory. Requests larger than the budget are
 * clamped to the whole budget so they can still proceed (alone).
 */
export class ByteBudget {
  private available: number;
  private readonly queue: { bytes: number; resolve: () => void }[] = [];

  constructor(readonly capacity: number) {
    this.available = capacity;
  }

  /** Waits (FIFO) until `bytes` are free and takes them; returns the amount taken (release exactly that). */
  async acquire(bytes: number): Promise<number> {
    const want = Math.min(Math.max(bytes, 1), this.capacity);
    if (this.queue.length === 0 && this.available >= want) {
      this.available -= want;
      return want;
    }
    await new Promise<void>((resolve) => this.queue.push({ bytes: want, resolve }));
    return want;
  }

  release(bytes: number): void {
    this.available += bytes;
    while (this.queue.length > 0) {
      const head = this.queue[0];
      if (head === undefined || head.bytes > this.available) break;
      this.available -= head.bytes;
      this.queue.shift();
      head.resolve();
    }
  }

  get inUse(): number {
    return this.capacity - this.available;
  }
}

/**
 * A token bucket limiting throughput to `mbps` megabits per second (burst: one second's worth, and
 * at least one request). `take` waits until the bytes may pass.
 */
export class TokenBucket {
  private tokens: number;
  private last = performance.now();
  private readonly rate: number;

  constructor(mbps: number) {
    this.rate = (mbps * 1_000_000) / 8 / 1000; // bytes per ms
    this.tokens = this.rate * 1000;
  }

  async take(bytes: number, signal?: AbortSignal): Promise<void> {
    for (;;) {
      if (signal?.aborted) throw cancelledError(signal);
      const now = performance.now();
      this.tokens = Math.min(this.rate * 1000, this.tokens + (now - this.last) * this.rate);
      this.last = now;
      if (this.tokens >= Math.min(bytes, this.rate * 1000)) {
        this.tokens -= bytes; // may go negative: large chunks borrow from the future
        return;
      }
      const waitMs = Math.ceil((Math.min(bytes, this.rate * 1000) - this.tokens) / this.rate);
      await new Promise((r) => setTimeout(r, Math.max(1, waitMs)));
    }
  }
}

/** Runs tasks with at most `limit` in flight; `run` resolves when there is a free slot. */
export class TaskPool {
  private readonly running = new Set<Promise<void>>();
  constructor(private readonly limit: number) {}

  async run(task: () => Promise<void>): Promise<void> {
    while (this.running.size >= this.limit) await Promise.race(this.running);
    const p: Promise<void> = task().finally(() => this.running.delete(p));
    this.running.add(p);
  }

  /** Waits for every started task. Tasks must not reject (catch inside). */
  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.race(this.running);
  }
}
