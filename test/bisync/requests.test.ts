import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAclSpec } from '../../src/core/acl.js';
import type { Store } from '../../src/core/store.js';
import { startGen1Emulator, type Gen1Emulator } from '../../src/emulators/gen1/index.js';
import { startGen2Emulator, type Gen2Emulator } from '../../src/emulators/gen2/index.js';
import { runBisync } from '../../src/patterns/bisync/index.js';
import { openSqliteJobDb, type JobDb } from '../../src/state/db.js';
import { openGen1, openGen2 } from '../migrate-helpers.js';
import { readTree, writeFile } from './harness.js';

/**
 * Requests of one bisync run, counted by both emulators' request counters (counts, not times): a
 * change that adds a request per copied file, or lists a side twice, fails here. The pair: FILES small
 * files in one directory, CHANGED rewritten on each side (disjoint) after the resync and NEW new ones on each side.
 */
const FILES = 20;
const CHANGED = 4;
const NEW = 2;

describe('requests of a bisync run, Gen1 emulator <-> Gen2 emulator', () => {
  let dir: string;
  let jobDb: JobDb;
  let gen1: Gen1Emulator;
  let gen2: Gen2Emulator;
  let p1: Store;
  let p2: Store;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lakeshift-bisync-requests-'));
    jobDb = await openSqliteJobDb(dir);
    gen1 = await startGen1Emulator({ port: 0, inMemory: true });
    gen2 = await startGen2Emulator({ port: 0, inMemory: true });
    p1 = openGen1(gen1.url, 'req');
    p2 = openGen2(gen2.url, 'req');
    await p1.mkdir('');
    await p2.mkdir('');
  }, 30_000);
  afterAll(async () => {
    await p1?.close();
    await p2?.close();
    await jobDb?.close();
    await gen1?.close();
    await gen2?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const counts = (): { gen1: Record<string, number>; gen2: Record<string, number> } => ({ gen1: gen1.requestCounts(), gen2: gen2.requestCounts() });
  const reset = (): void => {
    gen1.resetRequestCounts();
    gen2.resetRequestCounts();
  };

  it('a copy checks its target in the commit where it can (no stat of it), a run with no change only lists', async () => {
    for (let i = 0; i < FILES; i++) await writeFile(p1, `d/f${String(i).padStart(2, '0')}.txt`, `v0 ${i}`);
    await runBisync({ path1: p1, path2: p2, jobDb, resync: true, settleMs: 0 });
    await new Promise((r) => setTimeout(r, 5));
    for (let i = 0; i < CHANGED; i++) await writeFile(p1, `d/f${String(i).padStart(2, '0')}.txt`, `v1 path1 ${i}`);
    for (let i = FILES - CHANGED; i < FILES; i++) await writeFile(p2, `d/f${String(i).padStart(2, '0')}.txt`, `v1 path2 ${i}`);
    for (let i = 0; i < NEW; i++) {
      await writeFile(p1, `d/new1-${i}.txt`, `new on path1 ${i}`);
      await writeFile(p2, `d/new2-${i}.txt`, `new on path2 ${i}`);
    }

    reset();
    const s = await runBisync({ path1: p1, path2: p2, jobDb, settleMs: 0, concurrency: 4 });
    const copies = CHANGED + NEW;
    expect(s.done).toEqual({ copy: 2 * copies });
    const run = counts();
    // Onto Gen2 (from Gen1), per file: OPEN and a GETFILESTATUS (the source check before the commit) on
    // Gen1; on Gen2 one conditional Put Blob (the target check: no stat of it), the writer's Set Access
    // Control and the read-back (Get Blob Properties). Onto Gen1 (from Gen2), per file: Get Blob and the
    // source check (Get Blob Properties) on Gen2; on Gen1 the writer's CREATE (its `permission` carries
    // the ACL, which has base entries only: no SETACL), SETOWNER and SETTIMES on the temporary file, then
    // two GETFILESTATUS at once (of the temporary file, whose entry is the committed one, so no read-back;
    // and of the target, where it checks the ETag bisync listed or that a new file's target is still
    // absent: no stat of bisync's own) and the RENAME.
    expect(run.gen2).toEqual({ ListPaths: 2, GetBlob: copies, GetBlobProperties: 2 * copies, PutBlob: copies, SetAccessControl: copies });
    expect(run.gen1).toEqual({ LISTSTATUS: 2, OPEN: copies, GETFILESTATUS: 3 * copies, CREATE: copies, RENAME: copies, SETOWNER: copies, SETTIMES: copies });

    reset();
    const again = await runBisync({ path1: p1, path2: p2, jobDb, settleMs: 0 });
    expect(again.planned).toEqual({});
    expect(counts()).toEqual({ gen1: { LISTSTATUS: 2 }, gen2: { ListPaths: 2 } });
    expect(await readTree(p2)).toEqual(await readTree(p1));
  });

  it('a copy onto Gen1 carries owner, group, mode, ACL and times (set before the RENAME), with or without a default ACL on the parent', async () => {
    const user = '7c0d0000-0000-4000-8000-0000000000aa';
    const owner = '7c0d0000-0000-4000-8000-0000000000bb';
    const group = '7c0d0000-0000-4000-8000-0000000000cc';
    await p1.mkdir('m/inherit');
    await p1.setAcl('m/inherit', parseAclSpec(`user::rwx,group::r-x,other::r-x,default:user::rwx,default:user:${user}:rwx,default:group::r-x,default:mask::rwx,default:other::---`));
    await p2.mkdir('m/inherit');
    await runBisync({ path1: p1, path2: p2, jobDb, resync: true, settleMs: 0 });
    const cases = {
      'm/base.txt': 'user::rw-,group::r--,other::--x',
      'm/named.txt': `user::rw-,user:${user}:r--,group::r--,mask::r--,other::---`,
      'm/inherit/base.txt': 'user::rw-,group::r--,other::r--',
      'm/inherit/named.txt': `user::rw-,user:${user}:rw-,group::---,mask::rw-,other::---`,
    };
    for (const [path, spec] of Object.entries(cases)) {
      await writeFile(p2, path, `on path2: ${path}`);
      await p2.setAcl(path, parseAclSpec(spec));
      await p2.setOwner(path, owner, group);
    }
    const s = await runBisync({ path1: p1, path2: p2, jobDb, settleMs: 0 });
    expect(s.done).toEqual({ copy: 4 });
    for (const [path, spec] of Object.entries(cases)) {
      const [src, dst, srcAcl, dstAcl] = await Promise.all([p2.stat(path), p1.stat(path), p2.getAcl(path), p1.getAcl(path)]);
      expect({ path, owner: dst.owner, group: dst.group, mode: dst.permissions, mtimeMs: dst.mtimeMs }).toEqual({ path, owner, group, mode: srcAcl.permissions & 0o777, mtimeMs: src.mtimeMs });
      expect({ path, entries: dstAcl.entries }).toEqual({ path, entries: parseAclSpec(spec).filter((e) => e.scope === 'access') });
      expect({ path, entries: srcAcl.entries }).toEqual({ path, entries: parseAclSpec(spec) });
    }
    // The baseline holds what the copies made: nothing to do on the next run.
    expect((await runBisync({ path1: p1, path2: p2, jobDb, settleMs: 0 })).planned).toEqual({});
  });
});
