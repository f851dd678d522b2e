import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A PostgreSQL cluster of the test's own (initdb in a temp folder, a free loopback port), so that a
 * test can stop and start it without touching the machine's PostgreSQL. As root it runs as the
 * `postgres` user (initdb refuses root) through runuser, with the folder owned by that user.
 */
export interface OwnPostgres {
  /** Admin URL (user postgres, database postgres, trust auth on loopback). */
  url: string;
  stop(): void;
  start(): void;
  /** Stops it and removes its folder. */
  remove(): void;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a !== null ? a.port : 0));
    });
  });
}

/** The newest /usr/lib/postgresql/N/bin that has initdb and pg_ctl, or why there is none. */
function findBin(): string | { skip: string } {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return { skip: `${root} is missing (no PostgreSQL server binaries to start a cluster of the test's own)` };
  const versions = readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb')) && existsSync(join(root, v, 'bin', 'pg_ctl'))).sort((a, b) => Number(b) - Number(a));
  const v = versions[0];
  return v === undefined ? { skip: `no initdb and pg_ctl under ${root}/*/bin` } : join(root, v, 'bin');
}

/** Starts an own cluster, or returns why it cannot (the caller skips with that reason printed). */
export async function startOwnPostgres(): Promise<OwnPostgres | { skip: string }> {
  const bin = findBin();
  if (typeof bin !== 'string') return bin;
  const asRoot = process.getuid?.() === 0;
  let uid: number | undefined;
  let gid: number | undefined;
  if (asRoot) {
    try {
      uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
      gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    } catch {
      return { skip: 'running as root and there is no postgres user to run initdb as (initdb refuses root)' };
    }
  }
  const dir = mkdtempSync(join(tmpdir(), 'ls-own-pg-'));
  if (uid !== undefined && gid !== undefined) chownSync(dir, uid, gid);
  const data = join(dir, 'data');
  const port = await freePort();
  const run = (tool: string, args: string[]): void => {
    const cmd = asRoot ? ['runuser', '-u', 'postgres', '--', join(bin, tool), ...args] : [join(bin, tool), ...args];
    execFileSync(cmd[0] ?? 'false', cmd.slice(1), { stdio: 'pipe', cwd: dir });
  };
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  const start = (): void => run('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-w', '-t', '60', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`, 'start']);
  const stop = (): void => run('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '60', 'stop']);
  start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start, stop,
    remove: () => {
      try {
        stop();
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
