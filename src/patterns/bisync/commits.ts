import type { DialectName } from '../../state/db.js';
import { fenced, type Lease } from './lease.js';
import { dropBaseline, putBaseline, type Baseline } from './state.js';
import type { BisyncKysely } from './tables.js';

/**
 * Group commit of baseline rows. Every completed action still waits until its own rows are in the
 * job database before it counts as done (so "committed per completed action" holds exactly: a crash
 * after an action returned never loses its row). What changes is that actions finishing while one
 * transaction is being written share the next one, instead of each paying a fenced transaction of
 * its own. No action waits for a timer: when nothing is being written, a commit starts in the next
 * turn of the event loop (setImmediate), so the completions handled in the same turn share it.
 *
 * Within a group, each action's drops come before its puts (a rename drops the old path and puts the
 * new one); actions of one group touch distinct paths (they run in one execution phase), and if two
 * ever share a path they are written one action after the other, in the order they arrived.
 */
export class GroupCommit {
  private queue: { put: Baseline[]; drop: string[]; done: (error?: unknown) => void }[] = [];
  private writing = false;
  /** Transactions written, for tests and the run's log. */
  transactions = 0;

  constructor(
    private readonly db: BisyncKysely,
    private readonly dialect: DialectName,
    private readonly lease: Lease,
    private readonly pairId: string,
    private readonly runId: string,
    private readonly maxRows = 500,
  ) {}

  /** Resolves once `put` and `drop` are committed (in a transaction fenced by the lease). */
  commit(put: Baseline[], drop: string[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ put, drop, done: (error) => (error === undefined ? resolve() : reject(error)) });
      if (this.writing) return;
      // The transaction starts in the next turn of the event loop (no timer): the actions whose last
      // response arrived in this turn join it, instead of each writing a transaction of its own.
      this.writing = true;
      setImmediate(() => void this.drain());
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    try {
      while (this.queue.length > 0) {
        const group: typeof this.queue = [];
        let rows = 0;
        while (this.queue.length > 0 && (group.length === 0 || rows < this.maxRows)) {
          const next = this.queue.shift();
          if (next === undefined) break;
          group.push(next);
          rows += next.put.length + next.drop.length;
        }
        try {
          await this.write(group);
          this.transactions++;
          for (const g of group) g.done();
        } catch (error) {
          for (const g of group) g.done(error);
        }
      }
    } finally {
      this.writing = false;
    }
  }

  private async write(group: readonly { put: Baseline[]; drop: string[] }[]): Promise<void> {
    const paths = new Set<string>();
    let shared = false;
    for (const g of group) {
      for (const p of [...g.drop, ...g.put.map((b) => b.path)]) {
        if (paths.has(p)) shared = true;
        paths.add(p);
      }
    }
    await fenced(this.db, this.dialect, this.lease, async (trx) => {
      if (shared) {
        for (const g of group) {
          if (g.drop.length > 0) await dropBaseline(trx, this.pairId, g.drop);
          if (g.put.length > 0) await putBaseline(trx, this.pairId, this.runId, g.put);
        }
        return;
      }
      const drop = group.flatMap((g) => g.drop);
      const put = group.flatMap((g) => g.put);
      if (drop.length > 0) await dropBaseline(trx, this.pairId, drop);
      if (put.length > 0) await putBaseline(trx, this.pairId, this.runId, put);
    });
  }
}
