import { z } from 'zod';

/**
 * The migration plan `lakeshift plan` writes and `lakeshift migrate --plan` runs. YAML on disk;
 * validated by `loadPlan` (src/plan/load-plan.ts). Bump PLAN_VERSION on incompatible changes.
 */
export const PLAN_VERSION = 1;

export const MIGRATION_PATTERNS = ['lift-and-shift', 'incremental', 'dual-pipeline', 'bidirectional-sync'] as const;
export type MigrationPattern = (typeof MIGRATION_PATTERNS)[number];

const oneOf = (values: readonly string[]) => ({ error: () => `must be one of ${values.join(', ')}` });
const count = z.number({ error: () => 'must be a number' }).int('must be a whole number').nonnegative('must be 0 or more');
const FILESYSTEM_NAME = /^[a-z0-9](?!.*--)[-a-z0-9]{1,61}[a-z0-9]$/;

export const datasetPlanSchema = z.object({
  /** Unique name (the top-level folder, or `(root)` for files directly under the source root). */
  name: z.string({ error: () => 'must be a string' }).min(1, 'must not be empty'),
  /** Store-relative source path ('' for the source root). */
  sourcePath: z.string({ error: () => 'must be a string' }),
  /** subtree: the folder and everything under it; root-files: only the files directly in sourcePath. */
  include: z.enum(['subtree', 'root-files'], oneOf(['subtree', 'root-files'])),
  target: z.object({
    filesystem: z
      .string({ error: () => 'must be a string' })
      .regex(FILESYSTEM_NAME, 'must be a valid Gen2 filesystem name (3-63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit)'),
    /** Path inside the filesystem ('' = its root). */
    path: z.string({ error: () => 'must be a string' }),
  }),
  pattern: z.enum(MIGRATION_PATTERNS, oneOf(MIGRATION_PATTERNS)),
  wave: z.number({ error: () => 'must be a number' }).int('must be a whole number').positive('must be 1 or more'),
  files: count,
  directories: count,
  bytes: count,
  bytesChangedLast30d: count,
  rationale: z.string({ error: () => 'must be a string' }),
});

export const identityPlanEntrySchema = z.object({
  source: z.string({ error: () => 'must be a string' }).min(1, 'must not be empty'),
  /** Target principal; null = not resolved yet (the migration reports it and carries the source id). */
  target: z.string({ error: () => 'must be a string or null' }).nullable(),
  kind: z.enum(['user', 'group', 'user-or-group'], oneOf(['user', 'group', 'user-or-group'])),
  note: z.string({ error: () => 'must be a string' }),
});

export const planSchema = z
  .object({
    version: z.literal(PLAN_VERSION, { error: () => `must be ${PLAN_VERSION}` }),
    source: z.string({ error: () => 'must be a string' }).min(1, 'must not be empty'),
    /** Destination account URI (abfss://...); the migrate command may supply it instead. */
    destination: z.string({ error: () => 'must be a string or null' }).nullable(),
    createdAt: z.string({ error: () => 'must be a string' }),
    options: z.object({
      downtimeHours: z.number({ error: () => 'must be a number' }).nonnegative('must be 0 or more'),
      waveSizeBytes: z.number({ error: () => 'must be a number' }).positive('must be above 0'),
      bytesPerSecond: z.number({ error: () => 'must be a number' }).positive('must be above 0'),
      itemsPerSecond: z.number({ error: () => 'must be a number' }).positive('must be above 0'),
      /** Whether the Gen2 account allows Shared Key (and account SAS) access; absent = no (`lakeshift provision`). */
      allowSharedKeyAccess: z.boolean({ error: () => 'must be true or false' }).optional(),
    }),
    datasets: z.array(datasetPlanSchema, { error: () => 'must be a list' }),
    waves: z.array(
      z.object({
        number: z.number({ error: () => 'must be a number' }).int().positive('must be 1 or more'),
        datasets: z.array(z.string({ error: () => 'must be a string' })),
        bytes: count,
        files: count,
      }),
      { error: () => 'must be a list' },
    ),
    identityMap: z.array(identityPlanEntrySchema, { error: () => 'must be a list' }),
  })
  .superRefine((plan, ctx) => {
    const names = new Set<string>();
    const targets = new Set<string>();
    plan.datasets.forEach((d, i) => {
      if (names.has(d.name)) ctx.addIssue({ code: 'custom', path: ['datasets', i, 'name'], message: `duplicate data set name '${d.name}'` });
      names.add(d.name);
      const key = `${d.target.filesystem}/${d.target.path}`;
      if (targets.has(key)) ctx.addIssue({ code: 'custom', path: ['datasets', i, 'target'], message: `another data set already maps to ${key}` });
      targets.add(key);
      if (!plan.waves.some((w) => w.number === d.wave)) ctx.addIssue({ code: 'custom', path: ['datasets', i, 'wave'], message: `wave ${d.wave} is not listed under waves` });
    });
    plan.waves.forEach((w, i) =>
      w.datasets.forEach((name, j) => {
        if (!names.has(name)) ctx.addIssue({ code: 'custom', path: ['waves', i, 'datasets', j], message: `unknown data set '${name}'` });
      }),
    );
    const sources = new Set<string>();
    plan.identityMap.forEach((e, i) => {
      if (sources.has(e.source)) ctx.addIssue({ code: 'custom', path: ['identityMap', i, 'source'], message: `'${e.source}' is listed twice` });
      sources.add(e.source);
    });
  });

export type Plan = z.infer<typeof planSchema>;
export type DatasetPlan = z.infer<typeof datasetPlanSchema>;
export type IdentityPlanEntry = z.infer<typeof identityPlanEntrySchema>;
