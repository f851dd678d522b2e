import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Fault injection for tests and rehearsals. Counting is per injector (one per server).
 * On every `everyNth` request one fault of `kind`:
 * - `status`: answer 503 (or 429, 500) instead of handling; with Retry-After unless `retryAfterSeconds` is `null`
 * - `reset`: answer 200 headers and part of a body, then drop the connection (nothing is handled)
 * - `truncate`: handle the request (its effect happens) but drop the connection right after the
 *   response headers, so the client never learns the outcome
 * - `cut-request`: read half of the request body, then drop the connection (nothing is handled)
 * - `slow-body`: handle the request, sending each piece of the response `slowMs` apart
 * - `storm`: each of the kinds above in turn (status 500, 503 with and without Retry-After, reset,
 *   truncate, cut-request, slow-body)
 * Independently: `latencyMs` delays every request; `failOperation` answers 500 to every request whose
 * operation name equals it.
 */
export type FaultKind = 'status' | 'reset' | 'truncate' | 'cut-request' | 'slow-body' | 'storm';
const KINDS: readonly FaultKind[] = ['status', 'reset', 'truncate', 'cut-request', 'slow-body', 'storm'];

export interface FaultOptions {
  everyNth?: number;
  kind?: FaultKind;
  status?: 503 | 429 | 500;
  /** Seconds for Retry-After; `null` sends none. Default 1. */
  retryAfterSeconds?: number | null;
  latencyMs?: number;
  /** Gap between response pieces for `slow-body`; default 50 ms. */
  slowMs?: number;
  failOperation?: string;
}

/** What one request gets. `status` answers instead of handling; `reset` and `cut-request` drop it; `truncate` and `slow-body` handle it and then spoil the answer. */
export type FaultAction = 'none' | 'status' | 'reset' | 'truncate' | 'cut-request' | 'slow-body';

export interface FaultDecision {
  /** Delay before handling, in ms (0 for none). */
  delayMs: number;
  action: FaultAction;
  status: number;
  /** Seconds for Retry-After, or null for no Retry-After header. */
  retryAfterSeconds: number | null;
  slowMs: number;
}

export interface FaultInjector {
  readonly options: Readonly<FaultOptions>;
  /** Decides for one request; `operation` is the emulator's name for it (e.g. `APPEND`, `flush`). */
  decide(operation: string): FaultDecision;
  /** Counts of injected faults, for tests. */
  readonly injected: { status: number; reset: number; truncate: number; cutRequest: number; slowBody: number; failOperation: number };
}

/**
 * Parses `--faults` text such as `every=7,kind=status,status=503,retry-after=1,latency=5,fail-op=APPEND`
 * (`retry-after=none` sends no Retry-After; `kind=storm` cycles through every kind; `slow=MS`).
 */
export function parseFaultSpec(spec: string): FaultOptions {
  const out: FaultOptions = {};
  for (const part of spec.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const [rawKey, rawValue = ''] = part.split('=', 2);
    const key = (rawKey ?? '').toLowerCase();
    const num = (): number => {
      const n = Number(rawValue);
      if (rawValue === '' || !Number.isInteger(n) || n < 0) throw new Error(`Fault option '${key}' needs a whole number, got '${rawValue}'.`);
      return n;
    };
    switch (key) {
      case 'every': out.everyNth = num(); break;
      case 'kind': {
        const kind = KINDS.find((k) => k === rawValue);
        if (kind === undefined) throw new Error(`Fault kind must be one of ${KINDS.join(', ')}, got '${rawValue}'.`);
        out.kind = kind; break;
      }
      case 'status': {
        const s = num();
        if (s !== 503 && s !== 429 && s !== 500) throw new Error(`Fault status must be 503, 429 or 500, got '${rawValue}'.`);
        out.status = s; break;
      }
      case 'retry-after': out.retryAfterSeconds = rawValue === 'none' ? null : num(); break;
      case 'latency': out.latencyMs = num(); break;
      case 'slow': out.slowMs = num(); break;
      case 'fail-op': out.failOperation = rawValue; break;
      default: throw new Error(`Unknown fault option '${key}' (known: every, kind, status, retry-after, latency, slow, fail-op).`);
    }
  }
  return out;
}

/** The storm's cycle: every failure a client must survive, in turn. */
const STORM: readonly { action: FaultAction; status?: number; retryAfter?: 'none' }[] = [
  { action: 'status', status: 503 },
  { action: 'reset' },
  { action: 'truncate' },
  { action: 'status', status: 500, retryAfter: 'none' },
  { action: 'cut-request' },
  { action: 'slow-body' },
  { action: 'status', status: 503, retryAfter: 'none' },
];

export function createFaultInjector(options: FaultOptions = {}): FaultInjector {
  let count = 0;
  let stormStep = 0;
  const injected = { status: 0, reset: 0, truncate: 0, cutRequest: 0, slowBody: 0, failOperation: 0 };
  const retryAfter = options.retryAfterSeconds === undefined ? 1 : options.retryAfterSeconds;
  const count1 = (action: FaultAction): void => {
    if (action === 'status') injected.status++;
    else if (action === 'reset') injected.reset++;
    else if (action === 'truncate') injected.truncate++;
    else if (action === 'cut-request') injected.cutRequest++;
    else if (action === 'slow-body') injected.slowBody++;
  };
  return {
    options,
    injected,
    decide(operation: string): FaultDecision {
      count++;
      const base: FaultDecision = { delayMs: options.latencyMs ?? 0, action: 'none', status: 0, retryAfterSeconds: retryAfter, slowMs: options.slowMs ?? 50 };
      if (options.failOperation !== undefined && options.failOperation.toLowerCase() === operation.toLowerCase()) {
        injected.failOperation++;
        return { ...base, action: 'status', status: 500 };
      }
      if (options.everyNth === undefined || options.everyNth <= 0 || count % options.everyNth !== 0) return base;
      const kind = options.kind ?? 'status';
      if (kind === 'storm') {
        const step = STORM[stormStep++ % STORM.length] ?? { action: 'status' };
        count1(step.action);
        return { ...base, action: step.action, status: step.status ?? 0, retryAfterSeconds: step.retryAfter === 'none' ? null : retryAfter };
      }
      count1(kind);
      return { ...base, action: kind, status: kind === 'status' ? (options.status ?? 503) : 0 };
    },
  };
}

/**
 * Applies a decision that spoils a request before it is handled: `reset` and `cut-request` drop the
 * connection and return true (the caller must not handle the request). `truncate` and `slow-body`
 * patch the response and return false: the request is handled and its answer spoiled.
 */
export function applyConnectionFault(decision: FaultDecision, req: IncomingMessage, res: ServerResponse): boolean {
  switch (decision.action) {
    case 'reset':
      resetConnection(req, res);
      return true;
    case 'cut-request':
      cutRequestBody(req, res);
      return true;
    case 'truncate':
      truncateAfterHeaders(res);
      return false;
    case 'slow-body':
      slowResponse(res, decision.slowMs);
      return false;
    default:
      return false;
  }
}

/** Reads half of the declared request body (or nothing), then drops the connection. */
function cutRequestBody(req: IncomingMessage, res: ServerResponse): void {
  const declared = Number(req.headers['content-length'] ?? '0');
  const half = Number.isFinite(declared) ? Math.floor(declared / 2) : 0;
  let seen = 0;
  const cut = (): void => {
    req.removeAllListeners('data');
    res.socket?.destroy();
  };
  if (half === 0 || req.complete) {
    setImmediate(cut);
    return;
  }
  req.on('data', (chunk: Buffer) => {
    seen += chunk.length;
    if (seen >= half) cut();
  });
  req.once('end', cut);
}

/** Lets the handler run and send its headers, then drops the connection before any body byte. */
function truncateAfterHeaders(res: ServerResponse): void {
  const drop = (): void => {
    res.socket?.destroy();
  };
  const patched = res as unknown as { write: (...args: unknown[]) => boolean; end: (...args: unknown[]) => ServerResponse };
  // flushHeaders sends the stored header block (writeHead only stores it) and nothing of the body.
  patched.write = () => {
    res.flushHeaders();
    setImmediate(drop);
    return true;
  };
  patched.end = () => {
    res.flushHeaders();
    setImmediate(drop);
    return res;
  };
}

/** Sends the response in order but each piece `gapMs` after the previous one (a stalled, slow body). */
function slowResponse(res: ServerResponse, gapMs: number): void {
  const write = res.write.bind(res) as (chunk: unknown) => boolean;
  const end = res.end.bind(res) as (chunk?: unknown) => ServerResponse;
  let chain: Promise<void> = Promise.resolve();
  const later = (fn: () => void): void => {
    chain = chain.then(() => new Promise<void>((resolve) => setTimeout(() => {
      if (!res.destroyed) fn();
      resolve();
    }, gapMs)));
  };
  const pieces = (chunk: unknown): unknown[] => {
    if (typeof chunk === 'string') chunk = Buffer.from(chunk);
    if (!Buffer.isBuffer(chunk) || chunk.length <= 16 * 1024) return [chunk];
    const out: Buffer[] = [];
    for (let i = 0; i < chunk.length; i += 16 * 1024) out.push(chunk.subarray(i, i + 16 * 1024));
    return out;
  };
  const patched = res as unknown as { write: (chunk: unknown) => boolean; end: (chunk?: unknown) => ServerResponse };
  patched.write = (chunk: unknown) => {
    for (const piece of pieces(chunk)) later(() => void write(piece));
    return true;
  };
  patched.end = (chunk?: unknown) => {
    if (chunk !== undefined && chunk !== null && typeof chunk !== 'function') for (const piece of pieces(chunk)) later(() => void write(piece));
    later(() => void end());
    return res;
  };
}

/**
 * Applies a reset decision: starts a response and destroys the socket mid-body, as a dropped
 * connection looks to a client. The request body is drained first so the client sees the reset
 * while reading the answer.
 */
export function resetConnection(req: IncomingMessage, res: ServerResponse): void {
  req.resume();
  const kill = (): void => {
    res.writeHead(200, { 'Content-Length': '1048576', 'Content-Type': 'application/octet-stream' });
    res.write(Buffer.alloc(512));
    setImmediate(() => res.socket?.destroy());
  };
  if (req.complete) kill();
  else req.once('end', kill).once('error', () => res.socket?.destroy());
}
