import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AccountSASPermissions, AccountSASResourceTypes, AccountSASServices, generateAccountSASQueryParameters, StorageSharedKeyCredential } from '@azure/storage-blob';
import { GEN1_EMULATOR_ADMIN_OID } from '../src/emulators/gen1/index.js';
import { GEN1_AUDIENCE, mintToken } from '../src/emulators/kit/jwt.js';

/**
 * Shared by the secrets suites (test/secrets*.test.ts): the secrets in play, the CLI as a child process
 * with debug logging and a client secret in its environment, and the search of everything it printed
 * and wrote.
 */

export const ROOT = resolve(import.meta.dirname, '..');
export const ACCOUNT = 'secretacct';
export const KEY = randomBytes(64).toString('base64');
export const CLIENT_SECRET = `cs-${randomBytes(12).toString('hex')}`;
export const TOKEN = mintToken({ oid: GEN1_EMULATOR_ADMIN_OID, audience: GEN1_AUDIENCE, ttlSeconds: 3600 });
export const SAS = generateAccountSASQueryParameters({
  permissions: AccountSASPermissions.parse('rwdlacup'),
  services: AccountSASServices.parse('b').toString(),
  resourceTypes: AccountSASResourceTypes.parse('sco').toString(),
  expiresOn: new Date(Date.now() + 3600_000),
  version: '2021-12-02',
}, new StorageSharedKeyCredential(ACCOUNT, KEY)).toString();

/** Each secret, and the parts a careless redaction would leave (the SAS signature, the token's payload). */
export function secretsToFind(extra: Record<string, string> = {}): Record<string, string> {
  const signature = new URLSearchParams(SAS).get('sig') ?? '';
  return {
    'account key': KEY,
    'account key (URL-encoded)': encodeURIComponent(KEY),
    'SAS signature': signature,
    'SAS signature (URL-encoded)': encodeURIComponent(signature),
    'bearer token': TOKEN,
    'bearer token payload': TOKEN.split('.')[1] ?? '',
    'client secret': CLIENT_SECRET,
    ...extra,
  };
}

/** How the CLI starts: from the sources through tsx, or from a bundle of them (useBundledCli). */
let entry: string[] = ['--import', 'tsx', join(ROOT, 'src/cli/main.ts')];

/**
 * Bundles the current sources with esbuild (as `npm run build` does, but into a folder of this run's
 * own under dist/, so that paths relative to the bundle resolve as from dist/bundle) and starts every
 * CLI child from it: a process then starts in a fraction of tsx's time, which keeps these suites,
 * with dozens of commands, fast on a loaded machine. Returns the clean-up.
 */
export async function useBundledCli(): Promise<() => void> {
  const { build } = await import('esbuild');
  const dir = join(ROOT, 'dist', `test-secrets-${randomBytes(4).toString('hex')}`);
  mkdirSync(join(dir, 'bin'), { recursive: true });
  await build({
    entryPoints: [join(ROOT, 'src/cli/main.ts'), join(ROOT, 'src/cutover/scan/scan-worker.ts')], entryNames: '[name]', bundle: true, splitting: true,
    platform: 'node', format: 'esm', target: 'node20', outdir: dir, logLevel: 'warning',
    external: ['better-sqlite3', 'pg', 'pino', '@azure/identity', 'playwright-core', 'echarts', 'tsx', 'jsonc-parser', 'bullmq', 'ioredis'],
    banner: { js: "import { createRequire as __lakeshiftRequire } from 'node:module'; const require = __lakeshiftRequire(import.meta.url);" },
  });
  // main.js runs the CLI when started as .../bin/lakeshift.js (its own isMain test).
  writeFileSync(join(dir, 'bin', 'lakeshift.js'), "await import('../main.js');\n");
  entry = [join(dir, 'bin', 'lakeshift.js')];
  return () => {
    entry = ['--import', 'tsx', join(ROOT, 'src/cli/main.ts')];
    rmSync(dir, { recursive: true, force: true });
  };
}

export interface Ran { what: string; code: number; out: string; err: string }

function cliEnv(env: Record<string, string>, stateDir: string): NodeJS.ProcessEnv {
  return {
    ...process.env, LAKESHIFT_STATE_DIR: stateDir, LAKESHIFT_LOG_LEVEL: 'debug',
    AZURE_CLIENT_ID: '00000000-0000-4000-8000-00000000c11e', AZURE_TENANT_ID: '00000000-0000-4000-8000-0000000000aa', AZURE_CLIENT_SECRET: CLIENT_SECRET, ...env,
  };
}

/** Runs one CLI command to its end. */
export function lakeshift(what: string, args: string[], env: Record<string, string>, stateDir: string): Promise<Ran> {
  return new Promise((done) => {
    execFile(process.execPath, [...entry, ...args], { cwd: ROOT, env: cliEnv(env, stateDir), maxBuffer: 64 * 1024 * 1024, timeout: 120_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 99;
      done({ what, code, out: stdout, err: stderr });
    });
  });
}

export type Step = [what: string, args: string[], env: Record<string, string>, codes: number[]];

/** Runs independent steps `parallel` at a time (each a process of its own); results in step order. */
export async function runSteps(steps: readonly Step[], stateDir: string, parallel = 3): Promise<Ran[]> {
  const results: Ran[] = new Array<Ran>(steps.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    for (let i = next++; i < steps.length; i = next++) {
      const [what, args, env] = steps[i]!;
      results[i] = await lakeshift(what, args, env, stateDir);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, steps.length) }, lane));
  return results;
}

/** The exit codes that did not match, one line each with the end of the output (for the assertion message). */
export function wrongCodes(steps: readonly Step[], ran: readonly Ran[]): string[] {
  return ran.flatMap((r, i) => (steps[i]![3].includes(r.code) ? [] : [`${r.what}: exit ${r.code}\n${r.out.slice(0, 800)}${r.err.slice(-1500)}`]));
}

/** A long-running command (servers): started, then stopped with SIGINT by `stop()`. */
export interface Long { what: string; child: ChildProcess; out: string; err: string; stop(): Promise<number | null> }

export function startLong(what: string, args: string[], env: Record<string, string>, stateDir: string): Long {
  const child = spawn(process.execPath, [...entry, ...args], { cwd: ROOT, env: cliEnv(env, stateDir), stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const long: Long = {
    what, child, out: '', err: '',
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGINT');
      const code = await Promise.race([exited, new Promise<'late'>((r) => setTimeout(() => r('late'), 15_000))]);
      if (code !== 'late') return code;
      child.kill('SIGKILL');
      return exited;
    },
  };
  child.stdout.on('data', (d: Buffer) => (long.out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (long.err += d.toString()));
  return long;
}

/** Waits until the output matches `pattern`; returns the first capture group. */
export async function waitForOutput(long: Long, pattern: RegExp, timeoutMs = 60_000): Promise<string> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const m = pattern.exec(long.out) ?? pattern.exec(long.err);
    if (m) return m[1] ?? m[0];
    if (long.child.exitCode !== null || Date.now() > end) throw new Error(`${long.what}: no output matching ${pattern} (exit ${long.child.exitCode}): ${long.out.slice(-1000)}${long.err.slice(-1500)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Every file under `dir`, read as bytes (job databases, reports, plans, logs). */
export function filesUnder(dir: string): { path: string; bytes: Buffer }[] {
  const out: { path: string; bytes: Buffer }[] = [];
  const visit = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) visit(p);
      else out.push({ path: p, bytes: readFileSync(p) });
    }
  };
  visit(dir);
  return out;
}

/** Where each secret was found: in a transcript or in a file under `work`. */
export function findLeaks(secrets: Record<string, string>, transcripts: readonly { what: string; text: string }[], work: string): string[] {
  const files = filesUnder(work);
  const leaks: string[] = [];
  for (const [name, secret] of Object.entries(secrets)) {
    if (secret.length < 8) continue;
    for (const t of transcripts) if (t.text.includes(secret)) leaks.push(`${name} in the output of '${t.what}'`);
    for (const f of files) if (f.bytes.includes(Buffer.from(secret))) leaks.push(`${name} in ${f.path.slice(work.length + 1)}`);
  }
  return leaks;
}
