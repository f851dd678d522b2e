import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { UserError } from '../cli-error.js';
import { DEV_ACCOUNT, DEV_ACCOUNT_KEY } from '../../emulators/gen2/index.js';
import { DEV_ACCOUNT as CLI_DEV_ACCOUNT, DEV_ACCOUNT_KEY as CLI_DEV_ACCOUNT_KEY, registerGen2Commands, resolveGen2Options } from './emulator-gen2.js';

afterEach(() => {
  vi.restoreAllMocks();
});

const base = { port: '0', account: [] as string[], superuser: [] as string[], host: '127.0.0.1' };

describe('lakeshift emulator gen2 flags', () => {
  it('rejects bad flags with a UserError (exit code 2) that never echoes keys', () => {
    expect(() => resolveGen2Options({ ...base })).toThrow(/--location DIR .* --in-memory/);
    expect(() => resolveGen2Options({ ...base, inMemory: true, location: '/tmp/x' })).toThrow(UserError);
    expect(() => resolveGen2Options({ ...base, inMemory: true, cert: 'c.pem' })).toThrow(/--cert and --key/);
    expect(() => resolveGen2Options({ ...base, inMemory: true, port: 'http' })).toThrow(/--port/);
    expect(() => resolveGen2Options({ ...base, inMemory: true, faults: 'every=x' })).toThrow(/--faults/);
    expect(() => resolveGen2Options({ ...base, inMemory: true, account: ['NoColon'] })).toThrow(/NAME:BASE64KEY/);
    const secret = 'c2hvcnQ=';
    try {
      resolveGen2Options({ ...base, inMemory: true, account: [`acct1:${secret}`] });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(UserError);
      expect((e as UserError).exitCode).toBe(2);
      expect((e as Error).message).not.toContain(secret);
    }
    expect(() => resolveGen2Options({ ...base, inMemory: true, account: [`acct1:${DEV_ACCOUNT_KEY}`, `acct1:${DEV_ACCOUNT_KEY}`] })).toThrow(/twice/);
  });

  it('defaults to the dev account and parses repeatable accounts, superusers and faults', () => {
    expect([CLI_DEV_ACCOUNT, CLI_DEV_ACCOUNT_KEY]).toEqual([DEV_ACCOUNT, DEV_ACCOUNT_KEY]);
    expect(resolveGen2Options({ ...base, inMemory: true }).accounts).toEqual([{ name: DEV_ACCOUNT, key: DEV_ACCOUNT_KEY }]);
    const o = resolveGen2Options({ ...base, location: '/tmp/lake', account: [`one:${DEV_ACCOUNT_KEY}`, `two:${DEV_ACCOUNT_KEY}`], superuser: ['oid-1'], anonymous: true, faults: 'every=3,status=429' });
    expect(o.accounts?.map((a) => a.name)).toEqual(['one', 'two']);
    expect(o).toMatchObject({ location: '/tmp/lake', superusers: ['oid-1'], anonymous: true, faults: { everyNth: 3, status: 429 } });
  });

  it('--no-blob-public-access turns the accounts\' AllowBlobPublicAccess off; without it the option is left to its default', () => {
    expect(resolveGen2Options({ ...base, inMemory: true, blobPublicAccess: false }).allowBlobPublicAccess).toBe(false);
    expect(resolveGen2Options({ ...base, inMemory: true, blobPublicAccess: true }).allowBlobPublicAccess).toBeUndefined();
    expect(resolveGen2Options({ ...base, inMemory: true }).allowBlobPublicAccess).toBeUndefined();
  });

  it('takes a second key per account (NAME:KEY1:KEY2), checked like the first and never echoed', () => {
    const second = Buffer.alloc(64, 9).toString('base64');
    expect(resolveGen2Options({ ...base, inMemory: true, account: [`one:${DEV_ACCOUNT_KEY}:${second}`] }).accounts).toEqual([{ name: 'one', key: DEV_ACCOUNT_KEY, secondaryKey: second }]);
    expect(() => resolveGen2Options({ ...base, inMemory: true, account: [`one:${DEV_ACCOUNT_KEY}:c2hvcnQ=`] })).toThrow(/second key must be base64/);
    expect(() => resolveGen2Options({ ...base, inMemory: true, account: [`one:${DEV_ACCOUNT_KEY}:${second}:${second}`] })).toThrow(/at most two keys/);
    try {
      resolveGen2Options({ ...base, inMemory: true, account: [`one:${DEV_ACCOUNT_KEY}:`] });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(UserError);
      expect((e as Error).message).not.toContain(DEV_ACCOUNT_KEY);
    }
  });
});

describe('lakeshift emulator gen2', () => {
  it('prints one ready line, serves requests and stops on SIGINT', async () => {
    const out: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    });
    const p = new Command('lakeshift').exitOverride();
    registerGen2Commands(p.command('emulator').exitOverride());
    const running = p.parseAsync(['emulator', 'gen2', '--in-memory', '--anonymous'], { from: 'user' });
    const deadline = Date.now() + 10_000;
    while (out.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const line = out.join('');
    expect(line).toMatch(/^lakeshift gen2 emulator listening on http:\/\/127\.0\.0\.1:\d+ \(accounts: devstoreaccount1\)\n$/);
    const url = /on (\S+)/.exec(line)?.[1] ?? '';
    const res = await fetch(`${url}/${DEV_ACCOUNT}?restype=account&comp=properties`, { headers: { 'x-ms-version': '2021-12-02' } });
    expect(res.headers.get('x-ms-is-hns-enabled')).toBe('true');
    process.emit('SIGINT');
    await running;
  });
});

describe('lakeshift emulator gen2 --rehydrate', () => {
  it('takes STANDARD[,HIGH] seconds and refuses anything else with a UserError', () => {
    expect(resolveGen2Options({ ...base, inMemory: true, rehydrate: '5,0.5' }).rehydrateMs).toEqual({ standard: 5000, high: 500 });
    expect(resolveGen2Options({ ...base, inMemory: true, rehydrate: '2' }).rehydrateMs).toEqual({ standard: 2000, high: 2000 });
    expect(resolveGen2Options({ ...base, inMemory: true }).rehydrateMs).toBeUndefined();
    for (const bad of ['fast', '1,2,3', '-1', '']) expect(() => resolveGen2Options({ ...base, inMemory: true, rehydrate: bad })).toThrow(/--rehydrate must be STANDARD\[,HIGH\]/);
  });
});
