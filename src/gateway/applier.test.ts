import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../core/store.js';
import { openSqliteJobDb, type JobDb } from '../state/db.js';
import { openStore } from '../stores/open-store.js';
import { Applier } from './applier.js';
import { openJournal, type Journal } from './journal.js';
import { PathMapper } from './mapping.js';

async function write(store: Store, path: string, text: string): Promise<void> {
  const w = await store.createWriter(path, { overwrite: true });
  await w.write(0, Buffer.from(text));
  await w.commit({ size: Buffer.byteLength(text) });
}

describe('mirror applier under load', () => {
  let dir: string;
  let jobDb: JobDb;
  let journal: Journal;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lakeshift-applier-'));
    jobDb = await openSqliteJobDb(dir);
    journal = await openJournal(jobDb);
  });
  afterAll(async () => {
    await jobDb.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is paced, not starved, while requests never pause: every intent is still applied', async () => {
    const gen1 = openStore('memory://applier-gen1/');
    const gen2 = openStore('memory://applier-gen2/');
    const pair = 'applier-test';
    await gen1.mkdir('d');
    for (let i = 0; i < 12; i++) {
      await write(gen1, `d/f${i}`, `file ${i}`);
      await journal.settle(await journal.logIntents(pair, [{ op: 'CREATE', path: `d/f${i}`, path2: '' }]));
    }
    let busyChecks = 0;
    const applier = new Applier({
      gen1, mapper: new PathMapper([{ sourcePrefix: '', store: gen2, destPath: '' }]), journal, pair, logger: pino({ level: 'silent' }), pollMs: 20,
      busy: () => {
        busyChecks++;
        return true; // a client request is always in flight
      },
    });
    applier.start();
    for (let i = 0; i < 500 && (await journal.due(pair, 100)).length > 0; i++) await new Promise((r) => setTimeout(r, 20));
    await applier.stop();
    expect(await journal.due(pair, 100)).toEqual([]);
    for (let i = 0; i < 12; i++) expect((await gen2.stat(`d/f${i}`)).size).toBe(`file ${i}`.length);
    // It waited for a pause before each intent (and gave up waiting after its pacing budget).
    expect(busyChecks).toBeGreaterThanOrEqual(12 * 2);
  }, 30_000);

  it('reconciles again at once when Gen1 changes under it (a path renamed away between its stat and its ACL read)', async () => {
    const gen1 = openStore('memory://applier-race-gen1/');
    const gen2 = openStore('memory://applier-race-gen2/');
    const pair = 'applier-race';
    await gen1.mkdir('w/in/deep');
    await journal.settle(await journal.logIntents(pair, [{ op: 'MKDIRS', path: 'w/in/deep', path2: '' }]));
    // The first ACL read of the directory finds it renamed away on Gen1 (what a client's rename right
    // after the mkdirs does); the retry backoff is a minute, so only an immediate re-read drains it.
    const getAcl = gen1.getAcl.bind(gen1);
    let raced = false;
    gen1.getAcl = async (path) => {
      if (!raced && path === 'w/in/deep') {
        raced = true;
        await gen1.rename('w/in/deep', 'w/moved');
      }
      return getAcl(path);
    };
    const applier = new Applier({
      gen1, mapper: new PathMapper([{ sourcePrefix: '', store: gen2, destPath: '' }]), journal, pair, logger: pino({ level: 'silent' }), pollMs: 20, retryBaseMs: 60_000,
    });
    applier.start();
    for (let i = 0; i < 100 && (await journal.due(pair, 100)).length > 0; i++) await new Promise((r) => setTimeout(r, 20));
    await applier.stop();
    expect(raced).toBe(true);
    expect(await journal.due(pair, 100)).toEqual([]);
    await expect(gen2.stat('w/in/deep')).rejects.toMatchObject({ code: 'not-found' });
  }, 30_000);
});
