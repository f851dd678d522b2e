import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Store } from '../../src/core/store.js';
import { startGen1Emulator, type Gen1Emulator } from '../../src/emulators/gen1/index.js';
import { startGen2Emulator, type Gen2Emulator } from '../../src/emulators/gen2/index.js';
import { seedLake, type SeedSummary } from '../../src/seed/index.js';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Run } from '../cli-process.js';
import { gen1Uri, gen2Uri, openGen1 } from '../migrate-helpers.js';

/** Shared by the scale-out suites: a seeded Gen1 emulator, a Gen2 emulator, a fresh PostgreSQL database, worker processes. */

export const PG_ADMIN = process.env['LAKESHIFT_TEST_PG'] ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env['LAKESHIFT_TEST_REDIS'] ?? 'redis://127.0.0.1:6379';

/** A new database on the server of `admin` (dropped by the returned function). */
export async function createDatabase(admin: string = PG_ADMIN): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `ls_scaleout_${randomBytes(4).toString('hex')}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
      await c.end();
    },
  };
}

export interface Lake {
  gen1: Gen1Emulator;
  gen2: Gen2Emulator;
  source: Store;
  seed: SeedSummary;
  srcUri: string;
  destUri(fs: string): string;
  close(): Promise<void>;
}

/** The seeded small lake on a Gen1 emulator and an empty Gen2 emulator, both with `latencyMs` per request. */
export async function startLake(latencyMs: number): Promise<Lake> {
  const faults = latencyMs > 0 ? { latencyMs } : undefined;
  const gen1 = await startGen1Emulator({ port: 0, inMemory: true, ...(faults === undefined ? {} : { faults }) });
  const gen2 = await startGen2Emulator({ port: 0, inMemory: true, ...(faults === undefined ? {} : { faults }) });
  const source = openGen1(gen1.url, 'lake');
  await source.mkdir('');
  const seed = await seedLake(source, { profile: 'small', concurrency: 16 });
  return {
    gen1, gen2, source, seed, srcUri: gen1Uri(gen1.url, 'lake'), destUri: (fs) => gen2Uri(gen2.url, fs),
    close: async () => {
      await source.close();
      await gen1.close();
      await gen2.close();
    },
  };
}

/** A worker process logging at info (its batch.done and lease.lost lines are what the tests watch). */
export function startWorker(state: string, extra: string[] = [], env: Record<string, string> = {}): Run {
  const args = ['worker', '--state', state, '--concurrency', '8', '--batches', '2', '--lock-ms', '3000', '--output', 'json', ...extra];
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: join(import.meta.dirname, '..', '..'), env: { ...process.env, LAKESHIFT_LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  const run: Run = { child, stdout: '', stderr: '', exit: new Promise((resolve) => child.on('exit', (code) => resolve(code))) };
  child.stdout?.on('data', (d: Buffer) => (run.stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (run.stderr += d.toString()));
  return run;
}
