/**
 * For authors: `node --import tsx test/guide/record.ts docs/guide/PAGE.md` runs a page like the doc test
 * and prints what each block printed (normalised), to paste into the `text` block after it.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { emulatorBlock, ensureFreshBundle, makeShim, runPage } from './doc-runner.js';

const scratch = await mkdtemp(join(tmpdir(), 'lakeshift-guide-'));
await ensureFreshBundle();
const shimDir = await makeShim(join(scratch, 'bin'));
const emulators = await emulatorBlock();
for (const page of process.argv.slice(2)) {
  const t0 = Date.now();
  const results = await runPage(resolve(page), { work: join(scratch, 'page'), shimDir, emulators, keepGoing: true });
  for (const r of results) {
    process.stdout.write(`\n=== ${page}:${r.line} ${r.status}${r.status === 'passed' ? '' : `: ${r.message ?? ''}`}\n`);
    if (r.shown !== undefined) process.stdout.write(`${r.shown}\n`);
  }
  process.stdout.write(`\n${page}: ${((Date.now() - t0) / 1000).toFixed(1)} s wall\n`);
}
