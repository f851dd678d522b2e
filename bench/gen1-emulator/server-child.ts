/**
 * Child process for the Gen1 emulator benchmark: starts either the emulator (disk-backed, in a temp
 * dir given as argv[3]) or a bare Node http server that moves the same bytes, then prints its URL.
 * Usage: node --import tsx server-child.ts emulator|bare [dataDir]
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startGen1Emulator } from '../../src/emulators/gen1/index.js';

const mode = process.argv[2];
const CHUNK = 4 * 1024 * 1024;

if (mode === 'emulator') {
  const location = process.argv[3];
  if (location === undefined) throw new Error('server-child: emulator mode needs a data directory');
  const emu = await startGen1Emulator({ location, port: 0 });
  process.stdout.write(`${emu.url}\n`);
  process.on('SIGTERM', () => void emu.close().then(() => process.exit(0)));
} else if (mode === 'bare') {
  // Bare baseline: swallow uploads, serve reads from one preallocated buffer, serve a fixed listing page.
  const data = Buffer.alloc(CHUNK, 7);
  let listing = '';
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const op = url.searchParams.get('op');
    if (req.method === 'GET' && op === 'OPEN') {
      const length = Number(url.searchParams.get('length') ?? CHUNK);
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(length) });
      let left = length;
      const pump = (): void => {
        while (left > 0) {
          const n = Math.min(left, data.length);
          left -= n;
          if (!res.write(n === data.length ? data : data.subarray(0, n))) {
            res.once('drain', pump);
            return;
          }
        }
        res.end();
      };
      pump();
      return;
    }
    if (req.method === 'GET' && op === 'LISTSTATUS') {
      const body = Buffer.from(listing);
      res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(body.length) });
      res.end(body);
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      if (op === 'SETLISTING') chunks.push(c);
    });
    req.on('end', () => {
      if (op === 'SETLISTING') listing = Buffer.concat(chunks).toString('utf8');
      res.writeHead(req.method === 'PUT' ? 201 : 200, { 'Content-Length': '0' });
      res.end();
    });
  });
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
  });
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
} else {
  throw new Error(`server-child: unknown mode '${mode ?? ''}' (emulator or bare)`);
}
