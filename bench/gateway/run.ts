/**
 * Gateway benchmark, from one run on one machine:
 *  - the same WebHDFS client workload (undici, keep-alive, concurrency 8) against the Gen1 emulator
 *    directly and against `gateway serve` over the Gen2 emulator: operations/s (CREATE 1 KiB,
 *    GETFILESTATUS, OPEN, LISTSTATUS) and MB/s (4 MiB CREATEs and OPENs, and APPENDs of 4 MiB to one file);
 *  - the latency (p50, p95) of a 1 KiB CREATE through `gateway mirror` beside the same CREATE to Gen1
 *    directly, samples alternated (the emulator as is, and with a simulated 10 ms service round trip).
 * Every server runs in its own process (the CLI), as deployed. Prints the ratios and the load average.
 *
 *   node --import tsx bench/gateway/run.ts [--files 400] [--mb 64]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';
import { GEN1_AUDIENCE, mintToken } from '../../src/emulators/kit/jwt.js';
import { GEN1_EMULATOR_ADMIN_OID } from '../../src/emulators/gen1/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const n = i === -1 ? fallback : Number(process.argv[i + 1]);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} needs a positive number`);
  return n;
}
const FILES = flag('files', 400);
const MB = flag('mb', 64);
const CONCURRENCY = 8;
const CHUNK = 4 * 1024 * 1024;
const auth = { Authorization: `Bearer ${mintToken({ oid: GEN1_EMULATOR_ADMIN_OID, audience: GEN1_AUDIENCE })}` };
const agent = new Agent({ connections: 32, keepAliveTimeout: 30_000 });
const children: ChildProcess[] = [];

async function startCli(args: string[], env: Record<string, string> = {}): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), ...args], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, LAKESHIFT_LOG_LEVEL: 'error', ...env } });
  children.push(child);
  return new Promise((resolve, reject) => {
    let buf = '';
    child.stdout?.on('data', (c: Buffer) => {
      buf += String(c);
      const m = /(https?:\/\/127\.0\.0\.1:\d+)/.exec(buf);
      if (m?.[1] !== undefined) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${String(code)}`)));
  });
}

async function op(base: string, method: 'GET' | 'PUT' | 'POST', path: string, query: string, body?: Buffer): Promise<Buffer> {
  const res = await request(`${base}/webhdfs/v1${path}?${query}`, { method, headers: auth, dispatcher: agent, ...(body === undefined ? {} : { body }) });
  const data = Buffer.from(await res.body.arrayBuffer());
  if (res.statusCode >= 300) throw new Error(`${method} ${path} ${query}: ${res.statusCode} ${data.toString().slice(0, 200)}`);
  return data;
}

async function pool(n: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < n) await fn(next++);
  }));
}

async function opsPerSecond(base: string, dir: string): Promise<number> {
  const small = Buffer.alloc(1024, 7);
  await op(base, 'PUT', dir, 'op=MKDIRS');
  let ops = 0;
  const t = performance.now();
  await pool(FILES, async (i) => {
    const p = `${dir}/f${i}.bin`;
    await op(base, 'PUT', p, 'op=CREATE&write=true&overwrite=true', small);
    await op(base, 'GET', p, 'op=GETFILESTATUS');
    await op(base, 'GET', p, 'op=OPEN&read=true');
    ops += 3;
    if (i % 10 === 0) {
      await op(base, 'GET', dir, 'op=LISTSTATUS&listSize=100');
      ops++;
    }
  });
  return ops / ((performance.now() - t) / 1000);
}

async function throughput(base: string, dir: string): Promise<{ write: number; read: number; append: number }> {
  const data = Buffer.alloc(CHUNK, 3);
  const files = Math.max(1, Math.round(MB / 4));
  await op(base, 'PUT', dir, 'op=MKDIRS');
  let t = performance.now();
  await pool(files, async (i) => void (await op(base, 'PUT', `${dir}/big${i}`, 'op=CREATE&write=true&overwrite=true', data)));
  const write = (files * 4) / ((performance.now() - t) / 1000);
  t = performance.now();
  await pool(files, async (i) => void (await op(base, 'GET', `${dir}/big${i}`, 'op=OPEN&read=true')));
  const read = (files * 4) / ((performance.now() - t) / 1000);
  const appends = Math.min(files, 8);
  await op(base, 'PUT', `${dir}/appended`, 'op=CREATE&write=true&overwrite=true', Buffer.alloc(0));
  t = performance.now();
  for (let i = 0; i < appends; i++) await op(base, 'POST', `${dir}/appended`, `op=APPEND&append=true&offset=${i * CHUNK}`, data);
  const append = (appends * 4) / ((performance.now() - t) / 1000);
  return { write, read, append };
}

interface Percentiles {
  p50: number;
  p95: number;
}

function percentiles(xs: number[]): Percentiles {
  const sorted = [...xs].sort((x, y) => x - y);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? 0;
  return { p50: at(0.5), p95: at(0.95) };
}

/**
 * Latency percentiles of a 1 KiB CREATE against `a` and `b`, samples taken alternately (a, b, a, b, ...)
 * so that both see the same machine load.
 */
async function writeLatencyPair(a: string, b: string, dir: string, n: number): Promise<[Percentiles, Percentiles]> {
  const small = Buffer.alloc(1024, 9);
  await op(a, 'PUT', `${dir}-a`, 'op=MKDIRS');
  await op(b, 'PUT', `${dir}-b`, 'op=MKDIRS');
  const ta: number[] = [];
  const tb: number[] = [];
  for (let i = 0; i < n; i++) {
    for (const [base, side, out] of [[a, 'a', ta], [b, 'b', tb]] as const) {
      const t = performance.now();
      await op(base, 'PUT', `${dir}-${side}/w${i}`, 'op=CREATE&write=true&overwrite=true', small);
      out.push(performance.now() - t);
    }
  }
  return [percentiles(ta), percentiles(tb)];
}

async function main(): Promise<void> {
  const state = mkdtempSync(join(tmpdir(), 'lakeshift-bench-gw-'));
  try {
    const gen1 = await startCli(['emulator', 'gen1', '--port', '0', '--in-memory']);
    const gen2 = await startCli(['emulator', 'gen2', '--port', '0', '--in-memory']);
    const dest = `${gen2}/devstoreaccount1/gen1`;
    const serve = await startCli(['gateway', 'serve', dest, '--port', '0']);
    // The gateway over an in-process memory store: its own (Fastify + handlers) cost without Gen2's.
    const serveMem = await startCli(['gateway', 'serve', 'memory://bench/', '--port', '0']);
    const mirror = await startCli(['gateway', 'mirror', `${gen1}/webhdfs/v1/`, `${gen2}/devstoreaccount1/mirror`, '--port', '0', '--state-dir', join(state, 'm1')]);
    // The same mirror with its applier held: the journal and the extra hop alone, without the Gen2 copies competing for CPU.
    const mirrorHeld = await startCli(['gateway', 'mirror', `${gen1}/webhdfs/v1/`, `${gen2}/devstoreaccount1/mirror2`, '--port', '0', '--state-dir', join(state, 'm2')], { LAKESHIFT_TEST_MIRROR_HOLD: '1' });
    // Gen1 with a service-like round trip (the emulator's --faults latency=10, 10 ms per request).
    const gen1Slow = await startCli(['emulator', 'gen1', '--port', '0', '--in-memory', '--faults', 'latency=10']);
    const mirrorSlow = await startCli(['gateway', 'mirror', `${gen1Slow}/webhdfs/v1/`, `${gen2}/devstoreaccount1/mirror3`, '--port', '0', '--state-dir', join(state, 'm3')]);
    const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');
    console.log(`load average before: ${load()}  (files ${FILES}, ${MB} MiB, concurrency ${CONCURRENCY})`);
    // Warm-up of both paths (JIT, connections, filesystem creation).
    await opsPerSecond(gen1, '/warm');
    await opsPerSecond(serve, '/warm');
    await opsPerSecond(serveMem, '/warm');
    const emuOps = await opsPerSecond(gen1, '/ops');
    const gwOps = await opsPerSecond(serve, '/ops');
    const memOps = await opsPerSecond(serveMem, '/ops');
    console.log(`ops/s      Gen1 emulator ${emuOps.toFixed(0)}  gateway serve ${gwOps.toFixed(0)}  ratio ${(gwOps / emuOps).toFixed(2)}x (target >= 0.7x)`);
    console.log(`ops/s      gateway serve over memory:// (no Gen2 behind it) ${memOps.toFixed(0)}  ratio to the emulator ${(memOps / emuOps).toFixed(2)}x`);
    const emuT = await throughput(gen1, '/tp');
    const gwT = await throughput(serve, '/tp');
    for (const k of ['write', 'read', 'append'] as const) {
      console.log(`MB/s ${k.padEnd(6)} Gen1 emulator ${emuT[k].toFixed(1)}  gateway serve ${gwT[k].toFixed(1)}  ratio ${(gwT[k] / emuT[k]).toFixed(2)}x`);
    }
    await writeLatencyPair(gen1, mirror, '/lat-warm', 50);
    const pct = (x: number, base: number): string => `${(((x - base) / base) * 100).toFixed(0)}%`;
    const show = (label: string, d: Percentiles, m: Percentiles, note: string): void => {
      console.log(`${label}: Gen1 direct p50 ${d.p50.toFixed(2)} ms p95 ${d.p95.toFixed(2)} ms; ${note} p50 ${m.p50.toFixed(2)} ms p95 ${m.p95.toFixed(2)} ms; added p50 ${pct(m.p50, d.p50)} p95 ${pct(m.p95, d.p95)}`);
    };
    const [direct, mirrored] = await writeLatencyPair(gen1, mirror, '/lat', 300);
    show('write', direct, mirrored, 'through mirror');
    console.log('           (target: mirror adds < 20%)');
    const [direct2, held] = await writeLatencyPair(gen1, mirrorHeld, '/lat-h', 300);
    show('write', direct2, held, 'through mirror with its applier held (hop + journal only)');
    await writeLatencyPair(gen1Slow, mirrorSlow, '/lat-sw', 10);
    const [slowDirect, slowMirrored] = await writeLatencyPair(gen1Slow, mirrorSlow, '/lat-s', 100);
    show('write, Gen1 with 10 ms service latency', slowDirect, slowMirrored, 'through mirror');
    console.log(`load average after: ${load()}`);
    // CPU (user+sys) each server process used over the whole run, from /proc (Linux).
    const names = ['gen1 emulator', 'gen2 emulator', 'gateway serve', 'gateway serve memory://', 'mirror', 'mirror (held)', 'gen1 emulator 10 ms', 'mirror (10 ms Gen1)'];
    const cpu = children.map((c, i) => {
      try {
        const f = readFileSync(`/proc/${String(c.pid)}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
        return `${names[i] ?? i} ${((Number(f[11]) + Number(f[12])) / 100).toFixed(1)} s`;
      } catch {
        return `${names[i] ?? i} ?`;
      }
    });
    const own = process.cpuUsage();
    console.log(`CPU user+sys: bench client ${((own.user + own.system) / 1e6).toFixed(1)} s; ${cpu.join('; ')}`);
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await agent.close();
    rmSync(state, { recursive: true, force: true });
  }
}

await main();
