import { createServer } from 'node:net';
import { UserError } from './cli-error.js';

/** What the emulator commands start: anything that listens and can be closed. */
interface Closable {
  close(): Promise<void>;
}

/**
 * Starts a server, prints its one ready line, and serves until SIGINT or SIGTERM, then closes it.
 * A taken port becomes a UserError (exit 4) naming the port; a host that is not an address of this
 * machine, or a privileged port, a UserError (exit 2).
 */
export async function serveUntilSignal<T extends Closable>(
  start: () => Promise<T>,
  where: { port?: number; host?: string },
  readyLine: (server: T) => string,
): Promise<void> {
  let server: T;
  try {
    server = await start();
  } catch (error) {
    const code = (error as { code?: string }).code;
    const host = where.host ?? '127.0.0.1';
    hostError(code, host);
    if (code === 'EADDRINUSE') {
      throw new UserError(`Port ${where.port ?? 0} on ${host} is already in use; pick another --port.`, 4);
    }
    if (code === 'EACCES') throw new UserError(`Port ${where.port ?? 0} on ${host} needs privileges this process lacks; pick a --port above 1023.`);
    throw error;
  }
  process.stdout.write(`${readyLine(server)}\n`);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void server.close().then(resolve, resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/** A --host that is no address of this machine (or no name at all) is bad input, not a bug. */
function hostError(code: string | undefined, host: string): void {
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EADDRNOTAVAIL' || code === 'EAI_NONAME') {
    throw new UserError(`--host '${host}' is not an address of this machine (${code}); give an address such as 127.0.0.1 or 0.0.0.0.`);
  }
}

/**
 * Checks that `host` can be listened on (binding a throwaway socket on a free port), so that a command
 * can refuse a bad --host before it creates anything. Throws UserError (exit 2).
 */
export async function checkBindableHost(host: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => {
      try {
        hostError(error.code, host);
        reject(error);
      } catch (userError) {
        reject(userError);
      }
    });
    probe.listen(0, host, () => probe.close(() => resolve()));
  });
}

/** Commander accumulator for repeatable options. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
