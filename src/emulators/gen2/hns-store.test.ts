import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEV_ACCOUNT, startGen2Emulator } from './index.js';
import { send } from './test-helpers.js';

/** The HNS tables join a data folder written by an emulator that did not have them, keeping its data. */

describe('HNS tables on an older --location folder', () => {
  it('a folder without the HNS tables keeps its blobs and gains snapshots, tiers and soft delete', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gen2-hns-migrate-'));
    try {
      const first = await startGen2Emulator({ anonymous: true, location: dir });
      const A = `/${DEV_ACCOUNT}`;
      expect((await send(first.url, 'PUT', `${A}/olddata?restype=container`)).status).toBe(201);
      expect((await send(first.url, 'PUT', `${A}/olddata/kept.txt`, { 'x-ms-blob-type': 'BlockBlob' }, 'from before')).status).toBe(201);
      await first.close();
      // Make the folder look like one an older emulator wrote: none of the HNS tables or the trigger.
      const db = new Database(join(dir, 'gen2-meta.sqlite'));
      db.exec('DROP TRIGGER path_tiers_follow_paths; DROP TABLE snapshots; DROP TABLE path_tiers; DROP TABLE deleted_paths; DROP TABLE service_properties;');
      expect(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name IN ('snapshots', 'path_tiers', 'deleted_paths', 'service_properties')").get()).toEqual({ n: 0 });
      db.close();
      const second = await startGen2Emulator({ anonymous: true, location: dir });
      try {
        expect((await send(second.url, 'GET', `${A}/olddata/kept.txt`)).text).toBe('from before');
        const head = await send(second.url, 'HEAD', `${A}/olddata/kept.txt`);
        expect([head.headers['x-ms-access-tier'], head.headers['x-ms-access-tier-inferred']]).toEqual(['Hot', 'true']);
        const snap = await send(second.url, 'PUT', `${A}/olddata/kept.txt?comp=snapshot`);
        expect(snap.status).toBe(201);
        expect((await send(second.url, 'PUT', `${A}/olddata/kept.txt?comp=tier`, { 'x-ms-access-tier': 'Cool' })).status).toBe(200);
        const props = await send(second.url, 'PUT', `${A}/?restype=service&comp=properties`, {}, '<StorageServiceProperties><DeleteRetentionPolicy><Enabled>true</Enabled><Days>1</Days></DeleteRetentionPolicy></StorageServiceProperties>');
        expect(props.status).toBe(202);
        const del = await send(second.url, 'DELETE', `${A}/olddata/kept.txt`, { 'x-ms-delete-snapshots': 'include' });
        expect([del.status, del.headers['x-ms-delete-type-permanent']]).toEqual([202, 'false']);
        expect((await send(second.url, 'PUT', `${A}/olddata/kept.txt?comp=undelete`)).status).toBe(200);
        const back = await send(second.url, 'HEAD', `${A}/olddata/kept.txt`);
        expect(back.headers['x-ms-access-tier']).toBe('Cool');
        const read = await send(second.url, 'GET', `${A}/olddata/kept.txt?snapshot=${encodeURIComponent(snap.headers['x-ms-snapshot'] ?? '')}`);
        expect([read.status, read.text]).toEqual([200, 'from before']);
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
