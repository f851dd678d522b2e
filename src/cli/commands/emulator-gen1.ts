/**
 * `lakeshift emulator gen1` (run the ADLS Gen1 emulator) and `lakeshift emulator token` (mint a bearer
 * token the emulators accept).
 */
import { statSync } from 'node:fs';
import { Option, type Command } from 'commander';
import type { Gen1EmulatorOptions } from '../../emulators/gen1/index.js';
import { parseFaultSpec } from '../../emulators/kit/faults.js';
import { GEN1_AUDIENCE, mintToken, STORAGE_AUDIENCE } from '../../emulators/kit/jwt.js';
import { UserError } from '../cli-error.js';
import { collect, serveUntilSignal } from '../serve-until-signal.js';

/**
 * The emulator's admin object id (GEN1_EMULATOR_ADMIN_OID of emulators/gen1), the default of `token
 * --oid`. Repeated here because the emulator is imported only when `emulator gen1` runs, which keeps
 * every other command's start fast; emulator-gen1.test.ts checks the two are equal.
 */
export const GEN1_EMULATOR_ADMIN_OID = '0a000000-0000-4000-8000-000000000001';

interface Gen1Flags {
  port: string;
  location?: string;
  inMemory?: boolean;
  account: string;
  cert?: string;
  key?: string;
  superuser: string[];
  host: string;
  faults?: string;
}

interface TokenFlags {
  oid: string;
  audience: string;
  ttl: string;
  groups?: string;
}


function parsePort(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n > 65535) throw new UserError(`--port must be a number from 0 to 65535 (0 = any free port), got '${text}'.`);
  return n;
}

/** Turns gen1 flags into emulator options; throws UserError (exit 2) on bad combinations. */
export function resolveGen1Options(flags: Gen1Flags): Gen1EmulatorOptions {
  const hasLocation = flags.location !== undefined && flags.location !== '';
  if (hasLocation && flags.location !== undefined && statSync(flags.location, { throwIfNoEntry: false })?.isDirectory() === false) {
    throw new UserError(`--location '${flags.location}' is a file, not a directory: give a directory for the emulator's data (it is created when missing).`);
  }
  if (hasLocation === (flags.inMemory === true)) {
    throw new UserError('Give exactly one of --location DIR (data kept on disk) or --in-memory.');
  }
  if ((flags.cert === undefined) !== (flags.key === undefined)) {
    throw new UserError('--cert and --key go together: pass both PEM files to serve HTTPS, or neither for HTTP.');
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
    port: parsePort(flags.port),
    host: flags.host,
    account: flags.account,
    superusers: flags.superuser,
    ...(hasLocation && flags.location !== undefined ? { location: flags.location } : { inMemory: true }),
    ...(flags.cert === undefined ? {} : { certPath: flags.cert }),
    ...(flags.key === undefined ? {} : { keyPath: flags.key }),
    ...(faults === undefined ? {} : { faults }),
  };
}

/** Adds `gen1` and `token` under the `emulator` command. */
export function registerGen1Commands(emulator: Command): void {
  emulator
    .command('gen1')
    .description('Run the local ADLS Gen1 (WebHDFS) emulator until SIGINT/SIGTERM.')
    .option('--port <port>', 'port to listen on (0 = any free port)', '0')
    .option('--location <dir>', 'data directory (metadata database and file bytes)')
    .option('--in-memory', 'keep everything in memory (lost on exit)')
    .option('--account <name>', 'account name shown in the ready line', 'lakeshift')
    .option('--cert <file>', 'PEM certificate for HTTPS')
    .option('--key <file>', 'PEM private key for HTTPS')
    .option('--superuser <oid>', 'object id treated as a superuser (repeatable)', collect, [])
    .option('--host <addr>', 'address to bind', '127.0.0.1')
    .option('--faults <spec>', 'fault injection: every=N,kind=status|reset|truncate|cut-request|slow-body|storm, status=503|429|500, retry-after=S|none, slow=MS, latency=MS, fail-op=OP')
    .action(async (flags: Gen1Flags) => {
      const options = resolveGen1Options(flags);
      const { startGen1Emulator } = await import('../../emulators/gen1/index.js');
      await serveUntilSignal(() => startGen1Emulator(options), options, (emu) => `lakeshift gen1 emulator listening on ${emu.url} (account ${emu.account})`);
    });

  emulator
    .command('token')
    .description('Print a bearer token the local emulators accept (never valid on Azure).')
    .option('--oid <id>', 'object id of the caller', GEN1_EMULATOR_ADMIN_OID)
    .addOption(new Option('--audience <which>', 'gen1 (https://datalake.azure.net/) or storage').choices(['gen1', 'storage']).default('gen1'))
    .option('--ttl <seconds>', 'lifetime in seconds', '3600')
    .option('--groups <ids>', 'comma-separated group object ids (groups claim)')
    .action((flags: TokenFlags) => {
      if (flags.oid.trim() === '') throw new UserError('--oid must not be empty.');
      if (!/^\d+$/.test(flags.ttl) || Number(flags.ttl) < 1) throw new UserError(`--ttl must be a whole number of seconds (1 or more), got '${flags.ttl}'.`);
      const groups = flags.groups?.split(',').map((g) => g.trim()).filter((g) => g !== '');
      const token = mintToken({
        oid: flags.oid,
        audience: flags.audience === 'storage' ? STORAGE_AUDIENCE : GEN1_AUDIENCE,
        ttlSeconds: Number(flags.ttl),
        ...(groups === undefined ? {} : { groups }),
      });
      process.stdout.write(`${token}\n`);
    });
}
