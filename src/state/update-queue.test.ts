import { describe, expect, it } from 'vitest';
import type { JobDb } from './db.js';
import type { ItemPatch } from './items.js';
import { ItemUpdateQueue } from './update-queue.js';

/** A queue whose writes are recorded, and fail while `failing` is set. */
class Recording extends ItemUpdateQueue {
  groups: number[][] = [];
  failing = false;
  constructor() {
    super({} as JobDb, { maxPending: 3, maxDelayMs: 10_000 });
  }
  protected override async writeBatch(batch: { id: number; patch: ItemPatch }[]): Promise<void> {
    if (this.failing) throw new Error('write failed');
    this.groups.push(batch.map((b) => b.id));
  }
}

describe('ItemUpdateQueue.settle', () => {
  it('writes what is queued at once and waits for it', async () => {
    const q = new Recording();
    q.push(1, { state: 'copying' });
    q.push(2, { state: 'copying' });
    expect(q.groups).toEqual([]);
    await q.settle();
    expect(q.groups).toEqual([[1, 2]]);
  });

  it('leaves a failed write for the next flush to throw', async () => {
    const q = new Recording();
    q.failing = true;
    q.push(1, { state: 'failed' });
    await expect(q.settle()).resolves.toBeUndefined();
    q.failing = false;
    await expect(q.flush()).rejects.toThrow('write failed');
    await expect(q.flush()).resolves.toBeUndefined();
  });
});
