/**
 * Locating and running the AzCopy binary shipped by the npm package @azure-tools/azcopy-linux
 * (devDependency). `findAzCopy` says why AzCopy cannot run instead of throwing, so tests can skip with
 * the reason.
 */
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, chmodSync, constants, existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  AccountSASPermissions,
  AccountSASResourceTypes,
  AccountSASServices,
  SASProtocol,
  StorageSharedKeyCredential,
  generateAccountSASQueryParameters,
} from '@azure/storage-blob';

export const AZCOPY_PATH = resolve('node_modules/@azure-tools/azcopy-linux/dist/bin/azcopy_linux_amd64');

export type AzCopyAvailability = { ok: true; path: string; version: string } | { ok: false; reason: string };

/** Finds a runnable AzCopy; makes the shipped binary executable when npm left the bit off. */
export function findAzCopy(): AzCopyAvailability {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    return { ok: false, reason: `AzCopy from @azure-tools/azcopy-linux needs linux/x64, this is ${process.platform}/${process.arch}.` };
  }
  if (!existsSync(AZCOPY_PATH)) {
    return { ok: false, reason: `AzCopy binary missing at ${AZCOPY_PATH}: run npm ci (devDependency @azure-tools/azcopy-linux@10.32.2).` };
  }
  try {
    accessSync(AZCOPY_PATH, constants.X_OK);
  } catch {
    try {
      chmodSync(AZCOPY_PATH, 0o755);
    } catch (error) {
      return { ok: false, reason: `AzCopy at ${AZCOPY_PATH} is not executable and chmod failed (${String(error)}); run bash .ci/azcopy-setup.sh.` };
    }
  }
  const probe = spawnSync(AZCOPY_PATH, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  if (probe.status !== 0) {
    const why = `${probe.stderr ?? ''}${probe.error ? String(probe.error) : ''}`.trim();
    const hint = why.includes('libsecret') ? ' Install libsecret-1-0 (bash .ci/azcopy-setup.sh).' : '';
    return { ok: false, reason: `AzCopy does not start: ${why.slice(0, 300) || `exit ${String(probe.status)}`}.${hint}` };
  }
  return { ok: true, path: AZCOPY_PATH, version: probe.stdout.trim() };
}

/** Account SAS (all blob permissions, service/container/object, http and https) valid for `hours`. */
export function makeAccountSas(account: string, key: string, hours = 6): string {
  const now = Date.now();
  return generateAccountSASQueryParameters(
    {
      permissions: AccountSASPermissions.parse('rwdlacupitfx'),
      services: AccountSASServices.parse('b').toString(),
      resourceTypes: AccountSASResourceTypes.parse('sco').toString(),
      protocol: SASProtocol.HttpsAndHttp,
      startsOn: new Date(now - 10 * 60_000),
      expiresOn: new Date(now + hours * 3600_000),
    },
    new StorageSharedKeyCredential(account, key),
  ).toString();
}

export interface AzCopyRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  wallSeconds: number;
}

/**
 * Runs AzCopy with logs and job plans kept under `scratchDir`; resolves when it exits (never rejects on a
 * failed job: check `exitCode`). Output is kept in memory; SAS signatures must not be printed by callers.
 */
export function runAzCopy(path: string, args: string[], scratchDir: string, extraEnv: Record<string, string> = {}): Promise<AzCopyRun> {
  const logs = join(scratchDir, 'azcopy-logs');
  const plans = join(scratchDir, 'azcopy-plans');
  mkdirSync(logs, { recursive: true });
  mkdirSync(plans, { recursive: true });
  const started = performance.now();
  return new Promise((resolveRun, reject) => {
    const child = spawn(path, args, {
      env: { ...process.env, AZCOPY_LOG_LOCATION: logs, AZCOPY_JOB_PLAN_LOCATION: plans, AZCOPY_DISABLE_SYSLOG: 'true', ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolveRun({ exitCode: code ?? -1, stdout, stderr, wallSeconds: (performance.now() - started) / 1000 }));
  });
}

/** Removes `sig=...` values from text so AzCopy output can be shown safely. */
export function redactSas(text: string): string {
  return text.replace(/([?&]sig=)[^&\s"']+/gi, '$1REDACTED');
}
