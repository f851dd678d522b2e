import { z } from 'zod';
import { latestCutoverEvent } from '../ops-state/events.js';
import type { CutoverDb } from '../ops-state/tables.js';

/** The details of a `final-sync` cutover event as runFinalSync writes them. */
const finalSyncDetails = z.object({
  startedAtMs: z.number(),
  finishedAtMs: z.number(),
  sourceLatestChangeMs: z.number(),
  sourceLatestChangePath: z.string(),
  freezeId: z.string().nullable(),
  jobId: z.string(),
  runNo: z.number(),
  copyStatus: z.string(),
  filesCopied: z.number(),
  filesFailed: z.number(),
  deleted: z.number(),
  deleteRefused: z.string().nullable(),
  validation: z.object({
    checksum: z.boolean(),
    ok: z.boolean(),
    differenceCount: z.number(),
    byKind: z.record(z.string(), z.number()),
    files: z.number(),
    directories: z.number(),
    notHeld: z.number(),
    notHeldExamples: z.array(z.string()),
  }).nullable(),
});

export type FinalSyncRecord = z.infer<typeof finalSyncDetails> & { ok: boolean; at: number };

/** The newest recorded final sync of source to dest; undefined when none (or its record is unreadable). */
export async function latestFinalSync(db: CutoverDb, source: string, dest: string): Promise<FinalSyncRecord | undefined> {
  const row = await latestCutoverEvent(db, 'final-sync', source, dest);
  if (row === undefined) return undefined;
  const parsed = finalSyncDetails.safeParse(JSON.parse(row.details));
  if (!parsed.success) return undefined;
  return { ...parsed.data, ok: row.ok === 1, at: row.at };
}
