import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Command, Option } from 'commander';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/main.js';
import { RUNS } from './requests.js';

// The CLI end to end with random argv: every command of the real command tree, valid arguments
// around exactly one bad piece (a malformed option value, an unknown option, a malformed location, a
// missing or an extra argument, an input file that is garbage or absent). Each case must end with a
// documented bad-input exit code (2, or 4 for something that does not exist), one line saying what is
// wrong (plus commander's usage hint), no stack trace, no hang, and nothing written in the working
// directory. The cases run in one child process through the CLI's entry point (tests/fuzz/cli-argv-harness.ts).

const ROOT = join(import.meta.dirname, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'lakeshift-fuzz-argv-'));
const cwd = join(work, 'cwd');
const fixtures = join(work, 'fixtures');
mkdirSync(cwd);
mkdirSync(fixtures);
const garbage = join(fixtures, 'garbage.yaml');
writeFileSync(garbage, '{{{: [unterminated\n\t- : :\n');
const absent = join(work, 'no-such-dir', 'input.yaml');
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Leaf {
  path: string[];
  args: { name: string; required: boolean; variadic: boolean }[];
  options: readonly Option[];
}

/** Every runnable command of the real program, with its declared arguments and options. */
function leaves(): Leaf[] {
  const found: Leaf[] = [];
  const walk = (command: Command, path: string[]): void => {
    if (command.commands.length === 0 && path.length > 0) {
      found.push({
        path,
        args: command.registeredArguments.map((a) => ({ name: a.name(), required: a.required, variadic: a.variadic })),
        options: command.options,
      });
    }
    for (const sub of command.commands) walk(sub, [...path, sub.name()]);
  };
  walk(buildProgram(), []);
  return found;
}

const OUTPUT_FILES = new Set(['--out', '--sql-out', '--undo-file']);
const placeholder = (option: Option): string => /<([^>]+)>/.exec(option.flags)?.[1] ?? '';
const takesValue = (option: Option): boolean => option.required || option.optional;

/** Values that are wrong for an option with this placeholder, or undefined when no value is surely wrong. */
function badValuesFor(option: Option): string[] | undefined {
  if (option.argChoices) return ['xml', 'JSON ', 'bogus'];
  const p = placeholder(option);
  if (/^(n|port|seconds|percent|bytes|n,\.\.\.)$/.test(p)) return ['abc', '1.5.2', 'NaN', '12abc', '-7', 'Infinity'];
  if (p === 'size') return ['lots', '-4MiB', '12QB', '1.2.3K'];
  if (p === 'interval') return ['soon', '-1m', '5 fortnights', '1x'];
  if (p === 'format') return ['xml', 'bogus'];
  if (p === 'list') return ['bogus', 'acl,bogus', ',,'];
  // Output files (--out, --sql-out, --undo-file) may be overwritten or created: only inputs are bad here.
  if (/file|plan\.yaml/.test(p)) return OUTPUT_FILES.has(option.long ?? '') ? undefined : [garbage, absent];
  if (p === 'dir') return [garbage];
  if (/uri|url/.test(p)) return ['ftp://host/x', 'adl://', 'http://[::1', '%zz://x', 'postgres://:99999/x'];
  if (/MAP|PREFIX=|GEN1=GEN2/.test(p)) return ['=', 'noequals', 'a='];
  if (p === 'spec') return ['kaboom=1', 'latency=abc'];
  if (p === 'rule') return ['garbage'];
  if (p === 'policy' || p === 'mode' || p === 'how' || p === 'which') return ['bogus'];
  if (p === 'name:key') return ['acct:not base64!'];
  if (/^(address|host|addr)$/.test(p)) return ['not a host'];
  return undefined;
}

/** A value that is fine for a positional argument of this name. */
function goodArg(leaf: Leaf, name: string): string {
  if (name === 'paths') return fixtures;
  if (name === 'job') return 'job-fuzz';
  if (name === 'file') return garbage;
  return `memory://fuzz-${leaf.path.join('-')}/`;
}

const badPositional = ['ftp://host/x', 'adl://', 'abfss://@/', 'http://[::1', 'memory://', '%zz://x', 'wasbs://c@a.blob.core.windows.net/x'];

const argvCase = fc.constantFrom(...leaves()).chain((leaf) => {
  const valueOptions = leaf.options.filter((o) => takesValue(o) && badValuesFor(o) !== undefined);
  const uriArgs = leaf.args.filter((a) => !['paths', 'job', 'file'].includes(a.name));
  const kinds = ['unknown-option', ...(valueOptions.length > 0 ? ['bad-value'] : []), ...(uriArgs.length > 0 ? ['bad-location'] : []),
    ...(leaf.args.some((a) => a.required) ? ['missing-arg'] : []), ...(leaf.args.length > 0 && !leaf.args.some((a) => a.variadic) ? ['extra-arg'] : [])];
  const flags = leaf.options.filter((o) => !takesValue(o) && !['--help', '--version'].includes(o.long ?? '')).map((o) => o.long ?? '');
  return fc.record({
    leaf: fc.constant(leaf),
    kind: fc.constantFrom(...kinds),
    option: valueOptions.length > 0 ? fc.constantFrom(...valueOptions) : fc.constant(undefined),
    pick: fc.nat(),
    uriArg: uriArgs.length > 0 ? fc.constantFrom(...uriArgs.map((a) => a.name)) : fc.constant(undefined),
    badLocation: fc.constantFrom(...badPositional),
    extraFlags: flags.length > 0 ? fc.subarray(flags, { maxLength: Math.min(2, flags.length) }) : fc.constant([] as string[]),
    where: fc.nat(),
  });
}).map(({ leaf, kind, option, pick, uriArg, badLocation, extraFlags, where }) => {
  let positionals = leaf.args.filter((a) => a.required || a.name === uriArg).map((a) => ({ name: a.name, value: goodArg(leaf, a.name) }));
  const options: string[] = [...extraFlags.filter((f) => f !== '--force' && f !== '--apply' && f !== '--allow-actions')];
  if (kind === 'bad-value' && option !== undefined) {
    const values = badValuesFor(option) ?? [];
    options.push(option.long ?? '', values[pick % values.length] ?? '');
  } else if (kind === 'unknown-option') {
    options.splice(where % (options.length + 1), 0, '--no-such-option');
  } else if (kind === 'bad-location') {
    positionals = positionals.map((p) => (p.name === uriArg ? { ...p, value: badLocation } : p));
    if (!positionals.some((p) => p.name === uriArg) && uriArg !== undefined) positionals.push({ name: uriArg, value: badLocation });
  } else if (kind === 'missing-arg') {
    positionals = positionals.slice(0, Math.max(0, leaf.args.filter((a) => a.required).length - 1));
  } else if (kind === 'extra-arg') {
    positionals = leaf.args.map((a) => ({ name: a.name, value: goodArg(leaf, a.name) }));
    positionals.push({ name: 'extra', value: 'memory://fuzz-extra/' });
  }
  return { kind, argv: [...leaf.path, ...positionals.map((p) => p.value), ...options] };
});

/** Cases the fuzzer found once (each was a bug: exit 0 or 70, a hang, or a file written), always run. */
const FOUND = (): { kind: string; argv: string[] }[] => [
  ['serve', '--host', 'not a host'],
  ['gateway', 'serve', 'memory://fuzz-found/', '--host', 'not a host'],
  ['serve', '--plan', garbage],
  ['serve', '--output', 'xml'],
  ['jobs', 'list', '--output', 'xml'],
  ['jobs', 'show', 'job-fuzz', '--output', 'bogus'],
  ['jobs', 'resume', 'job-fuzz', '--concurrency', 'abc'],
  ['jobs', 'list', '--state-dir', garbage],
  ['validate', 'memory://fuzz-found/', 'memory://fuzz-found/', '--state-dir', garbage],
  ['emulator', 'gen2', '--location', garbage],
  ['emulator', 'gen1', '--location', garbage],
  ['assess', 'memory://fuzz-found/', '--out', garbage],
  ['cutover', 'scan', fixtures, '--gen2-account', 'ftp://host/x'],
  ['cutover', 'decommission-check', 'memory://fuzz-found/', 'memory://fuzz-found/', '--gen2-account', 'adl://'],
  ['cutover', 'decommission-check', 'memory://fuzz-found/', 'memory://fuzz-found/', '--state-dir', garbage],
  ['cutover', 'final-sync', 'memory://fuzz-found/', 'memory://fuzz-found/', '--allow-unfrozen', '--concurrency', 'Infinity'],
  ['gateway', 'serve', '%zz://x'],
  ['bisync', 'memory://fuzz-found/', '%zz://x', '--dry-run'],
].map((argv) => ({ kind: 'found', argv }));

interface Result {
  argv: string[];
  code: number | 'hang';
  stderr: string;
  ms: number;
  written: string[];
}

describe('fuzz: the CLI with random argv', () => {
  it('answers every bad argv with exit 2 (or 4), one line, no stack trace, no hang and nothing written', () => {
    const seed = Number(process.env['LAKESHIFT_FUZZ_SEED'] ?? Date.now() % 1_000_000);
    const cases = [...FOUND(), ...fc.sample(argvCase, { numRuns: Math.max(40, Math.round(RUNS / 2)), seed })];
    const casesFile = join(work, 'cases.json');
    const resultsFile = join(work, 'results.jsonl');
    writeFileSync(casesFile, JSON.stringify(cases.map((c) => c.argv)));
    writeFileSync(resultsFile, '');
    const child = spawnSync(process.execPath, ['--import', pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href, join(ROOT, 'test/fuzz/cli-argv-harness.ts'), casesFile, resultsFile], {
      cwd, env: { ...process.env, LAKESHIFT_LOG_LEVEL: 'warn', LAKESHIFT_DEBUG: '', AZURE_CLIENT_SECRET: '', NO_COLOR: '1' }, encoding: 'utf8', timeout: 240_000,
    });
    const results = readFileSync(resultsFile, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Result);
    const problems: string[] = [];
    for (const [i, r] of results.entries()) {
      const lines = r.stderr.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('(run with --help'));
      const say = (what: string) => problems.push(`case ${i} (${cases[i]?.kind}) lakeshift ${r.argv.map((a) => JSON.stringify(a)).join(' ')}: ${what}\n  stderr: ${r.stderr.trim().slice(0, 400)}`);
      if (r.code === 'hang') say('did not finish (bad input accepted, or a hang)');
      else if (r.code !== 2 && r.code !== 4) say(`exit ${r.code}, not 2 or 4`);
      if (/^\s+at .+:\d+:\d+\)?$/m.test(r.stderr) || /This is a bug/.test(r.stderr)) say('a stack trace or an internal error');
      if (r.code !== 'hang' && lines.length !== 1) say(`${lines.length} lines of error, not one`);
      if (r.written.length > 0) say(`wrote ${r.written.join(', ')} in the working directory`);
    }
    expect(results.length, `the harness ran ${results.length} of ${cases.length} cases (seed ${seed}); its stderr: ${child.stderr?.slice(-1000)}`).toBe(
      problems.some((p) => p.includes('did not finish')) ? results.length : cases.length,
    );
    expect(problems, `seed ${seed} (LAKESHIFT_FUZZ_SEED=${seed} reproduces)`).toEqual([]);
  }, 300_000);
});
