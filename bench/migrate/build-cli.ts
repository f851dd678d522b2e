/**
 * The lakeshift CLI as the benchmark runs it: as a user runs it, the `lakeshift` binary
 * (bin/lakeshift.js) on what `npm run build` makes (tsc into dist/, then the esbuild bundle into
 * dist/bundle/ that bin/lakeshift.js prefers). `--tsx` runs the TypeScript sources through tsx instead.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/** Runs `npm run build`; returns the node arguments that start the binary. Throws when no bundle appears. */
export function buildLakeshiftCli(): string[] {
  try {
    execFileSync('npm', ['run', 'build'], { stdio: 'pipe' });
  } catch {
    // Type errors in other in-progress folders still emit (noEmitOnError is false); check the bundle below.
  }
  if (!existsSync(resolve('dist/bundle/main.js'))) throw new Error('npm run build produced no dist/bundle/main.js; run it to see why.');
  return [resolve('bin/lakeshift.js')];
}

/** The binary on the bundle an earlier `npm run build` made (no build now); throws when there is none. */
export function builtLakeshiftCli(): string[] {
  if (!existsSync(resolve('dist/bundle/main.js'))) throw new Error('no dist/bundle/main.js: run npm run build first (or leave out --no-build).');
  return [resolve('bin/lakeshift.js')];
}

/** Node arguments that start the CLI from the TypeScript sources. */
export function tsxLakeshiftCli(): string[] {
  return ['--import', 'tsx', 'src/cli/main.ts'];
}
