import { request as httpRequest } from 'node:http';
import { RestError } from '@azure/storage-blob';

/** Raw HTTP helper for the protocol tests: sends exactly the path given (no URL normalisation). */
export interface RawResponse { status: number; headers: Record<string, string>; body: Buffer; text: string }

export function send(base: string, method: string, path: string, headers: Record<string, string> = {}, body?: Buffer | string): Promise<RawResponse> {
  const url = new URL(base);
  const payload = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(body);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, method, path, headers: { 'x-ms-version': '2021-12-02', ...(payload ? { 'Content-Length': String(payload.length) } : method === 'GET' || method === 'HEAD' ? {} : { 'Content-Length': '0' }), ...headers } },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (d: Buffer) => parts.push(d));
        res.on('end', () => {
          const h: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) h[k] = Array.isArray(v) ? v.join(', ') : v;
          const b = Buffer.concat(parts);
          resolve({ status: res.statusCode ?? 0, headers: h, body: b, text: b.toString('utf8') });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** Runs an SDK call that must be refused and returns its status and error code (fails when it succeeds). */
export async function refusal(fn: () => Promise<unknown>): Promise<{ status: number | undefined; code: string | undefined }> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof RestError) return { status: e.statusCode, code: e.code };
    throw e;
  }
  throw new Error('expected the call to be refused');
}
