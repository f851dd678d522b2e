import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import { Readable } from 'node:stream';
import { Gen1Failure, newRequestId, remoteExceptionBody } from './gen1-errors.js';

/**
 * The gateway's HTTP(S) front on bare node:http: every request goes to one handler (WebHDFS
 * dispatches on `?op=`, not on the path, so there is nothing to route), request bodies stay unread
 * for the handler to stream, and every refusal of the front itself is rendered in Gen1's shape.
 *
 * Why not Fastify (which the dashboard uses): on this path it did no work the gateway needs (one
 * catch-all route, no parsing, no schemas) and its hook chain, reply object and router cost a
 * measurable share of the gateway's CPU per request (profile in docs/gateway.md).
 */

export interface FrontOptions {
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  certPath?: string;
  keyPath?: string;
}

export interface RunningFront {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** The request as handlers see it: the node request, unread. */
export interface FrontRequest {
  raw: IncomingMessage;
}

/**
 * A response being built: status and headers, then one `send` (a string or buffer is sent with its
 * Content-Length; a stream is piped, and a stream that fails mid-way cuts the connection so the
 * client sees a broken answer, never a short one passing for whole).
 */
export class FrontReply {
  private status = 200;
  private readonly head: Record<string, string> = {};

  constructor(readonly raw: ServerResponse) {}

  /** True once the answer's headers are on their way. */
  get sent(): boolean {
    return this.raw.headersSent;
  }

  code(status: number): this {
    this.status = status;
    return this;
  }

  header(name: string, value: string): this {
    this.head[name] = value;
    return this;
  }

  headers(values: Record<string, string>): this {
    Object.assign(this.head, values);
    return this;
  }

  send(payload?: string | Buffer | Readable): void {
    const res = this.raw;
    if (res.headersSent) return;
    if (payload instanceof Readable) {
      res.writeHead(this.status, this.head);
      payload.on('error', () => res.destroy());
      res.on('close', () => {
        if (!payload.destroyed) payload.destroy();
      });
      payload.pipe(res);
      return;
    }
    const body = payload ?? '';
    if (!Object.keys(this.head).some((k) => k.toLowerCase() === 'content-length')) {
      this.head['Content-Length'] = String(typeof body === 'string' ? Buffer.byteLength(body) : body.length);
    }
    res.writeHead(this.status, this.head);
    res.end(body);
  }
}

export type FrontHandler = (req: FrontRequest, reply: FrontReply, requestId: string) => Promise<void>;

/** Headers every Gen1 response carries. */
export function gen1Headers(requestId: string): Record<string, string> {
  return {
    'x-ms-request-id': requestId,
    'x-ms-webhdfs-version': '17.04.24.00',
    'Cache-Control': 'no-cache, no-cache, no-store, max-age=0',
    Expires: '-1',
    Pragma: 'no-cache',
    'X-Content-Type-Options': 'nosniff',
  };
}

/** Sends a Gen1 error (JSON with a Content-Length: the Java client reads error bodies only then). */
export function sendFailure(reply: FrontReply, failure: Gen1Failure, requestId: string): void {
  const body = remoteExceptionBody(failure, requestId);
  reply.code(failure.status).headers(gen1Headers(requestId)).header('Content-Type', 'application/json; charset=utf-8').send(body);
}

const WEBHDFS_METHODS = new Set(['GET', 'PUT', 'POST', 'DELETE', 'HEAD', 'PATCH', 'OPTIONS']);

export async function startFront(options: FrontOptions, handler: FrontHandler): Promise<RunningFront> {
  if ((options.certPath === undefined) !== (options.keyPath === undefined)) throw new Error('HTTPS needs both a certificate and a key.');
  const https = options.certPath !== undefined && options.keyPath !== undefined ? { cert: readFileSync(options.certPath), key: readFileSync(options.keyPath) } : null;
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const reply = new FrontReply(res);
    const requestId = newRequestId();
    if (!WEBHDFS_METHODS.has(req.method ?? '')) {
      // Methods outside WebHDFS (MKCOL, TRACE, ...) get Gen1's error shape too.
      req.resume();
      sendFailure(reply, new Gen1Failure('IllegalArgumentException', `HTTP method ${req.method ?? ''} is not part of the WebHDFS API; use GET, PUT, POST or DELETE.`), requestId);
      return;
    }
    handler({ raw: req }, reply, requestId).catch((error: unknown) => {
      req.resume();
      if (reply.sent) {
        res.destroy();
        return;
      }
      sendFailure(reply, new Gen1Failure('IllegalArgumentException', `The request was refused: ${error instanceof Error ? error.message : String(error)}`), requestId);
    });
  };
  const server: Server = https === null ? createHttpServer(onRequest) : createHttpsServer(https, onRequest);
  server.keepAliveTimeout = 65_000;
  server.requestTimeout = 0;
  // A request line or header block node cannot parse: answered in Gen1's shape, then the connection closes.
  server.on('clientError', (error: Error, socket: Socket) => {
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    const requestId = newRequestId();
    const body = remoteExceptionBody(new Gen1Failure('IllegalArgumentException', `The request cannot be parsed: ${error.message}`), requestId);
    const head = Object.entries({ ...gen1Headers(requestId), 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(Buffer.byteLength(body)), Connection: 'close' }).map(([k, v]) => `${k}: ${v}`).join('\r\n');
    socket.end(`HTTP/1.1 400 Bad Request\r\n${head}\r\n\r\n${body}`);
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `${https === null ? 'http' : 'https'}://${shown}:${port}`,
    port,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await closed;
    },
  };
}
