import { readFileSync } from 'node:fs';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { Gen1Failure, newRequestId, remoteExceptionBody } from './gen1-errors.js';

/**
 * The gateway's HTTP(S) front on Fastify 5: one catch-all route (WebHDFS dispatches on `?op=`, not on
 * the path, so an operation table beats the router), request bodies left unread for the handler to
 * stream, Gen1's response headers, and every framework error rendered in Gen1's shape.
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

export type FrontHandler = (req: FastifyRequest, reply: FastifyReply, requestId: string) => Promise<void>;

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
export function sendFailure(reply: FastifyReply, failure: Gen1Failure, requestId: string): void {
  const body = remoteExceptionBody(failure, requestId);
  void reply.code(failure.status).headers(gen1Headers(requestId)).header('Content-Type', 'application/json; charset=utf-8').send(body);
}

export async function startFront(options: FrontOptions, handler: FrontHandler): Promise<RunningFront> {
  if ((options.certPath === undefined) !== (options.keyPath === undefined)) throw new Error('HTTPS needs both a certificate and a key.');
  const https = options.certPath !== undefined && options.keyPath !== undefined ? { cert: readFileSync(options.certPath), key: readFileSync(options.keyPath) } : null;
  const app = Fastify({
    ...(https === null ? {} : { https }),
    logger: false,
    exposeHeadRoutes: false,
    keepAliveTimeout: 65_000,
    requestTimeout: 0,
    routerOptions: { maxParamLength: 65_535 },
    frameworkErrors: (error, req, reply) => {
      sendFailure(reply, new Gen1Failure('IllegalArgumentException', `The request cannot be parsed: ${error.message}`), newRequestId());
    },
  });
  // Bodies stay unread: handlers stream or buffer them with their own limits.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_req, _payload, done) => done(null, undefined));
  app.route({
    method: ['GET', 'PUT', 'POST', 'DELETE', 'HEAD', 'PATCH', 'OPTIONS'],
    url: '*',
    handler: async (req, reply) => {
      await handler(req, reply, newRequestId());
      return reply;
    },
  });
  app.setErrorHandler((error, _req, reply) => {
    sendFailure(reply, new Gen1Failure('IllegalArgumentException', `The request was refused: ${error instanceof Error ? error.message : String(error)}`), newRequestId());
  });
  const host = options.host ?? '127.0.0.1';
  await app.listen({ port: options.port ?? 0, host });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `${https === null ? 'http' : 'https'}://${shown}:${port}`,
    port,
    close: async () => {
      await app.close();
    },
  };
}
