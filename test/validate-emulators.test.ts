import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mergeAclEntries, parseAclSpec, removeAclEntries } from '../src/core/acl.js';
import type { Store } from '../src/core/store.js';
import { startGen1Emulator, type Gen1Emulator } from '../src/emulators/gen1/index.js';
import { startGen2Emulator, type Gen2Emulator } from '../src/emulators/gen2/index.js';
import { runMigration } from '../src/engine/migrate.js';
import { openSqliteJobDb, type JobDb } from '../src/state/db.js';
import { RANGE_BYTES } from '../src/validate/content-compare.js';
import { validateStores } from '../src/validate/validate.js';
import { openGen1, openGen2 } from './migrate-helpers.js';

/**
 * validate --checksum between the real connectors over both emulators: what the Gen1 and Gen2
 * listings carry (aclBit, the '+' of x-ms-permissions) decides which ACLs validate fetches, so these
 * differences must be found through the real listings.
 */
describe('validate Gen1 -> Gen2 over the emulators', () => {
  let gen1: Gen1Emulator;
  let gen2: Gen2Emulator;
  let source: Store;
  let dest: Store;
  let jobDb: JobDb;
  let dir: string;
  const big = Buffer.alloc(2 * RANGE_BYTES + 1234);
  for (let i = 0; i < big.length; i++) big[i] = (i * 7 + (i >> 13)) & 0xff;

  async function put(store: Store, path: string, data: Uint8Array): Promise<void> {
    const w = await store.createWriter(path, { overwrite: true });
    const step = 4 * 1024 * 1024;
    for (let o = 0; o < data.length; o += step) await w.write(o, data.subarray(o, Math.min(data.length, o + step)));
    await w.commit({ size: data.length });
  }

  beforeAll(async () => {
    gen1 = await startGen1Emulator({ port: 0, inMemory: true });
    gen2 = await startGen2Emulator({ port: 0, inMemory: true });
    source = openGen1(gen1.url, 'lake');
    await source.mkdir('');
    await source.mkdir('plain/sub');
    await source.mkdir('shared');
    await source.setAcl('shared', parseAclSpec('user::rwx,user:11111111-1111-4111-8111-111111111111:r-x,group::r-x,mask::r-x,other::---,default:user::rwx,default:group::r-x,default:other::---'));
    for (let i = 0; i < 5; i++) await put(source, `plain/f${i}.txt`, Buffer.from(`file ${i}\n`));
    await put(source, 'plain/sub/empty', new Uint8Array(0));
    await put(source, 'plain/acl.txt', Buffer.from('named entry\n'));
    await source.setAcl('plain/acl.txt', parseAclSpec('user::rw-,user:22222222-2222-4222-8222-222222222222:r--,group::r--,mask::r--,other::---'));
    await put(source, 'big.bin', big);
    dir = mkdtempSync(join(tmpdir(), 'lakeshift-validate-'));
    jobDb = await openSqliteJobDb(dir);
    dest = openGen2(gen2.url, 'copy');
    const summary = await runMigration({ source, dest, jobDb, blockSize: 4 * 1024 * 1024, concurrency: 4 });
    expect(summary.failures).toEqual([]);
  }, 120_000);

  afterAll(async () => {
    await source?.close().catch(() => undefined);
    await dest?.close().catch(() => undefined);
    await jobDb?.close();
    await gen1?.close();
    await gen2?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('finds no difference in a faithful copy, content compared in ranges', async () => {
    const r = await validateStores(source, dest, { checksum: true, concurrency: 4 });
    expect(r.differences).toEqual([]);
    expect(r.checked.files).toBe(8);
    expect(r.checked.bytesHashed).toBe(2 * (big.length + 5 * 7 + 12));
  }, 60_000);

  it('finds a default ACL added to a destination directory (the Gen2 listing does not show it)', async () => {
    const before = (await dest.getAcl('plain/sub')).entries;
    await dest.setAcl('plain/sub', mergeAclEntries(before, parseAclSpec('default:user:33333333-3333-4333-8333-333333333333:r-x')));
    const listed = [];
    for await (const page of dest.list('plain', { recursive: true })) listed.push(...page);
    // The premise: Gen2 listings mark extended access entries only.
    expect(listed.find((e) => e.path === 'plain/sub')?.hasAcl).toBe(false);
    const r = await validateStores(source, dest, { concurrency: 4 });
    expect(r.differences.map((d) => `${d.kind}:${d.path}`)).toEqual(['acl:plain/sub']);
    await dest.setAcl('plain/sub', before);
    expect((await validateStores(source, dest, { concurrency: 4 })).differences).toEqual([]);
  }, 60_000);

  it('finds a named entry added to a destination file and one removed from it', async () => {
    const before = (await dest.getAcl('plain/f1.txt')).entries;
    const named = (await dest.getAcl('plain/acl.txt')).entries;
    await dest.setAcl('plain/f1.txt', mergeAclEntries(before, parseAclSpec('user:44444444-4444-4444-8444-444444444444:r--')));
    await dest.setAcl('plain/acl.txt', removeAclEntries(named, parseAclSpec('user:22222222-2222-4222-8222-222222222222:r--')));
    const r = await validateStores(source, dest, { concurrency: 4 });
    expect(r.differences.map((d) => `${d.kind}:${d.path}`).sort()).toEqual(['acl:plain/acl.txt', 'acl:plain/f1.txt']);
    await dest.setAcl('plain/f1.txt', before);
    await dest.setAcl('plain/acl.txt', named);
    expect((await validateStores(source, dest, { concurrency: 4 })).differences).toEqual([]);
  }, 60_000);

  it('finds one changed byte in the last range of a large file and reports both MD5s', async () => {
    const changed = Buffer.from(big);
    const at = big.length - 3;
    changed[at] = (changed[at] ?? 0) ^ 0xff;
    await put(dest, 'big.bin', changed);
    const md5 = (b: Uint8Array): string => createHash('md5').update(b).digest('base64');
    const r = await validateStores(source, dest, { checksum: true, concurrency: 4, acl: false, owner: false, permissions: false });
    expect(r.differences).toEqual([{ path: 'big.bin', kind: 'checksum', expected: md5(big), actual: md5(changed), detail: 'the content differs (MD5)' }]);
  }, 60_000);
});
