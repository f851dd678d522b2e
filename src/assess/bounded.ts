/**
 * Bounded aggregations for the streaming scan: memory stays constant however large the namespace.
 */

/** Keeps the `capacity` items with the largest score (a min-heap; O(log n) per offer). */
export class TopN<T> {
  private readonly heap: Array<{ score: number; item: T }> = [];

  constructor(private readonly capacity: number) {}

  /** Offers an item; it is kept only if it ranks among the largest `capacity` scores seen so far. */
  offer(score: number, item: T): void {
    if (this.capacity <= 0) return;
    if (this.heap.length < this.capacity) {
      this.heap.push({ score, item });
      this.siftUp(this.heap.length - 1);
      return;
    }
    const min = this.heap[0];
    if (min === undefined || score <= min.score) return;
    this.heap[0] = { score, item };
    this.siftDown(0);
  }

  /** The kept items, largest score first. */
  sorted(): T[] {
    return [...this.heap].sort((a, b) => b.score - a.score).map((x) => x.item);
  }

  get size(): number {
    return this.heap.length;
  }

  private siftUp(i: number): void {
    let child = i;
    while (child > 0) {
      const parent = (child - 1) >> 1;
      const c = this.heap[child];
      const p = this.heap[parent];
      if (c === undefined || p === undefined || p.score <= c.score) return;
      this.heap[child] = p;
      this.heap[parent] = c;
      child = parent;
    }
  }

  private siftDown(i: number): void {
    let parent = i;
    const n = this.heap.length;
    while (true) {
      const l = parent * 2 + 1;
      const r = l + 1;
      let smallest = parent;
      const sv = (k: number): number => this.heap[k]?.score ?? Number.POSITIVE_INFINITY;
      if (l < n && sv(l) < sv(smallest)) smallest = l;
      if (r < n && sv(r) < sv(smallest)) smallest = r;
      if (smallest === parent) return;
      const a = this.heap[parent];
      const b = this.heap[smallest];
      if (a === undefined || b === undefined) return;
      this.heap[parent] = b;
      this.heap[smallest] = a;
      parent = smallest;
    }
  }
}

/** Counts everything offered but keeps only the first `capacity` examples. */
export class CappedList<T> {
  readonly items: T[] = [];
  count = 0;

  constructor(private readonly capacity: number) {}

  add(item: T): void {
    this.count++;
    if (this.items.length < this.capacity) this.items.push(item);
  }
}

/** Index of the log2 size bucket: 0 for empty files, k+1 for sizes in [2^k, 2^(k+1)). */
export function sizeBucketIndex(size: number): number {
  if (size <= 0) return 0;
  // Math.log2 rounds near powers of two: correct the estimate with exact comparisons.
  let k = Math.floor(Math.log2(size));
  while (k > 0 && 2 ** k > size) k--;
  while (2 ** (k + 1) <= size) k++;
  return k + 1;
}

/** Inclusive lower bound in bytes of a size bucket (see sizeBucketIndex). */
export function sizeBucketLowerBound(index: number): number {
  return index <= 0 ? 0 : 2 ** (index - 1);
}

/** A growable histogram of non-negative integer bucket indexes. */
export class Histogram {
  readonly counts: number[] = [];
  readonly sums: number[] = [];

  add(index: number, value = 0): void {
    while (this.counts.length <= index) {
      this.counts.push(0);
      this.sums.push(0);
    }
    this.counts[index] = (this.counts[index] ?? 0) + 1;
    this.sums[index] = (this.sums[index] ?? 0) + value;
  }
}
