import { z } from 'zod';
import { accessTierSchema } from './report-schema.js';

/**
 * Gen2 storage price table (capacity only: operations, egress and the hierarchical-namespace metadata
 * charge are not included). Override with `--price-table FILE` (same JSON shape).
 */
export const priceTableSchema = z.object({
  source: z.string().min(1),
  date: z.string().min(1),
  currency: z.string().min(1),
  region: z.string().min(1),
  note: z.string(),
  /** Price per GiB (2^30 bytes, Azure's billing "GB") per month, pay-as-you-go, first 50 TB band. */
  perGbMonth: z.record(accessTierSchema, z.number().nonnegative()),
});

export type PriceTable = z.infer<typeof priceTableSchema>;

export const DEFAULT_PRICE_TABLE: PriceTable = {
  source: 'https://azure.microsoft.com/en-us/pricing/details/storage/data-lake/ (Data storage prices, LRS, first 50 TB / month)',
  date: '2023-09',
  currency: 'USD',
  region: 'East US, LRS',
  note:
    'Indicative list prices (hot 0.0184, cool 0.01, archive 0.00099 as published for Q3 2023; cold tier 0.0036 from the Blob ' +
    'price list). Prices change and differ per region and redundancy: check the source page and pass --price-table for a ' +
    'real quote.',
  perGbMonth: { hot: 0.0184, cool: 0.01, cold: 0.0036, archive: 0.00099 },
};

/** Parses a price table (JSON text). Throws an Error naming the file and the offending field. */
export function parsePriceTable(text: string, file: string): PriceTable {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file}: not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  const result = priceTableSchema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue === undefined ? '(root)' : issue.path.map(String).join('.') || '(root)';
    throw new Error(`${file}: ${where}: ${issue?.message ?? 'invalid'} (expected {source, date, currency, region, note, perGbMonth: {hot, cool, cold, archive}})`);
  }
  return result.data;
}
