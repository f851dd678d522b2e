import { z } from 'zod';

/** The JSON that `lakeshift cutover metastore scan --output json` (and `rewrite --output json`) prints. */
export const MetastoreFindingSchema = z.object({
  table: z.string().describe('metastore table holding the location, e.g. SDS'),
  column: z.string().describe('its column, e.g. LOCATION'),
  key: z.record(z.string(), z.string()).describe('primary key of the row: column -> value'),
  object: z.string().describe('db, db.table, db.table/ds=2020-01-01 or db.function'),
  location: z.string(),
  action: z.enum(['rewrite', 'report']),
  replacement: z.string().optional().describe('the Gen2 location (action rewrite)'),
  reason: z.string().optional().describe('why it is not rewritten (action report)'),
});

export const MetastoreScanOutputSchema = z.object({
  schema_version: z.string().describe('VERSION.SCHEMA_VERSION of the metastore'),
  findings: z.array(MetastoreFindingSchema),
});

export type MetastoreScanOutput = z.infer<typeof MetastoreScanOutputSchema>;
