/**
 * Running a storage server as a child process (so its CPU can be read from /proc) and waiting until it
 * accepts connections. Both emulators of a benchmark are started through here.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface ServerProcess {
  pid: number;
  port: number;
  /** Base URL including the account segment, e.g. http://127.0.0.1:PORT/devstoreaccount1 */
  accountUrl: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** A currently free loopback port (the OS picks it; a short race with other processes is accepted). */
export async function pickFreePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function waitForPort(port: number, child: ChildProcess, timeoutMs: number, output: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with code ${child.exitCode} before listening: ${output().slice(-800)}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`server did not listen on 127.0.0.1:${port} within ${timeoutMs} ms: ${output().slice(-800)}`);
}

/** Spawns `command args` expecting it to listen on `port`; resolves once it does. */
export async function startServerProcess(command: string, args: string[], port: number, account: string, timeoutMs = 60_000): Promise<ServerProcess> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output = (output + chunk.toString('utf8')).slice(-4000)));
  child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString('utf8')).slice(-4000)));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await waitForPort(port, child, timeoutMs, () => output);
  } catch (error) {
    await stop();
    throw error;
  }
  if (child.pid === undefined) throw new Error(`${command} did not start`);
  return { pid: child.pid, port, accountUrl: `http://127.0.0.1:${port}/${account}`, child, stop };
}
