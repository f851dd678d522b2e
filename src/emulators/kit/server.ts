import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface ListenOptions {
  /** Port to listen on; 0 picks a free one. */
  port: number;
  /** Address to bind; default 127.0.0.1 (never all interfaces unless asked). */
  host?: string;
  /** PEM certificate and key paths for HTTPS. */
  certPath?: string;
  keyPath?: string;
}

export interface RunningServer {
  server: Server;
  /** Base URL, e.g. `http://127.0.0.1:43111`. */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Starts an HTTP(S) server for an emulator and resolves once it listens. */
export async function listen(handler: RequestHandler, options: ListenOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const tls = options.certPath !== undefined && options.keyPath !== undefined;
  const server: Server = tls
    ? createHttpsServer({ cert: readFileSync(options.certPath as string), key: readFileSync(options.keyPath as string) }, handler)
    : createHttpServer(handler);
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  const url = `${tls ? 'https' : 'http'}://${shownHost}:${port}`;
  return {
    server,
    url,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
