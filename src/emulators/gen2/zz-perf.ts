import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request, Agent } from 'undici';
import { startGen2Emulator } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'perf-'));
const emu = await startGen2Emulator({ location: dir, anonymous: true });
const agent = new Agent({ connections: 16 });
const base = `${emu.url}/devstoreaccount1`;
await request(`${base}/perf?restype=container`, { method: 'PUT', dispatcher: agent, headers: { 'x-ms-version': '2021-12-02' } });
const small = Buffer.alloc(65536, 1);
let t = performance.now();
let cpu = process.cpuUsage();
let next = 0;
await Promise.all(Array.from({ length: 16 }, async () => {
  while (next < 2000) {
    const i = next++;
    const r = await request(`${base}/perf/d${i % 20}/f${i}.bin`, { method: 'PUT', body: small, dispatcher: agent, headers: { 'x-ms-version': '2021-12-02', 'x-ms-blob-type': 'BlockBlob' } });
    await r.body.dump();
    if (r.statusCode !== 201) throw new Error(String(r.statusCode));
  }
}));
let c = process.cpuUsage(cpu);
console.log('2000x64KiB put blob', Math.round(performance.now() - t), 'ms, cpu', Math.round((c.user + c.system) / 1000), 'ms');
const block = Buffer.alloc(8 * 1024 * 1024, 2);
t = performance.now();
cpu = process.cpuUsage();
await Promise.all(Array.from({ length: 8 }, async (_, f) => {
  const ids: string[] = [];
  for (let b = 0; b < 16; b++) {
    const id = Buffer.from(String(b).padStart(6, '0')).toString('base64');
    ids.push(id);
    const r = await request(`${base}/perf/big/f${f}.bin?comp=block&blockid=${encodeURIComponent(id)}`, { method: 'PUT', body: block, dispatcher: agent, headers: { 'x-ms-version': '2021-12-02' } });
    await r.body.dump();
  }
  const r = await request(`${base}/perf/big/f${f}.bin?comp=blocklist`, { method: 'PUT', body: `<BlockList>${ids.map((i) => `<Latest>${i}</Latest>`).join('')}</BlockList>`, dispatcher: agent, headers: { 'x-ms-version': '2021-12-02' } });
  await r.body.dump();
  if (r.statusCode !== 201) throw new Error(String(r.statusCode));
}));
c = process.cpuUsage(cpu);
console.log('8x128MiB blocks', Math.round(performance.now() - t), 'ms, cpu', Math.round((c.user + c.system) / 1000), 'ms');
t = performance.now();
const r = await request(`${base}/perf/big/f3.bin`, { dispatcher: agent, headers: { 'x-ms-version': '2021-12-02' } });
let n = 0;
for await (const d of r.body) n += (d as Buffer).length;
console.log('read 128MiB', n, Math.round(performance.now() - t), 'ms');
await agent.close();
await emu.close();
rmSync(dir, { recursive: true, force: true });
