import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { parseLocation, type MemoryLocation } from '../../src/core/uri.js';
import { createMemoryStore, dropMemoryStore } from '../../src/stores/memory/index.js';
import { openSqliteJobDb, type JobDb } from '../../src/state/db.js';
import { runScenario } from './harness.js';
import { SCENARIOS } from './scenarios.js';

/** The bisync scenarios on memory <-> memory. */

describe('bisync scenarios, memory <-> memory', () => {
  let dir: string;
  let jobDb: JobDb;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lakeshift-bisync-mem-'));
    jobDb = await openSqliteJobDb(dir);
  });
  afterAll(async () => {
    await jobDb?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  SCENARIOS.forEach((sc, i) => {
    it(sc.name, async () => {
      const open = (n: number) => createMemoryStore(parseLocation(`memory://bisync-${i}-${n}/`) as MemoryLocation);
      const p1 = open(1);
      const p2 = open(2);
      try {
        await runScenario({ label: 'memory', p1, p2, jobDb }, sc);
      } finally {
        dropMemoryStore(`bisync-${i}-1`);
        dropMemoryStore(`bisync-${i}-2`);
      }
    });
  });
});
