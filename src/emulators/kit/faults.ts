import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Fault injection for tests and rehearsals. Counting is per injector (one per server).
 * - `status`: answer 503 (or 429) with Retry-After on every `everyNth` request
 * - `reset`: destroy the connection mid-response on every `everyNth` request
 * - `latencyMs`: delay every request
 * - `failOperation`: answer 500 to every request whose operation name equals it
 */
export interface FaultOptions {
  everyNth?: number;
  kind?: 'status' | 'reset';
  status?: 503 | 429 | 500;
  retryAfterSeconds?: number;
  latencyMs?: number;
  failOperation?: string;
}

export interface FaultDecision {
  /** Delay before handling, in ms (0 for none). */
  delayMs: number;
  /** What to do instead of handling the request, if anything. */
  action: 'none' | 'status' | 'reset';
  status: number;
  retryAfterSeconds: number;
}

export interface FaultInjector {
  readonly options: Readonly<FaultOptions>;
  /** Decides for one request; `operation` is the emulator's name for it (e.g. `APPEND`, `flush`). */
  decide(operation: string): FaultDecision;
  /** Counts of injected faults, for tests. */
  readonly injected: { status: number; reset: number; failOperation: number };
}

/** Parses `--faults` text such as `every=7,kind=status,status=503,retry-after=1,latency=5,fail-op=APPEND`. */
export function parseFaultSpec(spec: string): FaultOptions {
  const out: FaultOptions = {};
  for (const part of spec.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const [rawKey, rawValue = ''] = part.split('=', 2);
    const key = (rawKey ?? '').toLowerCase();
    const num = (): number => {
      const n = Number(rawValue);
      if (!Number.isInteger(n) || n < 0) throw new Error(`Fault option '${key}' needs a whole number, got '${rawValue}'.`);
      return n;
    };
    switch (key) {
      case 'every': out.everyNth = num(); break;
      case 'kind':
        if (rawValue !== 'status' && rawValue !== 'reset') throw new Error(`Fault kind must be status or reset, got '${rawValue}'.`);
        out.kind = rawValue; break;
      case 'status': {
        const s = num();
        if (s !== 503 && s !== 429 && s !== 500) throw new Error(`Fault status must be 503, 429 or 500, got '${rawValue}'.`);
        out.status = s; break;
      }
      case 'retry-after': out.retryAfterSeconds = num(); break;
      case 'latency': out.latencyMs = num(); break;
      case 'fail-op': out.failOperation = rawValue; break;
      default: throw new Error(`Unknown fault option '${key}' (known: every, kind, status, retry-after, latency, fail-op).`);
    }
  }
  return out;
}

export function createFaultInjector(options: FaultOptions = {}): FaultInjector {
  let count = 0;
  const injected = { status: 0, reset: 0, failOperation: 0 };
  return {
    options,
    injected,
    decide(operation: string): FaultDecision {
      count++;
      const base: FaultDecision = { delayMs: options.latencyMs ?? 0, action: 'none', status: 0, retryAfterSeconds: options.retryAfterSeconds ?? 1 };
      if (options.failOperation !== undefined && options.failOperation.toLowerCase() === operation.toLowerCase()) {
        injected.failOperation++;
        return { ...base, action: 'status', status: 500 };
      }
      if (options.everyNth !== undefined && options.everyNth > 0 && count % options.everyNth === 0) {
        if ((options.kind ?? 'status') === 'reset') {
          injected.reset++;
          return { ...base, action: 'reset' };
        }
        injected.status++;
        return { ...base, action: 'status', status: options.status ?? 503 };
      }
      return base;
    },
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
