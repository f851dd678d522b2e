import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/core/store.js';
import { startGen1Emulator, type Gen1Emulator } from '../../src/emulators/gen1/index.js';
import { startGen2Emulator, type Gen2Emulator } from '../../src/emulators/gen2/index.js';
import { openSqliteJobDb, type JobDb } from '../../src/state/db.js';
import { openGen1, openGen2 } from '../migrate-helpers.js';
import { runScenario, type Scenario } from './harness.js';
import { SCENARIOS } from './scenarios.js';
import { wrappedScenarios } from './special-scenarios.js';

/** The bisync scenarios on the Gen1 emulator <-> the Gen2 emulator (both in this process, loopback). */

describe('bisync scenarios, Gen1 emulator <-> Gen2 emulator', () => {
  let dir: string;
  let jobDb: JobDb;
  let gen1: Gen1Emulator;
  let gen2: Gen2Emulator;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lakeshift-bisync-emu-'));
    jobDb = await openSqliteJobDb(dir);
    gen1 = await startGen1Emulator({ port: 0, inMemory: true });
    gen2 = await startGen2Emulator({ port: 0, inMemory: true });
  }, 30_000);
  afterAll(async () => {
    await jobDb?.close();
    await gen1?.close();
    await gen2?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const GEN2_NAMES: Scenario = {
    name: '19c a Gen1 name Gen2 refuses (trailing dot) is skipped and reported on every run, never attempted',
    initial1: { 'ok.txt': 'ok' },
    steps: [
      { edits: [{ write: 1, path: 'dots./x.txt', data: 'dot' }], expect: { skipped: 1, side2: { 'ok.txt': 'ok' }, check: (s) => expect(s.skipped[0]?.reason).toMatch(/path2 cannot hold this name: .*ends with '\.'/) } },
      { expect: { skipped: 1, planned: { copy: 0 } } },
    ],
  };

  const deep = (n: number): string => `${Array.from({ length: n - 1 }, (_, i) => `s${i}`).join('/')}/leaf.txt`;
  const DEPTH: Scenario = {
    name: '20 paths near the Gen2 depth limit: within it synced, beyond it skipped and reported',
    initial1: { 'ok.txt': 'ok' },
    steps: [
      { edits: [{ write: 1, path: deep(50), data: 'deep' }, { write: 1, path: deep(70), data: 'too deep' }], expect: { skipped: 1, planned: { copy: 1 }, side2: { 'ok.txt': 'ok', [deep(50)]: 'deep' }, check: (s) => expect(s.skipped[0]?.reason).toMatch(/segments deep/) } },
      { expect: { skipped: 1, planned: { copy: 0 } } },
    ],
  };

  [...SCENARIOS, ...wrappedScenarios(), GEN2_NAMES, DEPTH].forEach((sc, i) => {
    it(sc.name, async () => {
      const p1: Store = openGen1(gen1.url, `bisync${i}`);
      const p2: Store = openGen2(gen2.url, `bisync${i}`);
      await p1.mkdir('');
      await p2.mkdir('');
      try {
        await runScenario({ label: 'gen1-emulator <-> gen2-emulator', p1, p2, jobDb }, sc);
      } finally {
        await p1.close();
        await p2.close();
      }
    }, 30_000);
  });
});
