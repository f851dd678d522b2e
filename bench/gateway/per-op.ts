/**
 * CPU per Gen1 operation, per process: runs one operation type at a time (CREATE 1 KiB,
 * GETFILESTATUS, OPEN, LISTSTATUS listSize=100 over 400 files) against the Gen1 emulator and against
 * `gateway serve` over the Gen2 emulator, and prints the CPU time (user+sys, from /proc) each server
 * process spent per operation. Not a timed benchmark: run it under nice. With --cpu-prof DIR every
 * server writes a V8 CPU profile into DIR when it stops; --only OP measures one operation type.
 *
 *   nice -n 15 node --import tsx bench/gateway/per-op.ts [--n 400] [--cpu-prof DIR] [--only GETFILESTATUS]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';
import { GEN1_AUDIENCE, mintToken } from '../../src/emulators/kit/jwt.js';
import { GEN1_EMULATOR_ADMIN_OID } from '../../src/emulators/gen1/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? undefined : process.argv[i + 1];
};
const N = Number(arg('n') ?? 400);
const profDir = arg('cpu-prof');
const only = arg('only');
const auth = { Authorization: `Bearer ${mintToken({ oid: GEN1_EMULATOR_ADMIN_OID, audience: GEN1_AUDIENCE })}` };
const agent = new Agent({ connections: 32, keepAliveTimeout: 30_000 });
const children: ChildProcess[] = [];

async function startCli(args: string[]): Promise<{ url: string; child: ChildProcess }> {
  const prof = profDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', profDir];
  const child = spawn(process.execPath, [...prof, '--import', 'tsx', join(root, 'src/cli/main.ts'), ...args], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, LAKESHIFT_LOG_LEVEL: 'error' } });
  children.push(child);
  const url = await new Promise<string>((resolve, reject) => {
    let buf = '';
    child.stdout?.on('data', (c: Buffer) => {
      buf += String(c);
      const m = /(https?:\/\/127\.0\.0\.1:\d+)/.exec(buf);
      if (m?.[1] !== undefined) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${String(code)}`)));
  });
  return { url, child };
}

function cpuMs(child: ChildProcess): number {
  const f = readFileSync(`/proc/${String(child.pid)}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(f[11]) + Number(f[12])) * 10;
}

async function op(base: string, method: 'GET' | 'PUT', path: string, query: string, body?: Buffer): Promise<void> {
  const res = await request(`${base}/webhdfs/v1${path}?${query}`, { method, headers: auth, dispatcher: agent, ...(body === undefined ? {} : { body }) });
  const data = await res.body.text();
  if (res.statusCode >= 300) throw new Error(`${method} ${path} ${query}: ${res.statusCode} ${data.slice(0, 200)}`);
}

async function pool(n: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (next < n) await fn(next++);
  }));
}

const small = Buffer.alloc(1024, 7);
const phases: [string, (base: string, dir: string, i: number) => Promise<void>][] = [
  ['CREATE 1 KiB', (b, d, i) => op(b, 'PUT', `${d}/f${i}.bin`, 'op=CREATE&write=true&overwrite=true', small)],
  ['GETFILESTATUS', (b, d, i) => op(b, 'GET', `${d}/f${i}.bin`, 'op=GETFILESTATUS')],
  ['OPEN 1 KiB', (b, d, i) => op(b, 'GET', `${d}/f${i}.bin`, 'op=OPEN&read=true')],
  ['LISTSTATUS 100', (b, d) => op(b, 'GET', d, 'op=LISTSTATUS&listSize=100')],
];

async function main(): Promise<void> {
  const gen1 = await startCli(['emulator', 'gen1', '--port', '0', '--in-memory']);
  const gen2 = await startCli(['emulator', 'gen2', '--port', '0', '--in-memory']);
  const serve = await startCli(['gateway', 'serve', `${gen2.url}/devstoreaccount1/gen1`, '--port', '0']);
  try {
    for (const [name, target, procs] of [['Gen1 emulator', gen1.url, [gen1]], ['gateway serve', serve.url, [serve, gen2]]] as const) {
      await op(target, 'PUT', '/warm', 'op=MKDIRS');
      await op(target, 'PUT', '/d', 'op=MKDIRS');
      for (const [, fn] of phases) await pool(N, (i) => fn(target, '/warm', i));
      for (const [phase, fn] of phases) {
        if (only !== undefined && !phase.startsWith(only)) {
          // The files the other phases read are still created, unmeasured.
          if (phase.startsWith('CREATE')) await pool(N, (i) => fn(target, '/d', i));
          continue;
        }
        const before = procs.map((p) => cpuMs(p.child));
        const t = performance.now();
        await pool(N, (i) => fn(target, '/d', i));
        const wall = performance.now() - t;
        const per = procs.map((p, k) => `${((cpuMs(p.child) - (before[k] ?? 0)) / N).toFixed(3)}`).join(' + ');
        console.log(`${name.padEnd(14)} ${phase.padEnd(15)} CPU ms/op ${per}${procs.length > 1 ? ' (gateway + Gen2 emulator)' : ''}  wall ${(wall / N).toFixed(3)} ms/op`);
      }
    }
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await agent.close();
  }
}

await main();
