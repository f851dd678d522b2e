import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { DecommissionContext } from '../cutover/decommission/types.js';
import { openSqliteJobDb } from '../state/db.js';
import { openStore } from '../stores/open-store.js';
import { driftCondition } from './decommission-condition.js';
import { openJournal } from './journal.js';

describe('driftCondition (for the cutover decommission gate)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lakeshift-drift-cond-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('holds when nothing has drifted and the journal is empty; fails on unmirrored changes', async () => {
    const jobDb = await openSqliteJobDb(dir);
    try {
      const source = openStore('memory://cond-gen1/');
      const dest = openStore('memory://cond-gen2/');
      await source.mkdir('a');
      await dest.mkdir('a');
      const ctx = { source, dest, jobDb, flags: {} } as unknown as DecommissionContext;
      const ok = await driftCondition.check(ctx);
      expect(ok.ok, ok.evidence).toBe(true);
      const journal = await openJournal(jobDb);
      await journal.record(`${source.displayUri} -> ${dest.displayUri}`, 'CREATE', 'a/new.txt');
      const waiting = await driftCondition.check(ctx);
      expect(waiting).toMatchObject({ ok: false });
      expect(waiting.evidence).toContain('gateway journal 1 entries');
      expect(waiting.hint).toContain('drain');
    } finally {
      await jobDb.close();
    }
  });
});
