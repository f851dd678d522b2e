import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliCaptured as cli } from '../../src/cli/test-support.js';
import { parseAclSpec, formatAclSpec, sortAclEntries } from '../../src/core/acl.js';
import type { Store } from '../../src/core/store.js';
import { startGen1Emulator, type Gen1Emulator } from '../../src/emulators/gen1/index.js';
import { startGen2Emulator, type Gen2Emulator } from '../../src/emulators/gen2/index.js';
import { gen1Uri, gen2Uri, openGen1, openGen2, walkAll } from '../migrate-helpers.js';

/**
 * A copy made after `cutover freeze` carries the modes and ACLs from before the freeze (not the
 * freeze's write-less ones), by final-sync and by migrate, and final-sync creates a target filesystem
 * that does not exist yet (as migrate does).
 */
describe('copies of a frozen Gen1 tree', () => {
  let gen1: Gen1Emulator;
  let gen2: Gen2Emulator;
  let source: Store;
  let dir: string;
  let state: string;
  let src: string;
  /** path -> `mode ACL` of every path under the source, before the freeze. */
  let before: Map<string, string>;

  async function states(store: Store): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const e of await walkAll(store)) {
      const acl = await store.getAcl(e.path);
      out.set(e.path, `${acl.permissions.toString(8)} ${formatAclSpec(sortAclEntries(acl.entries))}`);
    }
    return out;
  }

  beforeAll(async () => {
    gen1 = await startGen1Emulator({ port: 0, inMemory: true });
    gen2 = await startGen2Emulator({ port: 0, inMemory: true });
    source = openGen1(gen1.url, 'lake');
    await source.mkdir('raw/2024', { permissions: 0o775 });
    await source.mkdir('curated', { permissions: 0o750 });
    for (const [path, mode] of [['raw/2024/a.csv', 0o664], ['raw/2024/b.csv', 0o640], ['curated/c.csv', 0o600]] as const) {
      const w = await source.createWriter(path);
      await w.write(0, Buffer.from(`id\n${path}\n`));
      await w.commit({ size: 4 + path.length });
      await source.setPermissions(path, mode);
    }
    // A named-user entry (write included) on a folder and a file: the freeze changes these by ACL.
    await source.setAcl('curated', parseAclSpec('user::rwx,user:etl:rwx,group::r-x,mask::rwx,other::---,default:user::rwx,default:user:etl:rwx,default:group::r-x,default:mask::rwx,default:other::---'));
    await source.setAcl('raw/2024/a.csv', parseAclSpec('user::rw-,user:etl:rw-,group::r--,mask::rw-,other::r--'));
    dir = mkdtempSync(join(tmpdir(), 'lakeshift-frozen-copy-'));
    state = join(dir, 'state');
    src = gen1Uri(gen1.url, 'lake');
    before = await states(source);
    expect(before.size).toBe(6);
    const frozen = await cli(['cutover', 'freeze', src, '--state-dir', state]);
    expect(frozen.code, frozen.err).toBe(0);
    // The freeze took every write bit away on Gen1 (so a plain copy of what Gen1 shows now would differ).
    for (const [path, now] of await states(source)) expect(now, path).not.toBe(before.get(path));
  }, 60_000);

  afterAll(async () => {
    await source?.close();
    await Promise.allSettled([gen1?.close(), gen2?.close()]);
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('final-sync into a filesystem that does not exist creates it and gives Gen2 the pre-freeze modes and ACLs', async () => {
    const dry = await cli(['cutover', 'final-sync', src, gen2Uri(gen2.url, 'synced'), '--dry-run', '--state-dir', state]);
    expect(dry.code, dry.err).toBe(0);
    expect(dry.err).toMatch(/does not exist yet; a real run creates it/);
    const r = await cli(['cutover', 'final-sync', src, gen2Uri(gen2.url, 'synced'), '--state-dir', state]);
    expect(r.code, `${r.out}\n${r.err}`).toBe(0);
    expect(r.err).toMatch(/does not exist yet; creating it with the copy/);
    const dest = openGen2(gen2.url, 'synced');
    try {
      expect(await states(dest)).toEqual(before);
    } finally {
      await dest.close();
    }
  }, 60_000);

  it('migrate of the frozen tree gives Gen2 the pre-freeze modes and ACLs too', async () => {
    const r = await cli(['migrate', src, gen2Uri(gen2.url, 'migrated'), '--state-dir', state]);
    expect(r.code, `${r.out}\n${r.err}`).toBe(0);
    expect(r.err).toMatch(/is frozen \(frz-[0-9a-f]+\): copying the modes and ACLs recorded before the freeze/);
    const dest = openGen2(gen2.url, 'migrated');
    try {
      expect(await states(dest)).toEqual(before);
    } finally {
      await dest.close();
    }
    // validate compares Gen2 with the recorded originals too: clean, where a comparison with the
    // frozen modes would list every path.
    const v = await cli(['validate', src, gen2Uri(gen2.url, 'migrated'), '--checksum', '--state-dir', state]);
    expect(v.code, `${v.out}\n${v.err}`).toBe(0);
    expect(v.err).toMatch(/is frozen \(frz-[0-9a-f]+\): comparing with the modes and ACLs recorded before the freeze/);
    expect(v.out).toMatch(/no differences/);
    const plain = await cli(['validate', src, gen2Uri(gen2.url, 'migrated'), '--state-dir', join(dir, 'other-state')]);
    expect(plain.code).toBe(1);
    // Gen1 itself stays frozen.
    expect(((await source.getAcl('raw/2024')).permissions & 0o222)).toBe(0);
  }, 60_000);
});
