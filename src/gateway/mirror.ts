import type { Readable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { Pool, type Dispatcher } from 'undici';
import type { Store } from '../core/store.js';
import { Applier } from './applier.js';
import { Gen1Failure, toGen1Failure } from './gen1-errors.js';
import { sendFailure, startFront, type FrontOptions, type RunningFront } from './http-front.js';
import type { IntentTicket, Journal } from './journal.js';
import { PathMapper, type GatewayRule } from './mapping.js';
import { findOperation } from './operations.js';
import { parseGen1Path, parseGen1Url } from './request.js';

/**
 * `gateway mirror`: the dual pipeline. Every request goes to Gen1 unchanged (the caller's token too),
 * and Gen1's answer is what the caller sees: Gen1 stays the system of record. Before a change is
 * forwarded, an intent naming its paths is written to the journal (job database); after Gen1 answers,
 * the applier brings Gen2's copy of those paths to Gen1's state in the background. The only cost on a
 * Gen1 write is that one journal insert (and one update): a slow or absent Gen2 never delays nor fails
 * it, it only grows the journal, which drains when Gen2 is back.
 */

export interface MirrorOptions extends FrontOptions {
  /** Gen1 origin requests are forwarded to, e.g. https://ACCOUNT.azuredatalakestore.net or http://127.0.0.1:P. */
  gen1Endpoint: string;
  /** Gen1 at its root, with the mirror's own credential: the applier reads Gen1's state through it. */
  gen1: Store;
  /** Where Gen1 paths live in Gen2 (the migrate --map rules). */
  rules: GatewayRule[];
  journal: Journal;
  /** Journal key of this Gen1 -> Gen2 pair (default: the two display URIs). */
  pair?: string;
  logger?: Logger;
  /** undici dispatcher for Gen1 (e.g. an Agent trusting a private CA). */
  gen1Dispatcher?: Dispatcher;
  /** Do not apply intents (they stay in the journal): tests of crash recovery. */
  holdApplier?: boolean;
  retryBaseMs?: number;
  retryMaxMs?: number;
  pollMs?: number;
}

export interface Mirror extends RunningFront {
  pair: string;
  applier: Applier;
}

const HOP_HEADERS = new Set(['host', 'connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'te', 'trailer']);

/** The Gen1 paths an operation changes (store-relative), from its URL; `sources` for MSCONCAT bodies. */
export function changedPaths(op: string, segments: string[], query: Map<string, string>, sources: string[] = []): { op: string; path: string; path2: string }[] {
  const path = segments.join('/');
  const out = [{ op, path, path2: '' }];
  if (op === 'RENAME') {
    const dest = query.get('destination');
    if (dest !== undefined) out[0] = { op, path, path2: parseGen1Path(dest, true).join('/') };
  }
  if (op === 'CONCAT') sources.push(...(query.get('sources') ?? '').split(',').filter((s) => s !== ''));
  for (const s of sources) out.push({ op: 'DELETE', path: parseGen1Path(s, true).join('/'), path2: '' });
  return out;
}

function msconcatSources(body: Buffer): string[] {
  const text = body.toString('utf8').trim();
  try {
    if (text.startsWith('{')) {
      const list = (JSON.parse(text) as { sources?: unknown }).sources;
      return Array.isArray(list) ? list.filter((s): s is string => typeof s === 'string') : [];
    }
    const m = /^sources=(.*)$/s.exec(text);
    return m?.[1] === undefined ? [] : decodeURIComponent(m[1]).split(',').filter((s) => s !== '');
  } catch {
    return [];
  }
}

async function readAll(stream: Readable, limit: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const c of stream) {
    const b = Buffer.isBuffer(c) ? c : Buffer.from(c as Uint8Array);
    n += b.length;
    if (n > limit) throw new Gen1Failure('IllegalArgumentException', `The request body is larger than ${limit} bytes.`);
    parts.push(b);
  }
  return Buffer.concat(parts, n);
}

export async function startMirror(options: MirrorOptions): Promise<Mirror> {
  const logger = options.logger ?? pino({ level: 'silent' });
  const pair = options.pair ?? `${options.gen1.displayUri} -> ${[...new Set(options.rules.map((r) => r.store.displayUri))].join(' ')}`;
  const mapper = new PathMapper(options.rules);
  const journal = options.journal;
  let inFlight = 0;
  let lastActivity = 0;
  const recovered = await journal.recoverPending(pair);
  if (recovered > 0) logger.info({ recovered }, 'mirror.recovered_intents');
  const applier = new Applier({
    gen1: options.gen1, mapper, journal, pair, logger,
    ...(options.retryBaseMs === undefined ? {} : { retryBaseMs: options.retryBaseMs }),
    ...(options.retryMaxMs === undefined ? {} : { retryMaxMs: options.retryMaxMs }),
    ...(options.pollMs === undefined ? {} : { pollMs: options.pollMs }),
    // Busy while a request is in flight or one ended less than 5 ms ago (back-to-back requests leave no idle time).
    busy: () => inFlight > 0 || performance.now() - lastActivity < 5,
  });
  const origin = options.gen1Endpoint.replace(/\/+$/, '');
  // One keep-alive pool to the one Gen1 origin (no per-request agent lookup); pipelining stays off.
  const ownAgent = options.gen1Dispatcher === undefined ? new Pool(origin, { keepAliveTimeout: 30_000, connections: 64 }) : undefined;
  const dispatcher: Dispatcher = options.gen1Dispatcher ?? ownAgent ?? new Pool(origin);
  const originUrl = new URL(origin);
  const basePath = originUrl.pathname.replace(/\/+$/, '');
  let selfOrigin = '';

  const front = await startFront(options, async (req, reply, requestId) => {
    const raw = req.raw;
    const url = raw.url ?? '/';
    const method = raw.method ?? 'GET';
    let op = '';
    let ticket: IntentTicket | undefined;
    let journalled = false;
    // Gen1 has answered (or failed): the intents become ready, whatever it did; its state is what the applier copies.
    const settleIntents = async (): Promise<void> => {
      if (ticket === undefined || journalled) return;
      journalled = true;
      await journal.settle(ticket);
      if (options.holdApplier !== true) applier.kick();
    };
    inFlight++;
    let counted = true;
    const settle = (): void => {
      if (counted) inFlight--;
      counted = false;
      lastActivity = performance.now();
    };
    try {
      let target;
      try {
        target = parseGen1Url(url);
      } catch {
        target = undefined; // Gen1 answers what the gateway cannot parse.
      }
      op = (target?.query.get('op') ?? '').toUpperCase();
      const known = findOperation(op);
      const mutates = target !== undefined && (known?.mutates ?? method !== 'GET');
      let body: Readable | Buffer | undefined = method === 'GET' || method === 'HEAD' ? undefined : raw;
      // Gen1 bodies are at most 4 MB: a known small body goes as one buffer (fewer ticks than a stream).
      const declared = Number(raw.headers['content-length'] ?? NaN);
      if (body !== undefined && Number.isSafeInteger(declared) && declared <= 4 * 1024 * 1024 && op !== 'MSCONCAT') body = await readAll(raw, declared);
      if (mutates && target !== undefined) {
        let sources: string[] = [];
        if (op === 'MSCONCAT') {
          body = await readAll(raw, 1024 * 1024);
          sources = msconcatSources(body);
        }
        try {
          ticket = await journal.logIntents(pair, changedPaths(op, target.segments, target.query, sources));
        } catch (error) {
          // No intent, no write: a change Gen1 took without a journal line could be missed by the
          // applier for good. The client gets a retriable Gen1 error and Gen1 is left untouched.
          logger.error({ requestId, op, error: error instanceof Error ? error.message : String(error) }, 'mirror.journal_full');
          throw new Gen1Failure('IOException', `The mirror could not record this change in its journal (${(error as { code?: string }).code ?? (error instanceof Error ? error.message : String(error))}), so it was not sent to Gen1; free space for the gateway's --state-dir and retry.`, 503);
        }
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(raw.headers)) if (!HOP_HEADERS.has(k) && typeof v === 'string') headers[k] = v;
      const res = await dispatcher.request({
        origin: originUrl.origin, path: `${basePath}${url}`, method: method as Dispatcher.HttpMethod, headers,
        ...(body === undefined ? {} : { body }),
      });
      const out: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.headers)) {
        if (HOP_HEADERS.has(k) || v === undefined) continue;
        out[k] = Array.isArray(v) ? v.join(', ') : v;
      }
      // Generic WebHDFS clients follow Gen1's 307 to itself: keep them on the mirror.
      const location = out['location'];
      if (location !== undefined && location.startsWith(origin)) out['location'] = `${selfOrigin}${location.slice(origin.length)}`;
      // A small answer (every JSON answer, small reads) goes as one buffer: fewer ticks than piping a stream.
      const answerLength = Number(res.headers['content-length'] ?? NaN);
      const payload = Number.isSafeInteger(answerLength) && answerLength <= 256 * 1024 ? Buffer.from(await res.body.arrayBuffer()) : res.body;
      reply.code(res.statusCode).headers(out).send(payload);
      // Gen1 has answered: whatever it did, the paths' state is now Gen1's to read.
      if (!reply.raw.writableFinished) {
        await new Promise<void>((resolve) => {
          reply.raw.once('finish', resolve);
          reply.raw.once('close', resolve);
        });
      }
      settle();
      await settleIntents();
    } catch (error) {
      raw.resume();
      await settleIntents().catch((e: unknown) => logger.error({ requestId, op, error: e instanceof Error ? e.message : String(e) }, 'mirror.journal_failed'));
      if (reply.sent) return;
      const failure = error instanceof Gen1Failure ? error : toGen1Failure(new Gen1Failure('IOException', `Gen1 could not be reached through the mirror: ${error instanceof Error ? error.message : String(error)}`), op, '', requestId);
      logger.warn({ requestId, op, error: failure.message }, 'mirror.forward_failed');
      sendFailure(reply, failure, requestId);
    } finally {
      settle();
    }
  });
  selfOrigin = front.url;
  if (options.holdApplier !== true) applier.start();
  return {
    ...front,
    pair,
    applier,
    close: async () => {
      await front.close();
      await applier.stop();
      await ownAgent?.close();
    },
  };
}
