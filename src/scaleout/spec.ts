import { z } from 'zod';
import { StorageError } from '../core/errors.js';
import type { Store } from '../core/store.js';
import type { IdentityMap } from '../engine/acl-translate.js';
import type { MappingRule, MigrationKind, OverwritePolicy, PreserveKey } from '../engine/types.js';

/**
 * What a worker needs to run a job's batches, as the planner recorded it: store URIs without secrets
 * (each worker brings its own credentials through the usual flags and environment), mappings and the
 * options that shape each copy.
 */
const specSchema = z.object({
  source: z.string(),
  rules: z.array(z.object({ name: z.string().optional(), sourcePrefix: z.string(), destUri: z.string(), destPath: z.string() })),
  kind: z.enum(['lift-and-shift', 'incremental']),
  preserve: z.array(z.enum(['acl', 'owner', 'permissions', 'times'])),
  overwrite: z.enum(['never', 'if-newer', 'always']),
  checksum: z.boolean(),
  delete: z.boolean(),
  maxDelete: z.number().int().nonnegative(),
  include: z.array(z.string()),
  exclude: z.array(z.string()),
  blockSize: z.number().int().positive().optional(),
  /** Principal map as [from, to] pairs. */
  identityMap: z.array(z.tuple([z.string(), z.string()])).optional(),
});

export type JobSpec = z.infer<typeof specSchema>;

/** Parses a recorded spec; throws StorageError('invalid-argument') when it is not one this version reads. */
export function parseJobSpec(text: string, jobId: string): JobSpec {
  const parsed = specSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new StorageError('invalid-argument', `The scale-out record of job ${jobId} is not readable by this lakeshift: ${parsed.error.issues[0]?.message ?? 'invalid'}.`);
  return parsed.data;
}

/** Strips a URI's query (a SAS) so that no secret is recorded. */
export function withoutSecrets(uri: string): string {
  const i = uri.indexOf('?');
  return i < 0 ? uri : uri.slice(0, i);
}

export type StoreOpener = (uri: string, role: 'source' | 'dest') => Promise<Store>;

/** The stores of a spec, opened once per distinct URI. */
export interface SpecStores {
  source: Store;
  mappings: MappingRule[];
  close(): Promise<void>;
}

export async function openSpecStores(spec: JobSpec, open: StoreOpener): Promise<SpecStores> {
  const opened: Store[] = [];
  const source = await open(spec.source, 'source');
  opened.push(source);
  const byUri = new Map<string, Store>();
  const mappings: MappingRule[] = [];
  for (const r of spec.rules) {
    let dest = byUri.get(r.destUri);
    if (dest === undefined) {
      dest = await open(r.destUri, 'dest');
      byUri.set(r.destUri, dest);
      opened.push(dest);
    }
    mappings.push({ ...(r.name === undefined ? {} : { name: r.name }), sourcePrefix: r.sourcePrefix, dest, destPath: r.destPath });
  }
  return { source, mappings, close: async () => { for (const s of opened) await s.close(); } };
}

export function specOptions(spec: JobSpec): { kind: MigrationKind; preserve: PreserveKey[]; overwrite: OverwritePolicy; checksum: boolean; delete: boolean; maxDelete: number; include: string[]; exclude: string[]; identityMap?: IdentityMap; blockSize?: number } {
  return {
    kind: spec.kind, preserve: spec.preserve, overwrite: spec.overwrite, checksum: spec.checksum, delete: spec.delete,
    maxDelete: spec.maxDelete, include: spec.include, exclude: spec.exclude,
    ...(spec.identityMap === undefined ? {} : { identityMap: new Map(spec.identityMap) as IdentityMap }),
    ...(spec.blockSize === undefined ? {} : { blockSize: spec.blockSize }),
  };
}

/**
 * The queue of a job: one per destination account (the first mapping's host), so the planner's
 * per-account concurrency limit holds across every job and worker writing to that account.
 */
export function queueNameFor(spec: JobSpec, schemaVersion: number): string {
  const first = spec.rules[0]?.destUri ?? 'none';
  let host = first;
  try {
    host = new URL(first).host;
  } catch {
    // not a URL (a local path): one queue for local destinations
    host = 'local';
  }
  return `copy-v${schemaVersion}-${host.replace(/[^A-Za-z0-9]/g, '_')}`;
}
