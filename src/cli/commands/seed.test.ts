import { randomUUID } from 'node:crypto';
import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { dropMemoryStore } from '../../stores/memory/index.js';
import { UserError } from '../cli-error.js';
import { registerSeedCommand } from './seed.js';

function program(): Command {
  const root = new Command('lakeshift').exitOverride();
  const emulator = root.command('emulator').exitOverride();
  registerSeedCommand(emulator);
  emulator.commands.forEach((c) => c.exitOverride());
  return root;
}

describe('lakeshift emulator seed', () => {
  const names: string[] = [];
  afterEach(() => {
    vi.restoreAllMocks();
    for (const n of names.splice(0)) dropMemoryStore(n);
  });

  it('seeds a store named by URI and prints a summary', async () => {
    const name = `cli-seed-${randomUUID()}`;
    names.push(name);
    const out: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    });
    await program().parseAsync(['emulator', 'seed', `memory://${name}/lake`, '--profile', 'small'], { from: 'user' });
    const text = out.join('');
    expect(text).toMatch(/Seeded memory:\/\/.* with the small profile/);
    expect(text).toMatch(/\d+ files, \d+ directories/);
    expect(text).toMatch(/awkward names/);
  });

  it('prints JSON with --json', async () => {
    const name = `cli-seed-${randomUUID()}`;
    names.push(name);
    const out: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    });
    await program().parseAsync(['emulator', 'seed', `memory://${name}/`, '--profile', 'small', '--json'], { from: 'user' });
    const summary = JSON.parse(out.join('')) as { files: number; profile: string };
    expect(summary.profile).toBe('small');
    expect(summary.files).toBeGreaterThan(10);
  });

  it.each([
    [['--profile', 'huge'], /--profile must be one of small, demo, bench/],
    [['--profile', 'small', '--files', '10'], /--files applies to --profile bench only/],
    [['--profile', 'bench', '--files', 'ten'], /--files must be a whole number/],
    [['--profile', 'small', '--concurrency', '0'], /--concurrency must be a whole number/],
  ])('refuses bad flags %j with a UserError (exit 2)', async (flags, message) => {
    const err = await program().parseAsync(['emulator', 'seed', 'memory://x/', ...flags], { from: 'user' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).exitCode).toBe(2);
    expect((err as Error).message).toMatch(message);
  });

  it('refuses a malformed URI with a UserError', async () => {
    const err = await program().parseAsync(['emulator', 'seed', 'adl://not a host/x', '--profile', 'small'], { from: 'user' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(/Invalid location/);
  });
});
