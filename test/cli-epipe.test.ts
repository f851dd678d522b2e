import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startCli } from './cli-process.js';

/**
 * `lakeshift … | head`: the reader closes stdout after the first lines. The CLI must not print Node's
 * unhandled 'error' (EPIPE) stack trace; it finishes and exits with its usual code.
 */

const dir = mkdtempSync(join(tmpdir(), 'lakeshift-epipe-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const source = join(dir, 'src');
const empty = join(dir, 'empty');
mkdirSync(source);
mkdirSync(empty);
// 1500 missing files with long names: validate's JSON report is far larger than a pipe's 64 KiB buffer.
for (let i = 0; i < 1500; i++) writeFileSync(join(source, `file-${String(i).padStart(5, '0')}-${'n'.repeat(100)}.txt`), 'x');

const args = ['validate', source, empty, '--output', 'json'];

describe('closed stdout (EPIPE)', () => {
  it('validate --output json | head: exits 1 (differences) quietly, no stack trace', async () => {
    const whole = startCli(args);
    expect(await whole.exit).toBe(1);
    expect(whole.stdout.length).toBeGreaterThan(128 * 1024);

    const run = startCli(args);
    // Close the read end after the first chunk, as `head -c 100` does.
    await new Promise<void>((resolve) => run.child.stdout?.once('data', () => resolve()));
    run.child.stdout?.destroy();
    expect(await run.exit).toBe(1);
    expect(run.stderr).not.toMatch(/EPIPE|Unhandled|\n\s+at /);
    expect(run.stderr.trim()).toBe('');
  }, 60_000);
});
