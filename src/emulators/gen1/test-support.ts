/**
 * Raw-HTTP helpers for the Gen1 emulator's protocol tests (plain fetch, no lakeshift client code).
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { GEN1_AUDIENCE, mintToken } from '../kit/jwt.js';

export interface RawResponse {
  status: number;
  headers: Headers;
  text: string;
  /** Parsed JSON body, undefined when the body is not JSON. */
  json: unknown;
}

export interface RawCall {
  method: string;
  /** Path under /webhdfs/v1 (already encoded as the test wants it). */
  path: string;
  /** Raw query string without '?'. */
  query: string;
  body?: Uint8Array | string;
  headers?: Record<string, string>;
  /** Token override; null sends no Authorization header. */
  token?: string | null;
  /** Prefix override, default '/webhdfs/v1'. */
  prefix?: string;
}

/** Mints a Gen1 token for `oid` (optionally with groups). */
export function tokenFor(oid: string, groups?: string[]): string {
  return mintToken({ oid, audience: GEN1_AUDIENCE, ...(groups === undefined ? {} : { groups }) });
}

/** Makes a caller bound to an emulator URL and default token. */
export function rawClient(baseUrl: string, defaultToken: string): (call: RawCall) => Promise<RawResponse> {
  return async (call) => {
    const token = call.token === undefined ? defaultToken : call.token;
    const headers: Record<string, string> = { ...(call.headers ?? {}) };
    if (token !== null) headers['Authorization'] = `Bearer ${token}`;
    const res = await fetch(`${baseUrl}${call.prefix ?? '/webhdfs/v1'}${call.path}?${call.query}`, {
      method: call.method,
      headers,
      redirect: 'manual',
      ...(call.body === undefined ? {} : { body: call.body }),
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, text, json };
  };
}

/** The RemoteException of an error response, or undefined. */
export function remoteException(r: RawResponse): { exception: string; message: string; javaClassName: string } | undefined {
  const body = r.json as { RemoteException?: { exception: string; message: string; javaClassName: string } } | undefined;
  return body?.RemoteException;
}

/** Sends a request with the path exactly as given (no client-side URL normalization, unlike fetch). */
export async function rawPathRequest(baseUrl: string, method: string, rawPath: string, token: string): Promise<RawResponse> {
  const { request } = await import('node:http');
  const u = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, method, path: rawPath, headers: { Authorization: `Bearer ${token}` } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const headers = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') headers.set(k, v);
        let json: unknown;
        try {
          json = text === '' ? undefined : JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers, text, json });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** Whether openssl is on PATH (the HTTPS suites need it for a self-signed certificate). */
export function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Writes `${prefix}key.pem` and `${prefix}cert.pem` (CN and SAN 127.0.0.1) into dir. */
export function selfSignedCert(dir: string, prefix = ''): { key: string; cert: string } {
  const key = join(dir, `${prefix}key.pem`);
  const cert = join(dir, `${prefix}cert.pem`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' });
  return { key, cert };
}

/** The Python interpreter that has azure-datalake-store (Debian python3-azure-datalake-store), if any. */
export function findPythonWithAdls(): string | undefined {
  for (const py of ['/usr/bin/python3', 'python3']) {
    try {
      execFileSync(py, ['-c', 'import azure.datalake.store'], { stdio: 'ignore' });
      return py;
    } catch {
      // try the next interpreter
    }
  }
  return undefined;
}

/** Promisifies one callback-style call of the official Node Gen1 client. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function call<T>(fn: (cb: (err: any, result?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((err, result) => (err ? reject(err) : resolve(result as T))));
}

/**
 * Calls the official client's open and collects the body; listeners attach inside the callback because
 * the client's transport (the `request` library) starts the response flowing right away.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function openText(fsOps: any, account: string, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    fsOps.open(account, path, (err: unknown, stream: NodeJS.ReadableStream) => {
      if (err) return reject(err);
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(Buffer.from(c)));
      stream.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      stream.on('error', reject);
    });
  });
}
