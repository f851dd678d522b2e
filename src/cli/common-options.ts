import { Option, type Command } from 'commander';
import type { OpenStoreOptions } from '../stores/open-store.js';
import { UserError } from './cli-error.js';

/**
 * Options shared by every command that opens stores, declared once as data: the flag, the
 * environment variable it falls back to, the help text, and whether it is a secret (secrets are
 * never echoed, logged or put in reports).
 */
export const STORE_OPTIONS = [
  { key: 'gen1Token', flag: '--gen1-token <token>', env: 'LAKESHIFT_GEN1_TOKEN', secret: true, help: 'bearer token for Gen1 (default: @azure/identity; minted automatically for a loopback emulator)' },
  { key: 'accountKey', flag: '--account-key <key>', env: 'AZURE_STORAGE_KEY', secret: true, help: 'Gen2 Shared Key (default: SAS in the URI, connection string, @azure/identity; the well-known key for a loopback devstoreaccount1)' },
  { key: 'sas', flag: '--sas <token>', env: 'AZURE_STORAGE_SAS_TOKEN', secret: true, help: 'Gen2 SAS token when the URI carries none' },
  { key: 'connectionString', flag: '--connection-string <text>', env: 'AZURE_STORAGE_CONNECTION_STRING', secret: true, help: 'Gen2 connection string' },
] as const;

export type OutputFormat = 'text' | 'json';

/** Adds the store credential options and `--output` to a command. */
export function addStoreOptions(command: Command): Command {
  for (const o of STORE_OPTIONS) command.addOption(new Option(o.flag, o.help).env(o.env).hideHelp(false));
  command.addOption(new Option('--output <format>', 'text for people, json for scripts').choices(['text', 'json']).default('text'));
  return command;
}

/** Reads the store options back from parsed command options. */
export function storeOptionsFrom(opts: Record<string, unknown>): OpenStoreOptions {
  const out: OpenStoreOptions = {};
  for (const o of STORE_OPTIONS) {
    const v = opts[o.key];
    if (typeof v === 'string' && v !== '') out[o.key] = v;
  }
  return out;
}

export function outputFrom(opts: Record<string, unknown>): OutputFormat {
  return opts['output'] === 'json' ? 'json' : 'text';
}

/** Parses a whole number option, with a clear error naming the flag. */
export function parseWholeNumber(flag: string, text: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new UserError(`${flag} must be a whole number from ${min} to ${max}, got '${text}'.`);
  }
  return n;
}

/** Parses a percentage option (0 < p <= 100). */
export function parsePercent(flag: string, text: string): number {
  const n = Number(text.replace(/%$/, ''));
  if (!Number.isFinite(n) || n <= 0 || n > 100) throw new UserError(`${flag} must be a percentage above 0 and at most 100, got '${text}'.`);
  return n;
}
