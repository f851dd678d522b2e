import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEFAULT_MAX_DELETE } from '../../patterns/incremental.js';
import { DEFAULT_MAX_DELETE_IN_HELP } from './migrate.js';
import { runCliCaptured as cli } from '../test-support.js';


describe('lakeshift migrate --dry-run', () => {
  let dir: string;
  let src: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'lakeshift-dry-'));
    src = join(dir, 'src');
    mkdirSync(join(src, 'a', 'b'), { recursive: true });
    writeFileSync(join(src, 'a', 'b', 'x.txt'), 'hello');
    writeFileSync(join(src, 'a', 'y.bin'), Buffer.alloc(70_000, 7));
  });
  afterEach(() => vi.unstubAllEnvs());
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['lift and shift', []],
    ['incremental with deletes', ['--incremental', '--delete']],
    ['checksum, JSON output', ['--checksum', '--output', 'json']],
  ])('%s: counts the work and creates neither the state directory nor the destination', async (_name, extra) => {
    const state = join(dir, `state-${extra.join('')}`);
    const dest = join(dir, `dest-${extra.join('')}`);
    const r = await cli(['migrate', src, dest, '--state-dir', state, '--dry-run', ...extra]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/would copy 2|"dryRun":true/);
    expect(existsSync(state)).toBe(false);
    expect(existsSync(dest)).toBe(false);
  });

  it('leaves the default state directory (LAKESHIFT_STATE_DIR, else .lakeshift/) alone too', async () => {
    const state = join(dir, 'env-state');
    const cwdDefault = join(process.cwd(), '.lakeshift');
    const hadCwdDefault = existsSync(cwdDefault);
    vi.stubEnv('LAKESHIFT_STATE_DIR', state);
    const dry = await cli(['migrate', src, join(dir, 'env-dest'), '--dry-run']);
    expect(dry.code, dry.err).toBe(0);
    expect(existsSync(state)).toBe(false);
    expect(existsSync(cwdDefault)).toBe(hadCwdDefault);
  });

  it('while a real run with the same environment creates the job database there', async () => {
    const state = join(dir, 'env-state');
    const dest = join(dir, 'env-dest');
    vi.stubEnv('LAKESHIFT_STATE_DIR', state);
    const real = await cli(['migrate', src, dest]);
    expect(real.code, real.err).toBe(0);
    expect(existsSync(join(state, 'jobs.db'))).toBe(true);
    expect(existsSync(join(dest, 'a', 'b', 'x.txt'))).toBe(true);
  });

  it('with --plan: writes nothing either', async () => {
    const planFile = join(dir, 'plan.yaml');
    const planned = await cli(['plan', src, '--out', planFile]);
    expect(planned.code, planned.err).toBe(0);
    const state = join(dir, 'plan-state');
    const dest = join(dir, 'plan-dest');
    const r = await cli(['migrate', '--plan', planFile, src, dest, '--state-dir', state, '--dry-run']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('dry run');
    expect(existsSync(state)).toBe(false);
    expect(existsSync(dest)).toBe(false);
  });
});

describe('lakeshift migrate --help', () => {
  it("shows the engine's deletion limit", () => {
    expect(DEFAULT_MAX_DELETE_IN_HELP).toBe(DEFAULT_MAX_DELETE);
  });
});
