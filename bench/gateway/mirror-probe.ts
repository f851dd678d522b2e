import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { startGen1Emulator } from '../../src/emulators/gen1/index.js';
import { GEN1_EMULATOR_ADMIN_OID } from '../../src/emulators/gen1/index.js';
import { GEN1_AUDIENCE, mintToken } from '../../src/emulators/kit/jwt.js';
import { startMirror } from '../../src/gateway/mirror.js';
import { openJournal } from '../../src/gateway/journal.js';
import { openSqliteJobDb } from '../../src/state/db.js';
import { openStore } from '../../src/stores/open-store.js';
const latency = Number(process.argv[2] ?? 0);
const auth = { Authorization: `Bearer ${mintToken({ oid: GEN1_EMULATOR_ADMIN_OID, audience: GEN1_AUDIENCE })}` };
const gen1 = await startGen1Emulator({ inMemory: true, ...(latency > 0 ? { faults: { latencyMs: latency } } : {}) } as never);
const jobDb = await openSqliteJobDb(mkdtempSync(join(tmpdir(), 'mp-')));
const journal = await openJournal(jobDb);
const g1store = openStore(`${gen1.url}/webhdfs/v1/`, { role: 'source' });
const mem = openStore('memory://x/', { role: 'dest' });
const m = await startMirror({ gen1Endpoint: gen1.url, gen1: g1store, rules: [{ sourcePrefix: '', store: mem, destPath: '' }], journal, holdApplier: process.argv[3] === 'hold' });
const agent = new Agent({ connections: 4 });
async function put(base: string, p: string): Promise<number> {
  const t = performance.now();
  const r = await request(`${base}/webhdfs/v1${p}?op=CREATE&write=true&overwrite=true`, { method: 'PUT', headers: auth, body: Buffer.alloc(1024), dispatcher: agent });
  await r.body.text();
  if (r.statusCode >= 300) throw new Error(String(r.statusCode));
  return performance.now() - t;
}
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1] ?? 0;
for (let round = 0; round < 2; round++) {
  const a: number[] = []; const b: number[] = [];
  for (let i = 0; i < 300; i++) { a.push(await put(gen1.url, `/a/w${i}`)); b.push(await put(m.url, `/b/w${i}`)); }
  console.log(`direct ${med(a).toFixed(2)} mirror ${med(b).toFixed(2)} added ${(((med(b) - med(a)) / med(a)) * 100).toFixed(0)}%`);
}
await m.close(); await gen1.close(); await agent.close(); await jobDb.close(); process.exit(0);
