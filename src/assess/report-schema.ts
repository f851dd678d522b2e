import { z } from 'zod';

/**
 * The assessment report: the JSON renderer writes exactly this shape, the HTML and Markdown renderers
 * read it, and scripts or the dashboard parse it with `parseAssessReport`. docs/assess-report.md
 * documents every field. Bump ASSESS_REPORT_SCHEMA_VERSION on any incompatible change.
 */
export const ASSESS_REPORT_SCHEMA_VERSION = 1;

const count = z.number().int().nonnegative();
const bytes = z.number().nonnegative();
const msEpoch = z.number();

export const severitySchema = z.enum(['blocker', 'warning', 'info']);
export const verdictStatusSchema = z.enum(['ready', 'ready-with-warnings', 'blocked']);
export const accessTierSchema = z.enum(['hot', 'cool', 'cold', 'archive']);

const ageBucketSchema = z.object({
  label: z.string(),
  /** Upper bound of the bucket in days (exclusive); null for the open-ended last bucket. */
  maxAgeDays: z.number().nullable(),
  files: count,
  bytes,
});

const dirFigureSchema = z.object({ path: z.string(), files: count, bytes, children: count });

export const datasetReportSchema = z.object({
  name: z.string(),
  files: count,
  directories: count,
  bytes,
  newestMtimeMs: msEpoch.nullable(),
  filesChangedLast30d: count,
  bytesChangedLast30d: bytes,
  ageing: z.array(ageBucketSchema),
  suggestedTier: accessTierSchema,
  tierReason: z.string(),
});

export const principalReportSchema = z.object({
  id: z.string(),
  kind: z.enum(['user', 'group', 'user-or-group']),
  asOwner: count,
  asGroup: count,
  namedAccess: count,
  namedDefault: count,
  examplePaths: z.array(z.string()),
});

export const ruleResultSchema = z.object({
  id: z.string(),
  severity: severitySchema,
  title: z.string(),
  remedy: z.string(),
  count,
  examples: z.array(z.string()),
});

export const capabilityRowSchema = z.object({
  area: z.string(),
  gen1: z.string(),
  gen2: z.string(),
  /** true: this account's data uses it; false: it does not; null: a listing cannot tell. */
  touched: z.boolean().nullable(),
  why: z.string(),
});

export const assessReportSchema = z.object({
  schemaVersion: z.literal(ASSESS_REPORT_SCHEMA_VERSION),
  tool: z.object({ name: z.literal('lakeshift'), version: z.string() }),
  source: z.string(),
  startedAt: z.string(),
  finishedAt: z.string(),
  durationMs: z.number().nonnegative(),
  complete: z.boolean(),
  error: z.object({ code: z.string(), message: z.string(), path: z.string().nullable() }).nullable(),
  options: z.object({
    inactiveDays: z.number().positive(),
    throughputMbps: z.number().positive().nullable(),
    itemsPerSecond: z.number().positive().nullable(),
    downtimeHours: z.number().nonnegative().nullable(),
    identityMapGiven: z.boolean(),
  }),
  verdict: z.object({ status: verdictStatusSchema, reasons: z.array(z.string()) }),
  inventory: z.object({
    files: count,
    directories: count,
    bytes,
    emptyDirectories: count,
    sizeHistogram: z.array(z.object({ label: z.string(), minBytes: bytes, maxBytes: bytes.nullable(), files: count, bytes })),
    depth: z.object({ max: count, histogram: z.array(z.object({ depth: count, entries: count })) }),
    fanOut: z.object({ max: count, maxPath: z.string().nullable(), average: z.number().nonnegative(), directoriesOver4000: count }),
    smallFiles: z.object({ thresholdBytes: bytes, files: count, bytes, share: z.number().min(0).max(1) }),
    belowRecommendedSize: z.object({ thresholdBytes: bytes, files: count, share: z.number().min(0).max(1) }),
    largestFiles: z.array(z.object({ path: z.string(), size: bytes })),
    topDirectoriesByBytes: z.array(dirFigureSchema),
    topDirectoriesByCount: z.array(dirFigureSchema),
  }),
  datasets: z.array(datasetReportSchema),
  /** Top-level folders beyond the per-report cap, folded into the dataset named `(other)`. */
  datasetsFolded: count,
  ageing: z.object({
    byModified: z.array(ageBucketSchema),
    byAccess: z.array(ageBucketSchema).nullable(),
    inactiveDays: z.number().positive(),
    inactiveFolders: z.object({
      count,
      files: count,
      bytes,
      top: z.array(z.object({ path: z.string(), newestMtimeMs: msEpoch, files: count, bytes })),
    }),
    tierRule: z.string(),
  }),
  acl: z.object({
    pathsWithExtendedAcl: count,
    aclRequests: count,
    defaultAclPaths: count,
    stickyBitPaths: z.object({ count, examples: z.array(z.string()) }),
    entriesPerPath: z.array(z.object({ entries: count, paths: count })),
    nearLimit: z.object({
      threshold: count,
      count,
      examples: z.array(z.object({ path: z.string(), scope: z.enum(['access', 'default']), entries: count })),
    }),
    principals: z.object({ distinct: count, truncated: z.boolean(), list: z.array(principalReportSchema) }),
    identityMap: z.object({ given: z.boolean(), missing: count, missingExamples: z.array(z.string()) }),
  }),
  rules: z.array(ruleResultSchema),
  capabilities: z.array(capabilityRowSchema),
  estimates: z.object({
    bytesPerSecond: z.number().positive(),
    bytesPerSecondSource: z.string(),
    itemsPerSecond: z.number().positive(),
    itemsPerSecondSource: z.string(),
    downtimeHours: z.number().nonnegative().nullable(),
    liftAndShift: z.object({ seconds: z.number().nonnegative(), fitsDowntime: z.boolean().nullable() }),
    incremental: z.object({
      initialCopySeconds: z.number().nonnegative(),
      finalSyncSeconds: z.number().nonnegative(),
      assumption: z.string(),
      fitsDowntime: z.boolean().nullable(),
    }),
  }),
  cost: z.object({
    source: z.string(),
    date: z.string(),
    currency: z.string(),
    region: z.string(),
    note: z.string(),
    tiers: z.array(z.object({ tier: accessTierSchema, pricePerGbMonth: z.number().nonnegative(), monthly: z.number().nonnegative() })),
    suggestedMixMonthly: z.number().nonnegative(),
  }),
  unreadable: z.object({
    count,
    examples: z.array(z.object({ path: z.string(), code: z.string(), message: z.string() })),
  }),
  scan: z.object({ entries: count, entriesPerSecond: z.number().nonnegative(), specialFiles: count }),
});

export type AssessReport = z.infer<typeof assessReportSchema>;
export type Severity = z.infer<typeof severitySchema>;
export type VerdictStatus = z.infer<typeof verdictStatusSchema>;
export type AccessTier = z.infer<typeof accessTierSchema>;
export type RuleResult = z.infer<typeof ruleResultSchema>;
export type DatasetReport = z.infer<typeof datasetReportSchema>;
export type PrincipalReport = z.infer<typeof principalReportSchema>;
export type CapabilityRow = z.infer<typeof capabilityRowSchema>;

/**
 * Parses and validates a report (e.g. read back from report.json). Throws an Error whose message
 * names the first offending field.
 */
export function parseAssessReport(value: unknown): AssessReport {
  const result = assessReportSchema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue === undefined ? '' : issue.path.map(String).join('.');
  throw new Error(`assessment report: ${where === '' ? '(root)' : where}: ${issue?.message ?? 'invalid'}`);
}
