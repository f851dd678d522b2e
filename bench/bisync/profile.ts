/**
 * Where a bisync run spends its wall time (not a benchmark: nothing here is a target). Runs one bisync
 * in this process on a setup made by `run.ts --setup-only DIR` (a copy: this run changes it), with both
 * emulators as child processes, after 1% of the files changed on each side as run.ts does, and prints
 * per phase its wall time and event-loop utilisation (the share of the time this process was busy
 * rather than waiting) with the CPU seconds each emulator spent in it, and per store operation its calls and summed latency.
 * Usage: node --import tsx bench/bisync/profile.ts --files N --dir COPY_OF_SETUP
 */
import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Store } from '../../src/core/store.js';
import { runBisync } from '../../src/patterns/bisync/index.js';
import { openSqliteJobDb } from '../../src/state/db.js';
import { openStore } from '../../src/stores/open-store.js';
import { readProcessCpuSeconds } from '../lib/proc-cpu.js';
import { loadNote, log, startGen1Child, startGen2Child } from '../migrate/env.js';
import { writeAll } from './tree.js';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i < 0 ? undefined : args[i + 1];
};
const FILES = Number(flag('--files') ?? '20000');
const dir = flag('--dir') ?? '';

const stats = new Map<string, { n: number; ms: number }>();
function note(name: string, ms: number): void {
  const s = stats.get(name) ?? { n: 0, ms: 0 };
  s.n++;
  s.ms += ms;
  stats.set(name, s);
}

/** A store whose every call (and writer call, and listing page) is counted and timed. */
function counted(store: Store, side: string): Store {
  const timed = <T>(name: string, p: Promise<T>): Promise<T> => {
    const t = performance.now();
    return p.finally(() => note(`${side}.${name}`, performance.now() - t));
  };
  return new Proxy(store, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v !== 'function') return v;
      const name = String(prop);
      if (name === 'list') {
        return (...a: unknown[]) => {
          const pages = (v as (...x: unknown[]) => AsyncIterable<unknown>).apply(target, a);
          return (async function* () {
            const it = pages[Symbol.asyncIterator]();
            for (;;) {
              const r = await timed('list-page', it.next());
              if (r.done === true) return;
              yield r.value;
            }
          })();
        };
      }
      if (name === 'createWriter') {
        return async (...a: unknown[]) => {
          const w = await timed('createWriter', (v as (...x: unknown[]) => Promise<Record<string, unknown>>).apply(target, a));
          return new Proxy(w, {
            get(wt, wp) {
              const f = Reflect.get(wt, wp) as unknown;
              if (typeof f !== 'function') return f;
              return (...b: unknown[]) => timed(`writer.${String(wp)}`, Promise.resolve((f as (...x: unknown[]) => unknown).apply(wt, b)));
            },
          });
        };
      }
      return (...a: unknown[]) => {
        const r = (v as (...x: unknown[]) => unknown).apply(target, a);
        return r instanceof Promise ? timed(name, r) : r;
      };
    },
  });
}

async function main(): Promise<void> {
  const setup = JSON.parse(readFileSync(join(dir, 'setup.json'), 'utf8')) as { files: number; ports: { gen1: number; gen2: number } };
  if (setup.files !== FILES) throw new Error(`${dir} holds ${setup.files} files`);
  const gen1 = await startGen1Child(join(dir, 'gen1'), 0, setup.ports.gen1);
  const gen2 = await startGen2Child(0, join(dir, 'gen2'), setup.ports.gen2);
  try {
    const p1Uri = `${gen1.gen1Url}/webhdfs/v1/bench`;
    const p2Uri = `${gen2.accountUrl}/bench`;
    const onePct = Math.max(1, Math.floor(FILES / 100));
    const w1 = openStore(p1Uri);
    const w2 = openStore(p2Uri);
    await writeAll(w1, Array.from({ length: onePct }, (_, k) => k * 100), 1);
    await writeAll(w2, Array.from({ length: onePct }, (_, k) => k * 100 + 50), 1);
    await w1.close();
    await w2.close();
    const path1 = counted(openStore(p1Uri), 'p1');
    const path2 = counted(openStore(p2Uri), 'p2');
    const jobDb = await openSqliteJobDb(join(dir, 'state'));
    log(`profile: ${FILES} files, ${loadNote()}`);
    const marks: { phase: string; t: number; elu: ReturnType<typeof performance.eventLoopUtilization>; e1: number; e2: number }[] = [];
    const mark = (phase: string): void => void marks.push({ phase, t: performance.now(), elu: performance.eventLoopUtilization(), e1: readProcessCpuSeconds(gen1.pid), e2: readProcessCpuSeconds(gen2.pid) });
    const cpu0 = process.cpuUsage();
    mark('start');
    const summary = await runBisync({ path1, path2, jobDb, settleMs: 0, concurrency: 16, logger: pino({ level: 'info', base: null }, pino.destination(2)), onEvent: (e) => { if (e.type === 'phase') mark(e.phase); } });
    mark('end');
    const cpu = process.cpuUsage(cpu0);
    for (let i = 1; i < marks.length; i++) {
      const a = marks[i - 1];
      const b = marks[i];
      if (a === undefined || b === undefined) continue;
      const elu = performance.eventLoopUtilization(b.elu, a.elu);
      log(`phase ${a.phase.padEnd(8)} ${((b.t - a.t) / 1000).toFixed(2).padStart(7)} s, busy ${(elu.utilization * 100).toFixed(0)}%; emulator CPU gen1 ${(b.e1 - a.e1).toFixed(2)} s, gen2 ${(b.e2 - a.e2).toFixed(2)} s`);
    }
    const first = marks[0];
    const last = marks[marks.length - 1];
    if (first !== undefined && last !== undefined) log(`total ${((last.t - first.t) / 1000).toFixed(2)} s wall, ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s CPU; done ${JSON.stringify(summary.done)}`);
    for (const [name, s] of [...stats].sort()) log(`  ${name.padEnd(22)} ${String(s.n).padStart(7)} calls ${(s.ms / 1000).toFixed(2).padStart(8)} s summed, ${(s.ms / s.n).toFixed(2)} ms each`);
    await path1.close();
    await path2.close();
    await jobDb.close();
  } finally {
    await gen1.stop();
    await gen2.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
