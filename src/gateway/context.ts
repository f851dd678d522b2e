import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import { baseName, type Entry } from '../core/entry.js';
import { formatOctalMode } from '../core/acl.js';
import type { Store } from '../core/store.js';
import { TIME_PROPERTIES } from '../engine/metadata.js';
import type { Caller } from './auth.js';
import { badRequest, Gen1Failure } from './gen1-errors.js';
import type { PathMapper, Resolved } from './mapping.js';
import { displayPath, parseGen1Path, type Gen1Target } from './request.js';

/** What an operation handler answers; the server writes it (JSON bodies with a Content-Length). */
export interface Gen1Reply {
  status: number;
  /** Serialized JSON body. */
  json?: string;
  /** Raw bytes (OPEN). */
  stream?: AsyncIterable<Uint8Array>;
  headers?: Record<string, string>;
}

export interface GatewayState {
  mapper: PathMapper;
  /** The store a caller acts on for a rule (its own identity when its token's audience is storage). */
  storeFor(caller: Caller, store: Store): Store;
  locks: KeyedLock;
  /** Largest CREATE/APPEND body, bytes (Gen1: 4 MiB). */
  maxAppendBytes: number;
  /** Object IDs allowed to change owners (SETOWNER); empty = every authenticated caller. */
  superusers: ReadonlySet<string>;
  logger: Logger;
  now(): number;
}

export interface OpContext {
  state: GatewayState;
  op: string;
  target: Gen1Target;
  /** The request path as Gen1 shows it ('/a/b'). */
  gen1Path: string;
  resolved: Resolved;
  caller: Caller;
  body: Readable;
  /** The Location header value of CREATE (the request URL). */
  requestUrl: string;
}

/** A mapped path and the store the caller acts on; virtual and unmapped paths are refused. */
export function mappedOrThrow(ctx: OpContext, resolved: Resolved = ctx.resolved, gen1Path: string = ctx.gen1Path): { store: Store; path: string } {
  if (resolved.kind === 'mapped') return { store: ctx.state.storeFor(ctx.caller, resolved.store), path: resolved.path };
  if (resolved.kind === 'virtual') {
    throw new Gen1Failure('AccessControlException', `${ctx.op} failed: '${gen1Path}' is a directory the gateway derives from its --map rules; it cannot be changed (write inside a mapped prefix).`);
  }
  throw new Gen1Failure('FileNotFoundException', `${ctx.op} failed: File/Folder does not exist: ${gen1Path} (no --map rule covers it).`);
}

/** Resolves another Gen1 path given as a parameter (RENAME destination, CONCAT sources). */
export function resolveParamPath(ctx: OpContext, text: string): { segments: string[]; resolved: Resolved; gen1Path: string } {
  // Query values are already decoded by URLSearchParams; Python sends the destination without a leading '/'.
  const segments = parseGen1Path(text, true);
  return { segments, resolved: ctx.state.mapper.resolve(segments), gen1Path: displayPath(segments) };
}

export async function readBody(ctx: OpContext): Promise<Buffer> {
  const parts: Buffer[] = [];
  let total = 0;
  for await (const chunk of ctx.body) {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    total += b.length;
    if (total > ctx.state.maxAppendBytes) {
      throw badRequest(`${ctx.op} body is larger than ${ctx.state.maxAppendBytes} bytes; Gen1 accepts at most 4 MB per request: send the rest with APPEND.`);
    }
    parts.push(b);
  }
  return Buffer.concat(parts, total);
}

export function jsonReply(value: unknown, status = 200): Gen1Reply {
  return { status, json: JSON.stringify(value) };
}

export const emptyReply = (status = 200): Gen1Reply => ({ status });

/** A FileStatus object in the service's key order; `suffix` is '' for GETFILESTATUS, the name in listings. */
export function fileStatus(entry: Entry, suffix: string, props?: Record<string, string>): Record<string, unknown> {
  const keptMtime = Number(props?.[TIME_PROPERTIES.mtime]);
  const keptAtime = Number(props?.[TIME_PROPERTIES.atime]);
  const mtime = Number.isFinite(keptMtime) && keptMtime > 0 ? keptMtime : entry.mtimeMs;
  const atime = Number.isFinite(keptAtime) && keptAtime > 0 ? keptAtime : (entry.atimeMs ?? mtime);
  const isFile = entry.kind === 'file';
  const out: Record<string, unknown> = {
    length: isFile ? entry.size : 0,
    pathSuffix: suffix,
    type: isFile ? 'FILE' : 'DIRECTORY',
    blockSize: isFile ? 268435456 : 0,
    accessTime: atime,
    modificationTime: mtime,
    replication: isFile ? 1 : 0,
    permission: formatOctalMode(entry.permissions ?? 0o770),
    owner: entry.owner ?? '',
    group: entry.group ?? '',
  };
  if (isFile) {
    const kept = Number(props?.[TIME_PROPERTIES.expiry]);
    out['msExpirationTime'] = Number.isFinite(kept) && kept > 0 ? kept : (entry.expiryMs ?? 0);
  }
  out['aclBit'] = entry.hasAcl === true;
  return out;
}

/** A virtual directory's status (an ancestor of --map prefixes). */
export function virtualStatus(suffix: string, nowMs: number): Record<string, unknown> {
  return { length: 0, pathSuffix: suffix, type: 'DIRECTORY', blockSize: 0, accessTime: nowMs, modificationTime: nowMs, replication: 0, permission: '755', owner: '', group: '', aclBit: false };
}

export { baseName };

/** Serialises async work per key (one writer per file; concurrent appends in arrival order). */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release: () => void = () => undefined;
    const mine = new Promise<void>((r) => {
      release = r;
    });
    const tail = previous.then(() => mine);
    this.tails.set(key, tail);
    await previous;
    try {
      return await fn();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}
