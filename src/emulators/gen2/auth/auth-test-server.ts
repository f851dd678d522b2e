/**
 * Test helper: a loopback HTTP server that runs `authenticate` on every request exactly as received from
 * the official SDKs and records the outcome, answering with the success status each operation expects so
 * multi-step SDK calls (create, append, flush) proceed. Used only by the auth unit tests.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { accountFromAuthorization, authenticate } from './index.js';
import type { AuthContext, AuthRequest, AuthResult } from './types.js';

export interface Recorded {
  request: AuthRequest;
  context: AuthContext;
  result: AuthResult;
}

export interface AuthTestServer {
  url: string;
  records: Recorded[];
  /** Context fields applied to every request (keys, permission, clock...). */
  base: Omit<AuthContext, 'account' | 'filesystem' | 'path'>;
  close(): Promise<void>;
}

/**
 * Builds the context a path-style emulator derives from `/{account}/{fs}/{path}`; when the first segment
 * is no known account (the JS SDK's `move()` drops it), the account comes from the Authorization header.
 */
export function contextFor(rawUrl: string, base: Omit<AuthContext, 'account' | 'filesystem' | 'path'>, headers: AuthRequest['headers'] = {}): AuthContext {
  const path = rawUrl.split('?')[0] ?? '/';
  const segments = path.split('/').slice(1).map((s) => decodeURIComponent(s));
  const signer = accountFromAuthorization(headers);
  if (!base.accounts.has(segments[0] ?? '') && signer !== undefined) segments.unshift(signer);
  const [account = '', fs, ...rest] = segments;
  const context: AuthContext = { ...base, account };
  if (fs !== undefined && fs !== '') context.filesystem = fs;
  if (rest.length > 0 && rest.join('/') !== '') context.path = rest.join('/');
  return context;
}

function successStatus(req: IncomingMessage): number {
  const url = req.url ?? '';
  if (req.method === 'PUT') return 201;
  if (req.method === 'PATCH') return url.includes('action=append') ? 202 : 200;
  if (req.method === 'DELETE') return url.includes('restype=container') ? 202 : 200;
  return 200;
}

/** Starts the recording server on 127.0.0.1 and a free port. */
export async function startAuthTestServer(base: AuthTestServer['base']): Promise<AuthTestServer> {
  const records: Recorded[] = [];
  const state: AuthTestServer = { url: '', records, base, close: async () => undefined };
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const request: AuthRequest = { method: req.method ?? 'GET', rawUrl: req.url ?? '/', headers: req.headers, secure: false };
      const context = contextFor(request.rawUrl, state.base, request.headers);
      const result = authenticate(request, context);
      records.push({ request, context, result });
      if (result.ok) {
        res.writeHead(successStatus(req), { 'content-length': '0', 'x-ms-request-id': 'test' });
      } else {
        res.writeHead(result.status, { 'content-length': '0', 'x-ms-error-code': result.code });
      }
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  state.url = `http://127.0.0.1:${port}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}
