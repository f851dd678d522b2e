/** Tuning for memory stores. All optional; the defaults mimic a Gen2 account reached with a Shared Key. */
export interface MemoryStoreOptions {
  /** Owner and group of new items (default `$superuser`). */
  owner?: string;
  group?: string;
  /**
   * Umask applied to new items created without explicit permissions when the parent has no default ACL
   * (default 0o027, Gen2's REST default). Explicit `permissions` are kept as given.
   */
  umask?: number;
  /** Largest chunk one writer.write() call accepts (default 64 MiB). */
  maxChunkSize?: number;
}

export interface ResolvedMemoryOptions {
  owner: string;
  group: string;
  umask: number;
  maxChunkSize: number;
}

/** Fills in the defaults. */
export function resolveMemoryOptions(options: MemoryStoreOptions = {}): ResolvedMemoryOptions {
  return {
    owner: options.owner ?? '$superuser',
    group: options.group ?? '$superuser',
    umask: (options.umask ?? 0o027) & 0o777,
    maxChunkSize: options.maxChunkSize ?? 64 * 1024 * 1024,
  };
}
