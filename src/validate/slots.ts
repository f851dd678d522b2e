/**
 * A counting semaphore: at most `count` holders at a time, waiters served first come, first served.
 * Validate uses one to bound the paths checked at once and another to bound the ranged reads in
 * flight (and so the memory they hold).
 */
export class Slots {
  private free: number;
  private readonly waiting: (() => void)[] = [];

  /** `count` below 1 is treated as 1. */
  constructor(count: number) {
    this.free = Math.max(1, Math.floor(count));
  }

  /** Resolves once a slot is held; call the returned function to give it back (extra calls do nothing). */
  async acquire(): Promise<() => void> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      const next = this.waiting.shift();
      // The slot passes straight to the next waiter, so `free` only grows when nobody waits.
      if (next === undefined) this.free++;
      else next();
    };
  }
}
