import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliCaptured } from '../../src/cli/test-support.js';
import { createMetastore, dumpMetastore, GEN1, GEN2, locationRows, seedMetastore, serverProblem } from './metastore-fixtures.js';

/** The guide's commands, run as written (host names and files swapped for a test PostgreSQL metastore). */
const problem = await serverProblem('postgres', 'the docs/cutover-metastore.md guide test');
const GUIDE = join(import.meta.dirname, '..', '..', 'docs', 'cutover-metastore.md');

let tmp = '';
beforeAll(async () => { tmp = await mkdtemp(join(tmpdir(), 'ls-msd-')); });
afterAll(async () => { await rm(tmp, { recursive: true, force: true }); });

describe.skipIf(problem !== undefined)('docs/cutover-metastore.md', () => {
  it('every command of the guide runs, in order, against a real metastore', async () => {
    const text = await readFile(GUIDE, 'utf8');
    const block = /```sh\n([\s\S]*?)```/.exec(text)?.[1] ?? '';
    const commands = block.split('\n').map((l) => l.replace(/#.*$/, '').trim()).filter((l) => l.startsWith('lakeshift '));
    expect(commands.map((c) => c.split(/\s+/).slice(0, 4).join(' '))).toEqual([
      'lakeshift cutover metastore scan', 'lakeshift cutover metastore rewrite', 'lakeshift cutover metastore rewrite',
      'lakeshift cutover metastore rewrite', 'lakeshift cutover metastore undo',
    ]);
    const ms = await createMetastore('postgres', '4.0.0');
    try {
      const expected = await seedMetastore(ms);
      const dump = await dumpMetastore(ms);
      const mapFile = join(tmp, 'map.yaml');
      await writeFile(mapFile, `mappings:\n  - gen1: ${GEN1}/\n    gen2: ${GEN2}/\n`);
      for (const command of commands) {
        const args = command
          .replace(/\[--output json\]/, '--output json')
          .replace('postgres://hive@db:5432/metastore', ms.url)
          .replace('--metastore ...', `--metastore ${ms.url}`)
          .split(/\s+/).slice(1)
          .map((a) => (a === 'map.yaml' ? mapFile : a === 'rewrite.sql' || a === 'undo.jsonl' ? join(tmp, a) : a));
        const r = await runCliCaptured(args);
        expect({ command, code: r.code, err: r.err }).toEqual({ command, code: 0, err: '' });
        if (args.includes('--apply')) {
          const rows = Object.values(await locationRows(ms));
          for (const e of expected.filter((f) => f.action === 'rewrite')) expect(rows).toContain(e.replacement);
        }
      }
      expect(await readFile(join(tmp, 'rewrite.sql'), 'utf8')).toContain('UPDATE "SDS" SET "LOCATION"');
      expect(await dumpMetastore(ms)).toBe(dump);
    } finally {
      await ms.close();
    }
  });
});
