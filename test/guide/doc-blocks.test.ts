import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shellBlocks, type ShellBlock } from '../../src/guide/blocks.js';
import { emulatorBlock, ensureFreshBundle, guidePages, makeShim, runPage, type BlockResult } from './doc-runner.js';

// Every `sh` block of docs/guide runs against fresh emulators, and its shown output must still match
// (see test/guide/doc-runner.ts for the rules). Skipped blocks print their reason. Pages are
// independent (own scratch directory, emulators and ports), so up to three run at once: most of a
// page's time is spent waiting on its child processes.

const PARALLEL = 3;
let scratch = '';
let shimDir = '';
let emulators: ShellBlock;
let running = 0;
const waiting: (() => void)[] = [];

async function slot<T>(work: () => Promise<T>): Promise<T> {
  while (running >= PARALLEL) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    return await work();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'lakeshift-guide-'));
  await ensureFreshBundle();
  shimDir = await makeShim(join(scratch, 'bin'));
  emulators = await emulatorBlock();
}, 120_000);

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe.concurrent('docs/guide shell blocks', () => {
  for (const page of guidePages()) {
    it(`${basename(page)}: every block runs and prints what the guide shows`, async () => {
      const run = (): Promise<BlockResult[]> => runPage(page, { work: join(scratch, basename(page, '.md')), shimDir, emulators, timeoutMs: 120_000 });
      const runnable = shellBlocks(await readFile(page, 'utf8')).some((b) => !b.emulators && b.skip === undefined);
      const results = runnable ? await slot(run) : await run();
      for (const r of results.filter((x) => x.status === 'skipped')) console.log(`skipped ${basename(page)}:${r.line}: ${r.message ?? ''}`);
      const failed = results.filter((r) => r.status === 'failed').map((r) => `${basename(page)}:${r.line}: ${r.message ?? ''}`);
      expect(failed, failed.join('\n\n')).toEqual([]);
    }, 400_000);
  }
});
