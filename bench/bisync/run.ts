/**
 * bisync benchmark (issue 10 "Done when"): N files (default 100,000) in the Gen1 emulator and the Gen2
 * emulator, 1% changed on each side, then the time and peak RSS of one `lakeshift bisync` run beside
 * one `lakeshift migrate --incremental` run over the same pair (after 1% more changed on Gen1), both
 * measured in this run. Target: bisync / migrate <= 1.5 (bisync lists and compares both sides as
 * migrate --incremental does, and carries changes both ways), peak RSS < 300 MB.
 * Usage: node --import tsx bench/bisync/run.ts [--files N] [--tsx | --no-build] [--keep] [--setup-only DIR | --reuse DIR [--in-place]]
 * Setup (not timed): bulk-load Gen1, migrate to Gen2 (disk-backed), bisync --resync (reads both sides
 * once). `--setup-only DIR` does only that and keeps it in DIR (run it under nice, outside the bench
 * lock); `--reuse DIR` times a working copy of DIR (so DIR itself stays reusable), or with `--in-place`
 * DIR itself (a copy made beforehand with `nice -n 15 cp -a`, so the copying is outside the lock too).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseLocation, type Gen1Location, type Gen2Location } from '../../src/core/uri.js';
import { bulkLoadNamespace, type BulkEntry } from '../../src/emulators/gen1/bulk-load.js';
import { createGen1Store } from '../../src/stores/gen1/index.js';
import { createGen2Store } from '../../src/stores/gen2/index.js';
import { buildLakeshiftCli, builtLakeshiftCli, tsxLakeshiftCli } from '../migrate/build-cli.js';
import { runLakeshift, useLakeshiftCli, type ChildRun } from '../migrate/child-process.js';
import { judge, lastJsonLine, loadNote, log, startGen1Child, startGen2Child } from '../migrate/env.js';
import { pickFreePort } from '../lib/server-process.js';
import { body, pathOf, PER_DIR, writeAll } from './tree.js';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i < 0 ? undefined : args[i + 1];
};
const FILES = Number(flag('--files') ?? '100000');
const keep = args.includes('--keep');


function* entries(): Generator<BulkEntry> {
  yield { path: '/bench', type: 'DIRECTORY' };
  for (let d = 0; d * PER_DIR < FILES; d++) yield { path: `/bench/d${String(d).padStart(4, '0')}`, type: 'DIRECTORY' };
  for (let i = 0; i < FILES; i++) yield { path: `/bench/${pathOf(i)}`, type: 'FILE', data: body(i, 0) };
}

/** The sampler's breakdown (bench/lib/memory-sampler.mjs) from a run's stderr. */
function memoryLine(run: ChildRun): string {
  const line = run.stderr.split('\n').reverse().find((l) => l.startsWith('lakeshift-memory '));
  return line === undefined ? 'no sample' : line.slice('lakeshift-memory '.length);
}

function must(run: ChildRun, what: string): ChildRun {
  if (run.exitCode !== 0) throw new Error(`${what} exited ${run.exitCode}: ${run.stderr.slice(-2000)}`);
  return run;
}

interface Layout {
  gen1Dir: string;
  gen2Dir: string;
  state: string;
}

/**
 * The emulators' ports. A bisync pair and a migrate job are keyed by their two URIs, so a reused setup
 * must serve the same URIs: setup picks free ports and records them in setup.json, --reuse listens on them again.
 */
interface Ports {
  gen1: number;
  gen2: number;
}

async function startBoth(dir: string, ports: Ports): Promise<[Awaited<ReturnType<typeof startGen1Child>>, Awaited<ReturnType<typeof startGen2Child>>]> {
  const { gen1Dir, gen2Dir } = layout(dir);
  try {
    const gen1 = await startGen1Child(gen1Dir, 0, ports.gen1);
    try {
      return [gen1, await startGen2Child(0, gen2Dir, ports.gen2)];
    } catch (e) {
      await gen1.stop();
      throw e;
    }
  } catch (e) {
    return fail(`could not start the emulators on 127.0.0.1 ports ${ports.gen1} and ${ports.gen2} (the setup's ports; is one in use?): ${(e as Error).message.split('\n')[0] ?? ''}`);
  }
}

const layout = (dir: string): Layout => ({ gen1Dir: join(dir, 'gen1'), gen2Dir: join(dir, 'gen2'), state: join(dir, 'state') });
const uris = (gen1: { gen1Url: string }, gen2: { accountUrl: string }): { p1Uri: string; p2Uri: string } => ({ p1Uri: `${gen1.gen1Url}/webhdfs/v1/bench`, p2Uri: `${gen2.accountUrl}/bench` });

/** Untimed setup into `dir`: bulk load Gen1, migrate to Gen2 (disk-backed), bisync --resync. */
async function setup(dir: string): Promise<Ports> {
  const { gen1Dir, state } = layout(dir);
  const t0 = performance.now();
  mkdirSync(gen1Dir, { recursive: true });
  await bulkLoadNamespace(gen1Dir, entries(), { batchSize: 4 });
  const ports = { gen1: await pickFreePort(), gen2: await pickFreePort() };
  const [gen1, gen2] = await startBoth(dir, ports);
  const { p1Uri, p2Uri } = uris(gen1, gen2);
  try {
    must(await runLakeshift(['migrate', p1Uri, p2Uri, '--state-dir', state, '--concurrency', '16', '--output', 'json']), 'migrate (setup)');
    log(`setup: bulk load + migrate in ${((performance.now() - t0) / 1000).toFixed(1)} s (${loadNote()})`);
    const t1 = performance.now();
    must(await runLakeshift(['bisync', p1Uri, p2Uri, '--resync', '--state-dir', state, '--concurrency', '16', '--output', 'json']), 'bisync --resync (setup)');
    log(`setup: bisync --resync in ${((performance.now() - t1) / 1000).toFixed(1)} s (${loadNote()})`);
  } finally {
    await gen1.stop();
    await gen2.stop();
  }
  writeFileSync(join(dir, 'setup.json'), `${JSON.stringify({ files: FILES, ports, seconds: (performance.now() - t0) / 1000 })}\n`);
  return ports;
}

/** The timed part on a prepared folder (see setup): 1% changed on each side, bisync; 1% more on Gen1, migrate. */
async function timed(dir: string, ports: Ports): Promise<void> {
  const { state } = layout(dir);
  const [gen1, gen2] = await startBoth(dir, ports);
  const { p1Uri, p2Uri } = uris(gen1, gen2);
  try {
    const p1 = createGen1Store(parseLocation(p1Uri) as Gen1Location, {});
    const p2 = createGen2Store(parseLocation(p2Uri) as Gen2Location, {});
    const onePct = Math.max(1, Math.floor(FILES / 100));
    // Round 1: 1% of the files changed on each side (disjoint), then bisync.
    await writeAll(p1, Array.from({ length: onePct }, (_, k) => k * 100), 1);
    await writeAll(p2, Array.from({ length: onePct }, (_, k) => k * 100 + 50), 1);
    const settle = ['--settle', '0s'];
    log(`before bisync: ${loadNote()}`);
    const bisync = must(await runLakeshift(['bisync', p1Uri, p2Uri, '--state-dir', state, '--concurrency', '16', '--output', 'json', ...settle]), 'bisync');
    const bs = lastJsonLine(bisync.stdout, 'summary');
    log(`bisync run: ${bisync.wallSeconds.toFixed(2)} s wall, ${bisync.cpuSeconds.toFixed(2)} s CPU, peak RSS ${bisync.peakRssMb.toFixed(0)} MB; done ${JSON.stringify(bs?.['done'])} (${loadNote()})`);
    log(`bisync memory: ${memoryLine(bisync)}`);
    // Round 2: 1% more changed on Gen1, then migrate --incremental over the same pair.
    await writeAll(p1, Array.from({ length: onePct }, (_, k) => k * 100 + 25), 2);
    log(`before migrate: ${loadNote()}`);
    const migrate = must(await runLakeshift(['migrate', p1Uri, p2Uri, '--incremental', '--overwrite', 'always', '--state-dir', state, '--concurrency', '16', '--output', 'json']), 'migrate --incremental');
    const ms = lastJsonLine(migrate.stdout, 'summary');
    log(`migrate memory: ${memoryLine(migrate)}`);
    log(`migrate --incremental run: ${migrate.wallSeconds.toFixed(2)} s wall, ${migrate.cpuSeconds.toFixed(2)} s CPU, peak RSS ${migrate.peakRssMb.toFixed(0)} MB; copied ${JSON.stringify((ms?.['files'] as Record<string, unknown> | undefined)?.['copied'])} (${loadNote()})`);
    await p1.close();
    await p2.close();
    const ratio = bisync.wallSeconds / migrate.wallSeconds;
    log(`ratio bisync / migrate --incremental: ${ratio.toFixed(2)}x wall, ${(bisync.cpuSeconds / migrate.cpuSeconds).toFixed(2)}x CPU (target <= 1.5x wall: ${judge(ratio, 1.5, 'lower', 'x')})`);
    log(`bisync peak RSS: ${bisync.peakRssMb.toFixed(0)} MB (target < 300 MB: ${judge(bisync.peakRssMb, 300, 'lower', 'MB')})`);
    mkdirSync('bench/out', { recursive: true });
    writeFileSync(`bench/out/bisync-${FILES}.json`, `${JSON.stringify({ files: FILES, bisync: { wall: bisync.wallSeconds, cpu: bisync.cpuSeconds, rssMb: bisync.peakRssMb, memory: memoryLine(bisync), done: bs?.['done'] }, migrate: { wall: migrate.wallSeconds, cpu: migrate.cpuSeconds, rssMb: migrate.peakRssMb, memory: memoryLine(migrate) }, ratio, load: loadNote() }, null, 2)}\n`);
  } finally {
    await gen1.stop();
    await gen2.stop();
  }
}

/** A usage or setup problem: main prints its one line and exits 2 (after cleaning up). */
class BenchUsageError extends Error {}

function fail(message: string): never {
  throw new BenchUsageError(message);
}

async function main(): Promise<void> {
  const setupOnly = flag('--setup-only');
  const reuse = flag('--reuse');
  if (setupOnly !== undefined && reuse !== undefined) fail('give --setup-only DIR or --reuse DIR, not both');
  const cli = args.includes('--tsx') ? tsxLakeshiftCli() : args.includes('--no-build') ? builtLakeshiftCli() : buildLakeshiftCli();
  // Every CLI run is sampled for its memory breakdown (heap, external, array buffers) at its peak RSS.
  useLakeshiftCli(['--import', resolve('bench/lib/memory-sampler.mjs'), ...cli]);
  log(`bisync benchmark: ${FILES} files of ~64 B in ${Math.ceil(FILES / PER_DIR)} directories; 1% changed on each side`);
  if (setupOnly !== undefined) {
    const dir = resolve(setupOnly);
    if (existsSync(dir) && readdirSync(dir).length > 0) fail(`${dir} is not empty; give a new or empty folder to --setup-only`);
    await setup(dir);
    log(`setup kept in ${dir}; time it with: node --import tsx bench/bisync/run.ts --files ${FILES} --reuse ${dir}`);
    return;
  }
  const root = mkdtempSync(join(reuse === undefined ? tmpdir() : dirname(resolve(reuse)), 'lakeshift-bench-bisync-'));
  try {
    let ports: Ports;
    if (reuse === undefined) {
      ports = await setup(root);
    } else {
      const base = resolve(reuse);
      let recorded: { files?: unknown; ports?: Ports };
      try {
        recorded = JSON.parse(readFileSync(join(base, 'setup.json'), 'utf8')) as { files?: unknown; ports?: Ports };
      } catch {
        return fail(`${base} holds no finished setup (setup.json); make one with --setup-only ${base}`);
      }
      if (recorded.files !== FILES) fail(`${base} was set up for ${String(recorded.files)} files, not ${FILES}; pass --files ${String(recorded.files)}`);
      if (typeof recorded.ports?.gen1 !== 'number' || typeof recorded.ports.gen2 !== 'number') fail(`${base}/setup.json names no ports; make the setup again with --setup-only`);
      ports = recorded.ports;
      if (args.includes('--in-place')) {
        // DIR is itself a copy made outside the bench lock (cp -a under nice); this run uses it up.
        log(`timing ${base} in place (it is changed by this run)`);
        await timed(base, ports);
        return;
      }
      // A working copy, so the kept setup stays as it was and every --reuse run starts from the same state.
      const t0 = performance.now();
      execFileSync('nice', ['-n', '15', 'cp', '-a', `${base}/.`, root]);
      log(`working copy of ${base} in ${((performance.now() - t0) / 1000).toFixed(1)} s (untimed)`);
    }
    await timed(root, ports);
  } finally {
    if (!keep) rmSync(root, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  if (error instanceof BenchUsageError) {
    process.stderr.write(`bench/bisync: ${error.message}\n`);
    process.exitCode = 2;
    return;
  }
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
