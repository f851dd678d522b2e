import { UserError } from './cli-error.js';

/** What the emulator commands start: anything that listens and can be closed. */
interface Closable {
  close(): Promise<void>;
}

/**
 * Starts a server, prints its one ready line, and serves until SIGINT or SIGTERM, then closes it.
 * A taken port becomes a UserError (exit 4) naming the port.
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
    if ((error as { code?: string }).code === 'EADDRINUSE') {
      throw new UserError(`Port ${where.port ?? 0} on ${where.host ?? '127.0.0.1'} is already in use; pick another --port.`, 4);
    }
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

/** Commander accumulator for repeatable options. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
