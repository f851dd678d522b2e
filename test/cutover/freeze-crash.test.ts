import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAclSpec } from '../../src/core/acl.js';
import type { Store } from '../../src/core/store.js';
import { startGen1Emulator, type Gen1Emulator } from '../../src/emulators/gen1/index.js';
import { kill, startCli, waitFor } from '../cli-process.js';
import { gen1Uri, openGen1 } from '../migrate-helpers.js';

/**
 * `lakeshift cutover freeze` killed with SIGKILL after a page's records were written and before its
 * paths changed: a rerun finishes the freeze, and unfreeze (after a kill, without a rerun) restores
 * the tree exactly.
 */
describe('cutover freeze killed mid-way', () => {
  let emu: Gen1Emulator;
  let store: Store;
  let dir: string;

  async function snapshot(): Promise<string> {
    const out: unknown[] = [await store.getAcl('')];
    for await (const page of store.list('', { recursive: true })) for (const e of page) if (e.path !== '') out.push([e.path, await store.getAcl(e.path)]);
    return JSON.stringify(out);
  }

  beforeAll(async () => {
    emu = await startGen1Emulator({ port: 0, inMemory: true });
    store = openGen1(emu.url, 'crash');
    await store.mkdir('', { permissions: 0o775 });
    for (let d = 0; d < 3; d++) {
      await store.mkdir(`d${d}`, { permissions: 0o775 });
      for (let i = 0; i < 4; i++) {
        const w = await store.createWriter(`d${d}/f${i}.txt`, { permissions: 0o664 });
        await w.write(0, Buffer.from('x'));
        await w.commit({ size: 1 });
      }
    }
    await store.setAcl('d1', parseAclSpec('user::rwx,user:11111111-1111-4111-8111-111111111111:rwx,group::r-x,mask::rwx,other::r-x,default:user::rwx,default:group::r-x,default:other::---'));
    dir = mkdtempSync(join(tmpdir(), 'lakeshift-freeze-crash-'));
  }, 30_000);

  afterAll(async () => {
    await store?.close();
    await emu?.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('resumes to a frozen tree after a kill, and a kill then unfreeze restores exactly', async () => {
    const uri = gen1Uri(emu.url, 'crash');
    const before = await snapshot();
    const state = join(dir, 'state');
    // Page 1 is the root, page 2 everything below it: killed with the root frozen and the rest only recorded.
    const first = startCli(['cutover', 'freeze', uri, '--state-dir', state], { LAKESHIFT_TEST_PAUSE_AT: 'freeze-apply:2' });
    await waitFor(first, (r) => r.stderr.includes('paused at freeze-apply:2'), 'the pause before page 2');
    await kill(first);
    expect((await store.getAcl('')).permissions & 0o222).toBe(0);
    expect((await store.getAcl('d0/f0.txt')).permissions).toBe(0o664);

    const resumed = startCli(['cutover', 'freeze', uri, '--state-dir', state, '--output', 'json']);
    expect(await resumed.exit).toBe(0);
    const report = JSON.parse(resumed.stdout) as { state: string; continued: boolean; changed: number; alreadyFrozen: number };
    expect(report).toMatchObject({ state: 'frozen', continued: true, alreadyFrozen: 1 });
    expect(report.changed).toBe(15);
    expect((await store.getAcl('d0/f0.txt')).permissions).toBe(0o444);

    const undo = startCli(['cutover', 'unfreeze', '--state-dir', state]);
    expect(await undo.exit).toBe(0);
    expect(await snapshot()).toBe(before);

    // Killed again after recording, then undone without a rerun.
    const state2 = join(dir, 'state2');
    const second = startCli(['cutover', 'freeze', uri, '--state-dir', state2], { LAKESHIFT_TEST_PAUSE_AT: 'freeze-apply:2' });
    await waitFor(second, (r) => r.stderr.includes('paused at freeze-apply:2'), 'the pause before page 2');
    await kill(second);
    const undo2 = startCli(['cutover', 'unfreeze', uri, '--state-dir', state2, '--output', 'json']);
    expect(await undo2.exit).toBe(0);
    expect(JSON.parse(undo2.stdout)).toMatchObject({ state: 'unfrozen', counts: { restored: 1, unchanged: 15 } });
    expect(await snapshot()).toBe(before);
  }, 90_000);
});
