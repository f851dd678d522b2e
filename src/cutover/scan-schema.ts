import { z } from 'zod';
import { FINDING_KINDS } from './scan/types.js';

/**
 * The JSON that `lakeshift cutover scan --output json` and `cutover rewrite --output json` print,
 * documented in docs/cutover-scan.md. Tests parse the real output with these schemas.
 */

export const findingSchema = z.strictObject({
  file: z.string().min(1),
  line: z.number().int().positive(),
  column: z.number().int().positive(),
  rule: z.string().min(1),
  kind: z.enum(FINDING_KINDS),
  text: z.string(),
  action: z.enum(['rewrite', 'report']),
  replacement: z.string().optional(),
  reason: z.string().optional(),
}).refine((f) => (f.action === 'rewrite' ? f.replacement !== undefined && f.reason === undefined : f.reason !== undefined && f.replacement === undefined), {
  message: 'a rewrite has a replacement and no reason; a report has a reason and no replacement',
});

export const skippedSchema = z.strictObject({ file: z.string().min(1), reason: z.string().min(1) });

export const scanReportSchema = z.strictObject({
  files_scanned: z.number().int().nonnegative(),
  findings: z.array(findingSchema),
  skipped: z.array(skippedSchema),
});

export const rewriteFileSchema = z.strictObject({
  file: z.string().min(1),
  /** pending: the diff was shown, nothing written (no --apply). */
  status: z.enum(['pending', 'rewritten', 'changed-since-scan', 'failed']),
  rewrites: z.number().int().nonnegative(),
  reports: z.number().int().nonnegative(),
  reason: z.string().optional(),
});

export const rewriteReportSchema = z.strictObject({
  files_scanned: z.number().int().nonnegative(),
  applied: z.boolean(),
  files: z.array(rewriteFileSchema),
  findings: z.array(findingSchema),
  skipped: z.array(skippedSchema),
  /** The unified diff of every pending or written rewrite. */
  diff: z.string(),
});

export type ScanReport = z.infer<typeof scanReportSchema>;
export type RewriteReport = z.infer<typeof rewriteReportSchema>;
