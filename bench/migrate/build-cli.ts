/**
 * The lakeshift CLI as the benchmark runs it: compiled JavaScript, as the npm package ships it (`prepare`
 * builds dist/), built here into bench/out/.lakeshift-dist (incremental tsc; the shared dist/ is left
 * alone). `--tsx` runs the TypeScript sources through tsx instead, which costs ~2.5 s more CPU per start.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const DIST_DIR = resolve('bench/out/.lakeshift-dist');

/** Builds the CLI into DIST_DIR; returns the node arguments that start it. Throws when tsc emits nothing. */
export function buildLakeshiftCli(): string[] {
  try {
    execFileSync(process.execPath, [
      'node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json', '--outDir', DIST_DIR,
      '--incremental', '--tsBuildInfoFile', join(DIST_DIR, '.tsbuildinfo'),
    ], { stdio: 'pipe' });
  } catch {
    // Type errors in other in-progress folders still emit (noEmitOnError is false); check the entry point below.
  }
  const main = join(DIST_DIR, 'cli', 'main.js');
  if (!existsSync(main)) throw new Error(`Building the CLI produced no ${main}; run npx tsc -p tsconfig.build.json to see why.`);
  return [main];
}

/** Node arguments that start the CLI from the TypeScript sources. */
export function tsxLakeshiftCli(): string[] {
  return ['--import', 'tsx', 'src/cli/main.ts'];
}
