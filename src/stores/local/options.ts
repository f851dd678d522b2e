/** Tuning for local stores. All optional. */
export interface LocalStoreOptions {
  /** Largest chunk one writer.write() call accepts (default 100 MiB). */
  maxChunkSize?: number;
  /** fsync files (and their directory) at commit (default true; tests may turn it off for speed). */
  fsync?: boolean;
}

export interface ResolvedLocalOptions {
  maxChunkSize: number;
  fsync: boolean;
}

/** Fills in the defaults. */
export function resolveLocalOptions(options: LocalStoreOptions = {}): ResolvedLocalOptions {
  return { maxChunkSize: options.maxChunkSize ?? 100 * 1024 * 1024, fsync: options.fsync ?? true };
}
