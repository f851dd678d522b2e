/**
 * Child process for the CLI argv fuzz test: runs each argv of a JSON case file through the real CLI
 * entry point (`runCli`) in this process, one after another, in the working directory it was started
 * in, and writes one JSON result line per case to the result file. Standard output and error are
 * captured per case. A case that does not finish within the time limit is recorded as a hang and ends
 * the process (whatever it started, a server say, must not leak into the next case).
 *
 *   node --import tsx test/fuzz/cli-argv-harness.ts CASES.json RESULTS.jsonl
 */
import { appendFileSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { runCli } from '../../src/cli/main.js';

interface CaseResult {
  argv: string[];
  code: number | 'hang';
  stderr: string;
  stdout: string;
  ms: number;
  /** Entries in the working directory after the case (nothing may be written on bad input). */
  written: string[];
}

const [casesFile, resultsFile] = process.argv.slice(2);
if (casesFile === undefined || resultsFile === undefined) throw new Error('usage: cli-argv-harness CASES.json RESULTS.jsonl');
const cases = JSON.parse(readFileSync(casesFile, 'utf8')) as string[][];
const limitMs = Number(process.env['LAKESHIFT_FUZZ_CASE_MS'] ?? 20_000);

const realOut = process.stdout.write.bind(process.stdout);
const realErr = process.stderr.write.bind(process.stderr);
let out = '';
let err = '';
const capture = (append: (s: string) => void) =>
  ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    append(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    callback?.();
    return true;
  }) as typeof process.stdout.write;

for (const argv of cases) {
  out = '';
  err = '';
  process.exitCode = undefined;
  process.stdout.write = capture((s) => (out += s));
  process.stderr.write = capture((s) => (err += s));
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const code = await Promise.race([
    runCli(argv),
    new Promise<'hang'>((resolve) => (timer = setTimeout(() => resolve('hang'), limitMs))),
  ]);
  clearTimeout(timer);
  process.stdout.write = realOut;
  process.stderr.write = realErr;
  const result: CaseResult = { argv, code, stderr: err, stdout: out.slice(0, 4000), ms: Date.now() - started, written: readdirSync('.') };
  appendFileSync(resultsFile, `${JSON.stringify(result)}\n`);
  // Each case is judged on its own: whatever one wrote is removed before the next.
  for (const name of result.written) rmSync(name, { recursive: true, force: true });
  if (code === 'hang') process.exit(0);
}
process.exit(0);
