/**
 * Azurite 3.37.0 as the reference emulator of benchmarks: installed on demand into a scratch npm prefix
 * (it is ~365 MB, too big for a devDependency) and started in memory on loopback.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pickFreePort, startServerProcess, type ServerProcess } from './server-process.js';

export const AZURITE_VERSION = '3.37.0';
export const AZURITE_PREFIX = join(tmpdir(), 'lakeshift-bench-azurite');
const MAIN = join(AZURITE_PREFIX, 'node_modules', 'azurite', 'dist', 'src', 'blob', 'main.js');

/** Installs Azurite into the scratch prefix unless already there; returns the blob server entry point. */
export function ensureAzurite(log: (line: string) => void = () => undefined): string {
  if (existsSync(MAIN)) return MAIN;
  mkdirSync(AZURITE_PREFIX, { recursive: true });
  log(`installing azurite@${AZURITE_VERSION} into ${AZURITE_PREFIX} (one time)`);
  execFileSync('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--prefix', AZURITE_PREFIX, `azurite@${AZURITE_VERSION}`], { stdio: 'ignore' });
  if (!existsSync(MAIN)) throw new Error(`azurite install finished but ${MAIN} is missing`);
  return MAIN;
}

/** Starts Azurite's blob service in memory on 127.0.0.1 with a free port. */
export async function startAzurite(): Promise<ServerProcess> {
  const main = ensureAzurite();
  const port = await pickFreePort();
  // --location may not be combined with --inMemoryPersistence.
  return startServerProcess(
    process.execPath,
    [main, '--blobHost', '127.0.0.1', '--blobPort', String(port), '--disableTelemetry', '--inMemoryPersistence', '--silent', '--skipApiVersionCheck'],
    port,
    'devstoreaccount1',
  );
}
