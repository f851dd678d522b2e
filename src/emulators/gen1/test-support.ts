/**
 * Raw-HTTP helpers for the Gen1 emulator's protocol tests (plain fetch, no lakeshift client code).
 */
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
