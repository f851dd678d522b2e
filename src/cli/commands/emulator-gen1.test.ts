import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { UserError } from '../cli-error.js';
import { decodeJwt } from '../../emulators/kit/jwt.js';
import { GEN1_EMULATOR_ADMIN_OID } from '../../emulators/gen1/index.js';
import { GEN1_EMULATOR_ADMIN_OID as CLI_ADMIN_OID, registerGen1Commands, resolveGen1Options } from './emulator-gen1.js';

function program(): Command {
  const p = new Command('lakeshift').exitOverride();
  const emulator = p.command('emulator').exitOverride();
  registerGen1Commands(emulator);
  for (const c of emulator.commands) c.exitOverride().configureOutput({ writeErr: () => undefined });
  return p;
}

function captureStdout(): { lines: () => string[]; restore: () => void } {
  const out: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out.push(String(chunk));
    return true;
  });
  return { lines: () => out.join('').split('\n').filter((l) => l !== ''), restore: () => spy.mockRestore() };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('lakeshift emulator token', () => {
  it("repeats the emulator's admin object id (kept in the CLI so --help does not load the emulator)", () => {
    expect(CLI_ADMIN_OID).toBe(GEN1_EMULATOR_ADMIN_OID);
  });

  it('prints a gen1 token for the admin by default, with groups and ttl', async () => {
    const cap = captureStdout();
    await program().parseAsync(['emulator', 'token', '--groups', 'g1,g2', '--ttl', '60'], { from: 'user' });
    cap.restore();
    const [token] = cap.lines();
    const claims = decodeJwt(token ?? '');
    expect(claims).toMatchObject({ oid: GEN1_EMULATOR_ADMIN_OID, aud: 'https://datalake.azure.net/', groups: ['g1', 'g2'] });
    expect((claims?.exp ?? 0) - Math.floor(Date.now() / 1000)).toBeLessThanOrEqual(60);
  });

  it('storage audience and bad ttl', async () => {
    const cap = captureStdout();
    await program().parseAsync(['emulator', 'token', '--oid', 'abc', '--audience', 'storage'], { from: 'user' });
    cap.restore();
    expect(decodeJwt(cap.lines()[0] ?? '')).toMatchObject({ oid: 'abc', aud: 'https://storage.azure.com' });
    await expect(program().parseAsync(['emulator', 'token', '--ttl', 'soon'], { from: 'user' })).rejects.toBeInstanceOf(UserError);
  });
});

describe('lakeshift emulator gen1', () => {
  it('rejects bad flag combinations with a UserError (exit code 2)', () => {
    const base = { port: '0', account: 'a', superuser: [], host: '127.0.0.1' };
    expect(() => resolveGen1Options({ ...base })).toThrow(/--location DIR .* --in-memory/);
    expect(() => resolveGen1Options({ ...base, inMemory: true, location: '/tmp/x' })).toThrow(UserError);
    expect(() => resolveGen1Options({ ...base, inMemory: true, cert: 'c.pem' })).toThrow(/--cert and --key/);
    expect(() => resolveGen1Options({ ...base, inMemory: true, port: '70000' })).toThrow(/--port/);
    expect(() => resolveGen1Options({ ...base, inMemory: true, faults: 'every=x' })).toThrow(/--faults/);
    try {
      resolveGen1Options({ ...base });
    } catch (e) {
      expect((e as UserError).exitCode).toBe(2);
    }
    expect(resolveGen1Options({ ...base, inMemory: true, superuser: ['s1', 's2'], faults: 'every=3' })).toMatchObject({
      inMemory: true, superusers: ['s1', 's2'], faults: { everyNth: 3 }, port: 0,
    });
  });

  it('prints exactly one ready line, serves, and closes cleanly on SIGTERM', async () => {
    const cap = captureStdout();
    const run = program().parseAsync(['emulator', 'gen1', '--in-memory', '--port', '0', '--account', 'demo'], { from: 'user' });
    let line = '';
    for (let i = 0; i < 200 && line === ''; i++) {
      await new Promise((r) => setTimeout(r, 25));
      line = cap.lines()[0] ?? '';
    }
    expect(line).toMatch(/^lakeshift gen1 emulator listening on http:\/\/127\.0\.0\.1:\d+ \(account demo\)$/);
    const url = /on (\S+) /.exec(line)?.[1] ?? '';
    const r = await fetch(`${url}/webhdfs/v1/?op=GETFILESTATUS`);
    expect(r.status).toBe(401);
    process.emit('SIGTERM');
    await run;
    cap.restore();
    expect(cap.lines()).toHaveLength(1);
    await expect(fetch(`${url}/webhdfs/v1/?op=GETFILESTATUS`)).rejects.toThrow();
  });
});
