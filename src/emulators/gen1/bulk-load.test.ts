import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bulkLoadNamespace } from './bulk-load.js';
import { GEN1_EMULATOR_ADMIN_OID, startGen1Emulator } from './index.js';
import { rawClient, tokenFor } from './test-support.js';

const USER = '1b000000-0000-4000-8000-00000000a001';
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('bulkLoadNamespace', () => {
  it('loads directories, files with bytes and ACLs that the emulator then serves over REST', async () => {
    const location = mkdtempSync(join(tmpdir(), 'gen1-bulk-'));
    dirs.push(location);
    const loaded = await bulkLoadNamespace(location, [
      { path: '/a', type: 'DIRECTORY', perm: 0o750 },
      { path: '/a/b', type: 'DIRECTORY', acl: `user::rwx,user:${USER}:r-x,group::r-x,other::---,default:user::rwx,default:group::r-x,default:other::---` },
      { path: '/a/b/f1.txt', type: 'FILE', data: Buffer.from('hello bulk'), mtime: 1_700_000_000_000 },
      { path: '/a/empty', type: 'FILE' },
    ], { batchSize: 2 });
    expect(loaded).toEqual({ directories: 2, files: 2, bytes: 10 });
    const emulator = await startGen1Emulator({ location, port: 0 });
    try {
      const call = rawClient(emulator.url, tokenFor(GEN1_EMULATOR_ADMIN_OID));
      const list = await call({ method: 'GET', path: '/a', query: 'op=LISTSTATUS' });
      const statuses = (list.json as { FileStatuses: { FileStatus: { pathSuffix: string; type: string; length: number; permission: string }[] } }).FileStatuses.FileStatus;
      expect(statuses.map((s) => [s.pathSuffix, s.type, s.length])).toEqual([['b', 'DIRECTORY', 0], ['empty', 'FILE', 0]]);
      const open = await call({ method: 'GET', path: '/a/b/f1.txt', query: 'op=OPEN&read=true' });
      expect(open.text).toBe('hello bulk');
      const stat = await call({ method: 'GET', path: '/a/b/f1.txt', query: 'op=GETFILESTATUS' });
      expect((stat.json as { FileStatus: { modificationTime: number } }).FileStatus.modificationTime).toBe(1_700_000_000_000);
      const acl = await call({ method: 'GET', path: '/a/b', query: 'op=GETACLSTATUS' });
      const entries = (acl.json as { AclStatus: { entries: string[]; permission: string } }).AclStatus;
      expect(entries.entries).toContain(`user:${USER}:r-x`);
      expect(entries.entries).toContain('default:other::---');
      expect(entries.permission).toBe('750');
    } finally {
      await emulator.close();
    }
  });

  it('refuses an entry whose parent was never loaded', async () => {
    const location = mkdtempSync(join(tmpdir(), 'gen1-bulk-'));
    dirs.push(location);
    await expect(bulkLoadNamespace(location, [{ path: '/missing/x', type: 'FILE' }])).rejects.toThrow(/parent directory '\/missing' does not exist/);
  });
});
