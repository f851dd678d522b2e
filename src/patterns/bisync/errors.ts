/**
 * Why a bisync run stopped before writing anything. The CLI maps `kind` to an exit code:
 * guard -> 6, needs-resync -> 7, locked/lease-lost/listing -> 1 (retry later).
 */
export type BisyncStopKind = 'guard' | 'needs-resync' | 'locked' | 'lease-lost' | 'listing';

export class BisyncStop extends Error {
  constructor(
    readonly kind: BisyncStopKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'BisyncStop';
  }
}

export function isBisyncStop(error: unknown, kind?: BisyncStopKind): error is BisyncStop {
  return error instanceof BisyncStop && (kind === undefined || error.kind === kind);
}
