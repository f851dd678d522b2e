/**
 * Shared setup of the migrate benchmark: emulator child processes, scratch folders, printing helpers.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { availableParallelism, loadavg } from 'node:os';
import { DEV_ACCOUNT } from '../../src/emulators/gen2/index.js';
import { pickFreePort, startServerProcess, type ServerProcess } from '../lib/server-process.js';

export const MB = 1e6;

export const log = (line = ''): void => void process.stdout.write(`${line}\n`);

/** Starts the Gen1 emulator (disk-backed on `dataDir`) as a child process (on `port`, or a free one). */
export async function startGen1Child(dataDir: string, latencyMs = 0, port?: number): Promise<ServerProcess & { gen1Url: string }> {
  mkdirSync(dataDir, { recursive: true });
  port ??= await pickFreePort();
  const server = await startServerProcess(process.execPath, [...(process.env.LAKESHIFT_BENCH_NODE_ARGS ?? '').split(' ').filter((a) => a !== ''), '--import', 'tsx', 'bench/migrate/gen1-server.ts', String(port), dataDir, String(latencyMs)], port, 'gen1');
  return { ...server, gen1Url: `http://127.0.0.1:${port}` };
}

/**
 * Starts the Gen2 emulator as a child process, with `latencyMs` before every request: in memory, or
 * disk-backed on `dataDir` when given (so a benchmark can keep its data between invocations); on `port`,
 * or a free one.
 */
export async function startGen2Child(latencyMs = 0, dataDir?: string, port?: number): Promise<ServerProcess> {
  port ??= await pickFreePort();
  if (dataDir !== undefined) mkdirSync(dataDir, { recursive: true });
  return startServerProcess(process.execPath, [...(process.env.LAKESHIFT_BENCH_NODE_ARGS ?? '').split(' ').filter((a) => a !== ''), '--import', 'tsx', 'bench/migrate/gen2-server.ts', String(port), String(latencyMs), ...(dataDir === undefined ? [] : [dataDir])], port, DEV_ACCOUNT);
}

/** Subfolder of the scratch dir, created. */
export function scratchDir(root: string, name: string): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** "met" or "MISSED by X" for a target where higher is better (`atLeast`) or lower is better. */
export function judge(value: number, target: number, better: 'higher' | 'lower', unit: string): string {
  const ok = better === 'higher' ? value >= target : value <= target;
  if (ok) return 'met';
  const pct = better === 'higher' ? ((target - value) / target) * 100 : ((value - target) / target) * 100;
  return `MISSED by ${Math.abs(value - target).toFixed(2)} ${unit} (${pct.toFixed(1)}%)`;
}

/** The last JSON line of `text` whose `type` is `type` (the CLI's --output json summary). */
export function lastJsonLine(text: string, type?: string): Record<string, unknown> | undefined {
  const lines = text.split('\n').filter((l) => l.trim().startsWith('{'));
  for (let i = lines.length - 1; i >= 0; i--) {
    try {
      const parsed: unknown = JSON.parse(lines[i] ?? '');
      if (typeof parsed === 'object' && parsed !== null && (type === undefined || (parsed as Record<string, unknown>)['type'] === type)) return parsed as Record<string, unknown>;
    } catch {
      // not JSON
    }
  }
  return undefined;
}

/** The 1-minute load average, to show how busy the machine was while a figure was measured. */
export function loadNote(): string {
  return `load ${loadavg()[0]?.toFixed(1) ?? '?'} on ${availableParallelism()} CPUs`;
}
