/** The bench tree of bench/bisync (shared by run.ts and profile.ts): paths, bodies and the parallel writer. */
import type { Store } from '../../src/core/store.js';

export const PER_DIR = 1000;
export const pathOf = (i: number): string => `d${String(Math.floor(i / PER_DIR)).padStart(4, '0')}/f${String(i).padStart(6, '0')}.dat`;
export const body = (i: number, round: number): Buffer => Buffer.from(`file ${i} round ${round} `.padEnd(64 + round, '.'));

/** Writes the given files (round `round` of their bodies) with 16 writers at once. */
export async function writeAll(store: Store, indexes: number[], round: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < indexes.length) {
      const i = indexes[next++] ?? 0;
      const data = body(i, round);
      const w = await store.createWriter(pathOf(i), { overwrite: true });
      await w.write(0, data);
      await w.commit({ size: data.length });
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}
