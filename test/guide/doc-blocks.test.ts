import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ShellBlock } from '../../src/guide/blocks.js';
import { emulatorBlock, ensureFreshBundle, guidePages, makeShim, runPage } from './doc-runner.js';

// Every `sh` block of docs/guide runs against fresh emulators, and its shown output must still match
// (see test/guide/doc-runner.ts for the rules). Skipped blocks print their reason.

let scratch = '';
let shimDir = '';
let emulators: ShellBlock;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'lakeshift-guide-'));
  await ensureFreshBundle();
  shimDir = await makeShim(join(scratch, 'bin'));
  emulators = await emulatorBlock();
}, 120_000);

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('docs/guide shell blocks', () => {
  for (const page of guidePages()) {
    it(`${basename(page)}: every block runs and prints what the guide shows`, async () => {
      const results = await runPage(page, { work: join(scratch, basename(page, '.md')), shimDir, emulators });
      for (const r of results.filter((x) => x.status === 'skipped')) console.log(`skipped ${basename(page)}:${r.line}: ${r.message ?? ''}`);
      const failed = results.filter((r) => r.status === 'failed').map((r) => `${basename(page)}:${r.line}: ${r.message ?? ''}`);
      expect(failed, failed.join('\n\n')).toEqual([]);
    }, 120_000);
  }
});
