/**
 * Gen1 emulator benchmark: write and read MB/s and LISTSTATUS entries/s of the emulator (disk-backed,
 * own process) beside a bare Node http server moving the same bytes on loopback, with the same client
 * (undici) and the same 4 MiB chunks, from one run. Also reports the emulator's peak RSS.
 *
 *   node --import tsx bench/gen1-emulator/run.ts [--mb 1024] [--entries 20000]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { GEN1_AUDIENCE, mintToken } from '../../src/emulators/kit/jwt.js';
import { GEN1_EMULATOR_ADMIN_OID } from '../../src/emulators/gen1/index.js';

const CHUNK = 4 * 1024 * 1024;
const here = dirname(fileURLToPath(import.meta.url));

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i === -1 ? undefined : process.argv[i + 1];
  const n = v === undefined ? fallback : Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} needs a positive number, got '${v ?? ''}'`);
  return n;
}

const MB = flag('mb', 256);
const ENTRIES = flag('entries', 20000);
const auth = { Authorization: `Bearer ${mintToken({ oid: GEN1_EMULATOR_ADMIN_OID, audience: GEN1_AUDIENCE })}` };

async function startChild(args: string[]): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'server-child.ts'), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let buf = '';
    child.stdout?.on('data', (c: Buffer) => {
      buf += c.toString();
      const line = buf.split('\n')[0];
      if (buf.includes('\n') && line) resolve(line.trim());
    });
    child.once('exit', (code) => reject(new Error(`server child exited early (code ${code})`)));
  });
  return { child, url };
}

function peakRssMb(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m?.[1] ? Number(m[1]) / 1024 : NaN;
}

async function send(method: 'PUT' | 'POST' | 'GET', url: string, body?: Buffer): Promise<{ status: number; bytes: number; text: string }> {
  const r = await request(url, { method, headers: auth, ...(body === undefined ? {} : { body }) });
  let bytes = 0;
  const keep: Buffer[] = [];
  for await (const c of r.body) {
    bytes += (c as Buffer).length;
    if (method === 'GET' && url.includes('LISTSTATUS')) keep.push(c as Buffer);
  }
  return { status: r.statusCode, bytes, text: Buffer.concat(keep).toString('utf8') };
}

interface Side {
  name: 'emulator' | 'bare';
  base: string;
  pid: number | undefined;
}

const CHUNKS = Math.ceil((MB * 1024 * 1024) / CHUNK);
const payload = Buffer.alloc(CHUNK, 1);

/** Writes the file in 4 MiB APPENDs; returns MB/s. */
async function writePhase(side: Side): Promise<number> {
  const file = `${side.base}/webhdfs/v1/bench/big.bin`;
  const t = performance.now();
  let r = await send('PUT', `${file}?op=CREATE&write=true&overwrite=true`);
  if (r.status !== 201) throw new Error(`${side.name}: CREATE answered ${r.status}`);
  for (let i = 0; i < CHUNKS; i++) {
    r = await send('POST', `${file}?op=APPEND&append=true&offset=${i * CHUNK}`, payload);
    if (r.status !== 200) throw new Error(`${side.name}: APPEND answered ${r.status}`);
  }
  return (CHUNKS * CHUNK) / 1048576 / ((performance.now() - t) / 1000);
}

/** Reads it back in 4 MiB OPENs; returns MB/s. */
async function readPhase(side: Side): Promise<number> {
  const file = `${side.base}/webhdfs/v1/bench/big.bin`;
  const t = performance.now();
  let got = 0;
  for (let i = 0; i < CHUNKS; i++) got += (await send('GET', `${file}?op=OPEN&read=true&offset=${i * CHUNK}&length=${CHUNK}`)).bytes;
  if (got !== CHUNKS * CHUNK) throw new Error(`${side.name}: read ${got} bytes, expected ${CHUNKS * CHUNK}`);
  return (CHUNKS * CHUNK) / 1048576 / ((performance.now() - t) / 1000);
}

/** Creates `count` empty files with 8 requests in flight; returns requests/s. */
async function createPhase(side: Side, count: number): Promise<number> {
  const t = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < count) {
        const i = next++;
        const s = await send('PUT', `${side.base}/webhdfs/v1/list/e${String(i).padStart(7, '0')}?op=CREATE&write=true&overwrite=true`);
        if (s.status !== 201) throw new Error(`${side.name}: CREATE answered ${s.status}`);
      }
    }),
  );
  return count / ((performance.now() - t) / 1000);
}

/** Pages through the listing 4000 at a time; returns entries/s (the bare server repeats one page). */
async function listPhase(side: Side): Promise<number> {
  const t = performance.now();
  let listed = 0;
  let after = '';
  let pages = 0;
  while (true) {
    const page = await send('GET', `${side.base}/webhdfs/v1/list?op=LISTSTATUS&api-version=2018-09-01&listSize=4000&listAfter=${after}`);
    const parsed = JSON.parse(page.text) as { FileStatuses: { continuationToken: string; FileStatus: unknown[] } };
    listed += parsed.FileStatuses.FileStatus.length;
    pages++;
    if (side.name === 'bare' ? pages * 4000 >= ENTRIES : parsed.FileStatuses.continuationToken === '') break;
    after = parsed.FileStatuses.continuationToken;
  }
  if (side.name === 'emulator' && listed !== ENTRIES) throw new Error(`listed ${listed} entries, expected ${ENTRIES}`);
  return listed / ((performance.now() - t) / 1000);
}

function listingPage(n: number): string {
  const entries = Array.from({ length: n }, (_, i) =>
    `{"length":0,"pathSuffix":"e${String(i).padStart(7, '0')}","type":"FILE","blockSize":268435456,"accessTime":1,"modificationTime":1,"replication":1,"permission":"770","owner":"${GEN1_EMULATOR_ADMIN_OID}","group":"${GEN1_EMULATOR_ADMIN_OID}","msExpirationTime":0,"aclBit":false}`,
  );
  return `{"FileStatuses":{"continuationToken":"e${String(n - 1).padStart(7, '0')}","FileStatus":[${entries.join(',')}]}}`;
}

const dataDir = mkdtempSync(join(tmpdir(), 'lakeshift-gen1-bench-'));
const children: ChildProcess[] = [];
try {
  const emu = await startChild(['emulator', dataDir]);
  children.push(emu.child);
  const bare = await startChild(['bare']);
  children.push(bare.child);
  const e: Side = { name: 'emulator', base: emu.url, pid: emu.child.pid };
  const b: Side = { name: 'bare', base: bare.url, pid: bare.child.pid };
  await send('PUT', `${b.base}/webhdfs/v1/x?op=SETLISTING`, Buffer.from(listingPage(4000)));
  // Phases alternate between the two servers so load drift on the machine hits both alike.
  const ew = await writePhase(e);
  const bw = await writePhase(b);
  const br = await readPhase(b);
  const er = await readPhase(e);
  const ec = await createPhase(e, ENTRIES);
  const bc = await createPhase(b, ENTRIES);
  const bl = await listPhase(b);
  const el = await listPhase(e);
  const row = (name: string, ev: number, bv: number, unit: string): string =>
    `${name.padEnd(22)} emulator ${ev.toFixed(1).padStart(9)} ${unit.padEnd(10)} bare ${bv.toFixed(1).padStart(9)} ${unit.padEnd(10)} ratio ${(ev / bv).toFixed(2)}`;
  const rss = peakRssMb(e.pid);
  process.stdout.write(`Gen1 emulator benchmark: ${MB} MiB in 4 MiB chunks, ${ENTRIES} entries created then listed 4000 per page (loopback, one run)\n`);
  process.stdout.write(`${row('write (APPEND)', ew, bw, 'MB/s')}\n`);
  process.stdout.write(`${row('read (OPEN)', er, br, 'MB/s')}\n`);
  process.stdout.write(`${row('LISTSTATUS', el, bl, 'entries/s')}\n`);
  process.stdout.write(`${row('CREATE (8 parallel)', ec, bc, 'req/s')}\n`);
  process.stdout.write(`emulator peak RSS ${rss.toFixed(0)} MB (bare server ${peakRssMb(b.pid).toFixed(0)} MB); limit 200 MB: ${rss < 200 ? 'ok' : 'EXCEEDED'}\n`);
  if (!(rss < 200)) process.exitCode = 1;
} finally {
  for (const c of children) c.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 300));
  rmSync(dataDir, { recursive: true, force: true });
}
