import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

/** The CLI as a child process (for tests that kill it): started from the sources through tsx. */

const ROOT = join(import.meta.dirname, '..');

export interface Run {
  child: ChildProcess;
  stdout: string;
  stderr: string;
  exit: Promise<number | null>;
}

export function startCli(args: string[], env: Record<string, string> = {}): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: ROOT, env: { ...process.env, ...env, LAKESHIFT_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  const run: Run = { child, stdout: '', stderr: '', exit: new Promise((resolve) => child.on('exit', (code) => resolve(code))) };
  child.stdout?.on('data', (d: Buffer) => (run.stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (run.stderr += d.toString()));
  return run;
}

export async function waitFor(run: Run, test: (r: Run) => boolean, what: string, timeoutMs = 90_000): Promise<void> {
  const started = Date.now();
  while (!test(run)) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}; stderr: ${run.stderr.slice(-2000)}`);
    if (run.child.exitCode !== null) throw new Error(`the CLI exited (${run.child.exitCode}) before ${what}; stderr: ${run.stderr.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function kill(run: Run): Promise<void> {
  run.child.kill('SIGKILL');
  await run.exit;
}
