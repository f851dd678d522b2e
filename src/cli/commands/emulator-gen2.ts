/**
 * `lakeshift emulator gen2`: run the ADLS Gen2 emulator (DFS + Blob on one port) until SIGINT/SIGTERM.
 */
import { statSync } from 'node:fs';
import type { Command } from 'commander';
import type { Gen2EmulatorOptions } from '../../emulators/gen2/index.js';
import { parseFaultSpec } from '../../emulators/kit/faults.js';
import { UserError } from '../cli-error.js';
import { collect, serveUntilSignal } from '../serve-until-signal.js';

/**
 * The emulator's default account and its well-known key (DEV_ACCOUNT and DEV_ACCOUNT_KEY of
 * emulators/gen2, Azurite's public development account). Repeated here because the emulator is imported
 * only when `emulator gen2` runs, which keeps every other command's start fast; emulator-gen2.test.ts
 * checks they are equal.
 */
export const DEV_ACCOUNT = 'devstoreaccount1';
export const DEV_ACCOUNT_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface Gen2Flags {
  port: string;
  location?: string;
  inMemory?: boolean;
  account: string[];
  cert?: string;
  key?: string;
  anonymous?: boolean;
  superuser: string[];
  host: string;
  faults?: string;
  rehydrate?: string;
  /** commander's `--no-blob-public-access`: false when given. */
  blobPublicAccess?: boolean;
}

/** `--rehydrate STANDARD[,HIGH]` in seconds (decimals allowed) → milliseconds by priority. */
function parseRehydrate(text: string): { standard: number; high: number } {
  const parts = text.split(',').map((s) => s.trim());
  const secs = parts.map(Number);
  if (parts.length > 2 || parts.some((p) => !/^\d+(\.\d+)?$/.test(p))) {
    throw new UserError(`--rehydrate must be STANDARD[,HIGH] in seconds (e.g. 5,1), got '${text}'.`);
  }
  const standard = (secs[0] ?? 0) * 1000;
  return { standard, high: (secs[1] ?? Math.min(secs[0] ?? 0, 3600)) * 1000 };
}


function parseAccount(text: string): { name: string; key: string; secondaryKey?: string } {
  const [name = '', key = '', secondaryKey, ...rest] = text.includes(':') ? text.split(':') : [''];
  if (!/^[a-z0-9]{3,24}$/.test(name)) throw new UserError(`--account must look like NAME:BASE64KEY[:BASE64KEY2] with NAME 3-24 lowercase letters or digits; '${name || text.replace(/:.*/, '')}' is not a valid account name.`);
  if (rest.length > 0) throw new UserError(`--account ${name}: give at most two keys (NAME:KEY1:KEY2), as an Azure account has.`);
  for (const [which, k] of [['key', key], ['second key', secondaryKey]] as const) {
    if (k === undefined && which === 'second key') continue;
    if (k === undefined || k === '' || !/^[A-Za-z0-9+/]+={0,2}$/.test(k) || Buffer.from(k, 'base64').length < 16) {
      throw new UserError(`--account ${name}: the ${which} must be base64 of at least 16 bytes (like the dev key of ${DEV_ACCOUNT}).`);
    }
  }
  return secondaryKey === undefined ? { name, key } : { name, key, secondaryKey };
}

/** Turns gen2 flags into emulator options; throws UserError (exit 2) on bad input. Never echoes keys. */
export function resolveGen2Options(flags: Gen2Flags): Gen2EmulatorOptions {
  const hasLocation = flags.location !== undefined && flags.location !== '';
  if (hasLocation && flags.location !== undefined && statSync(flags.location, { throwIfNoEntry: false })?.isDirectory() === false) {
    throw new UserError(`--location '${flags.location}' is a file, not a directory: give a directory for the emulator's data (it is created when missing).`);
  }
  if (hasLocation === (flags.inMemory === true)) throw new UserError('Give exactly one of --location DIR (data kept on disk) or --in-memory.');
  if ((flags.cert === undefined) !== (flags.key === undefined)) throw new UserError('--cert and --key go together: pass both PEM files to serve HTTPS, or neither for HTTP.');
  const n = Number(flags.port);
  if (!/^\d+$/.test(flags.port) || n > 65535) throw new UserError(`--port must be a number from 0 to 65535 (0 = any free port), got '${flags.port}'.`);
  const accounts = flags.account.length === 0 ? [{ name: DEV_ACCOUNT, key: DEV_ACCOUNT_KEY }] : flags.account.map(parseAccount);
  const names = new Set<string>();
  for (const a of accounts) {
    if (names.has(a.name)) throw new UserError(`--account ${a.name} is given twice; name each account once.`);
    names.add(a.name);
  }
  let faults;
  if (flags.faults !== undefined) {
    try {
      faults = parseFaultSpec(flags.faults);
    } catch (error) {
      throw new UserError(`--faults: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return {
    port: n,
    host: flags.host,
    accounts,
    superusers: flags.superuser,
    anonymous: flags.anonymous === true,
    ...(flags.blobPublicAccess === false ? { allowBlobPublicAccess: false } : {}),
    ...(hasLocation && flags.location !== undefined ? { location: flags.location } : { inMemory: true }),
    ...(flags.cert === undefined ? {} : { certPath: flags.cert }),
    ...(flags.key === undefined ? {} : { keyPath: flags.key }),
    ...(faults === undefined ? {} : { faults }),
    ...(flags.rehydrate === undefined ? {} : { rehydrateMs: parseRehydrate(flags.rehydrate) }),
  };
}

/** Adds `gen2` under the `emulator` command. */
export function registerGen2Commands(emulator: Command): void {
  emulator
    .command('gen2')
    .description('Run the local ADLS Gen2 emulator (DFS and Blob endpoints on one port) until SIGINT/SIGTERM.')
    .option('--port <port>', 'port to listen on (0 = any free port)', '0')
    .option('--location <dir>', 'data directory (SQLite metadata and chunk files)')
    .option('--in-memory', 'keep everything in memory (lost on exit)')
    .option('--account <name:key>', `account and base64 key, optionally a second key NAME:KEY1:KEY2 (repeatable; default ${DEV_ACCOUNT} with its well-known key)`, collect, [])
    .option('--cert <file>', 'PEM certificate for HTTPS')
    .option('--key <file>', 'PEM private key for HTTPS')
    .option('--anonymous', 'accept requests without credentials (they act as $superuser)')
    .option('--no-blob-public-access', 'the accounts disallow public access (AllowBlobPublicAccess false): public container levels and anonymous requests get 409 PublicAccessNotPermitted')
    .option('--superuser <oid>', 'object id treated as a superuser when it calls with a bearer token (repeatable)', collect, [])
    .option('--host <addr>', 'address to bind', '127.0.0.1')
    .option('--faults <spec>', 'fault injection: every=N,kind=status|reset|truncate|cut-request|slow-body|storm, status=503|429|500, retry-after=S|none, slow=MS, latency=MS, fail-op=OP')
    .option('--rehydrate <seconds>', 'time an Archive blob takes to rehydrate, STANDARD[,HIGH] seconds (default 54000,3600 as Azure\'s upper bounds)')
    .action(async (flags: Gen2Flags) => {
      const options = resolveGen2Options(flags);
      const { startGen2Emulator } = await import('../../emulators/gen2/index.js');
      await serveUntilSignal(() => startGen2Emulator(options), options, (emu) => `lakeshift gen2 emulator listening on ${emu.url} (accounts: ${emu.accounts.join(', ')})`);
    });
}
