import { parseLocation, type StoreLocation } from '../../core/uri.js';
import type { Store } from '../../core/store.js';
import { isStorageError } from '../../core/errors.js';
import { createGen1Store } from '../../stores/gen1/index.js';
import { openLocation } from '../../stores/open-store.js';
import { seedLake, SEED_PROFILES, type SeedProfile, type SeedSummary } from '../../seed/index.js';
import { UserError } from '../cli-error.js';
import type { SeedFlags } from './seed.js';

function parseWhole(flag: string, text: string | undefined, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text.replace(/_/g, ''));
  if (!/^\d[\d_]*$/.test(text) || !Number.isInteger(value) || value < min || value > max) {
    throw new UserError(`${flag} must be a whole number from ${min} to ${max}, got '${text}'.`);
  }
  return value;
}

function openTarget(location: StoreLocation, token: string | undefined): Store {
  if (location.kind === 'gen1') return createGen1Store(location, token === undefined ? {} : { token });
  return openLocation(location, { role: 'dest' });
}

function formatSummary(uri: string, s: SeedSummary): string {
  const mib = (s.bytes / 1024 / 1024).toFixed(1);
  const lines = [
    `Seeded ${uri} with the ${s.profile} profile in ${(s.elapsedMs / 1000).toFixed(1)} s:`,
    `  ${s.files} files, ${s.directories} directories (${s.emptyDirectories.length} empty), ${mib} MiB; largest file ${s.largestFile.size} bytes`,
    `  ${s.awkward.length} awkward names (${[...new Set(s.awkward.map((a) => a.kind))].join(', ')}); deepest path ${s.deepestPath.depth} segments`,
    `  ${s.aclPaths.length} extended ACLs (${s.nearLimitAclPaths.length} near the 32-entry limit), ${s.stickyPaths.length} sticky, ${s.expiringFiles.length} expiring files, ${s.owners.length} owners, ${s.groups.length} groups`,
  ];
  if (s.skipped.length > 0) lines.push(`  skipped ${s.skipped.length} names the store refuses: ${s.skipped.slice(0, 5).map((x) => `${JSON.stringify(x.path)} (${x.reason})`).join('; ')}`);
  if (s.unsupported.length > 0) lines.push(`  left out (the store cannot hold them): ${s.unsupported.join(', ')}`);
  return `${lines.join('\n')}\n`;
}

/** The `emulator seed` action: validates the flags, writes the lake into the store URI names, prints the summary. */
export async function runSeedCommand(uri: string, flags: SeedFlags): Promise<void> {
  if (!(SEED_PROFILES as readonly string[]).includes(flags.profile)) {
    throw new UserError(`--profile must be one of ${SEED_PROFILES.join(', ')}, got '${flags.profile}'.`);
  }
  const profile = flags.profile as SeedProfile;
  const files = parseWhole('--files', flags.files, 1, 10_000_000);
  if (files !== undefined && profile !== 'bench') throw new UserError('--files applies to --profile bench only.');
  const concurrency = parseWhole('--concurrency', flags.concurrency, 1, 256);
  let location: StoreLocation;
  try {
    location = parseLocation(uri);
  } catch (error) {
    throw new UserError(isStorageError(error) ? error.message : String(error));
  }
  const token = flags.gen1Token ?? process.env['LAKESHIFT_GEN1_TOKEN'];
  const store = openTarget(location, token === '' ? undefined : token);
  const tty = process.stderr.isTTY;
  let lastDraw = 0;
  try {
    await store.mkdir('');
    const summary = await seedLake(store, {
      profile,
      ...(files === undefined ? {} : { files }),
      ...(concurrency === undefined ? {} : { concurrency }),
      onProgress: (n) => {
        const now = Date.now();
        if (tty && now - lastDraw > 200) {
          lastDraw = now;
          process.stderr.write(`\rseeding: ${n} steps done`);
        }
      },
    });
    if (tty) process.stderr.write('\r\x1b[K');
    process.stdout.write(flags.json === true ? `${JSON.stringify(summary, null, 2)}\n` : formatSummary(store.displayUri, summary));
  } finally {
    await store.close();
  }
}
