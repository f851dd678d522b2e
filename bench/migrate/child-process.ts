/**
 * Running a lakeshift command (or any program) as a child process while sampling its CPU time and
 * peak resident set (VmHWM from /proc/PID/status, read every 100 ms until it exits).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readProcessCpuSeconds } from '../lib/proc-cpu.js';

export interface ChildRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  wallSeconds: number;
  /** CPU seconds of the child (last sample before exit). */
  cpuSeconds: number;
  /** Peak resident set in MB (last sample before exit). */
  peakRssMb: number;
}

function readPeakRssMb(pid: number): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m?.[1] === undefined ? undefined : Number(m[1]) / 1024;
  } catch {
    return undefined;
  }
}

/** Runs `command args`; resolves when it exits (never rejects on a non-zero exit: check exitCode). */
export function runChild(command: string, args: string[], env: Record<string, string> = {}): Promise<ChildRun> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    let cpu = 0;
    let peak = 0;
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString('utf8')).slice(-200_000)));
    const sample = (): void => {
      if (child.pid === undefined) return;
      peak = Math.max(peak, readPeakRssMb(child.pid) ?? 0);
      try {
        cpu = readProcessCpuSeconds(child.pid);
      } catch {
        // exited between samples
      }
    };
    const timer = setInterval(sample, 100);
    child.on('error', (e) => {
      clearInterval(timer);
      reject(e);
    });
    child.on('exit', () => clearInterval(timer));
    child.on('close', (code) => resolve({ exitCode: code ?? -1, stdout, stderr, wallSeconds: (performance.now() - started) / 1000, cpuSeconds: cpu, peakRssMb: peak }));
  });
}

let cliArgs: string[] = ['--import', 'tsx', 'src/cli/main.ts'];

/** Sets how `runLakeshift` starts the CLI: node arguments before the command (see build-cli.ts). */
export function useLakeshiftCli(nodeArgs: string[]): void {
  cliArgs = nodeArgs;
}

/** `node <cli> ...args` as a child (the CLI chosen with useLakeshiftCli; default the sources through tsx). */
export function runLakeshift(args: string[], env: Record<string, string> = {}): Promise<ChildRun> {
  const extra = (process.env.LAKESHIFT_BENCH_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
  return runChild(process.execPath, [...extra, ...cliArgs, ...args], { LAKESHIFT_LOG_LEVEL: 'error', ...env });
}
