import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import { join } from 'node:path';
import { shellBlocks, type ShellBlock } from '../../src/guide/blocks.js';

/**
 * Runs the shell blocks of the guide (docs/guide/*.md) the way a reader would: each page in a fresh
 * scratch directory with fresh emulators, started by the introduction's `sh emulators` block, one bash
 * per block (exported variables carry over to the next block of the page), the real `lakeshift`
 * binary on PATH. The literal ports 10001-10019 of a page are replaced by free ports, and mapped back in
 * the output. A block fails when its exit status differs from `exit=` (default 0) or its output,
 * normalised (times, durations, rates, job, run and freeze ids, ports, the scratch path), differs from the `text`
 * block shown after it; a line `...` there stands for any number of lines.
 */

export const ROOT = join(import.meta.dirname, '..', '..');
export const GUIDE_DIR = join(ROOT, 'docs', 'guide');
/** How the scratch directory appears in the guide's shown output. */
export const SHOWN_WORK_DIR = '~/rehearsal';

export interface BlockResult {
  line: number;
  status: 'passed' | 'failed' | 'skipped';
  /** Why it was skipped, or what failed (with the normalised expected and actual output). */
  message?: string;
  /** What the block printed, normalised (stdout, or stdout and stderr with output=all). */
  shown?: string;
}

/** The guide's pages, in file order. */
export function guidePages(dir = GUIDE_DIR): string[] {
  return readdirSync(dir).filter((f) => f.endsWith('.md')).sort().map((f) => join(dir, f));
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * Makes sure `bin/lakeshift.js` runs the current sources: when dist/bundle is missing or older than a
 * source file, rebuilds it with the esbuild command of package.json's build script (a few seconds).
 */
export async function ensureFreshBundle(): Promise<void> {
  const main = join(ROOT, 'dist', 'bundle', 'main.js');
  if (existsSync(main) && statSync(main).mtimeMs >= newestMtime(join(ROOT, 'src'))) return;
  const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const build = pkg.scripts['build'] ?? '';
  const esbuild = build.slice(build.indexOf('esbuild '));
  const r = spawnSync('sh', ['-c', `./node_modules/.bin/${esbuild}`], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bundling the CLI failed: ${r.stderr}`);
}

/** A directory with a `lakeshift` that runs this checkout's binary with this Node. */
export async function makeShim(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const shim = join(dir, 'lakeshift');
  await writeFile(shim, `#!/bin/sh\nexec "${process.execPath}" "${join(ROOT, 'bin', 'lakeshift.js')}" "$@"\n`);
  await chmod(shim, 0o755);
  return dir;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a !== null ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

async function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect(port, '127.0.0.1');
    c.once('connect', () => (c.destroy(), resolve(true)));
    c.once('error', () => resolve(false));
  });
}

const GUIDE_PORT = /\b100(?:0[1-9]|1\d)\b/g;

interface PageContext {
  work: string;
  envFile: string;
  ports: Map<string, string>;
  groups: number[];
  path: string;
}

/** Normalises output for comparison: what varies from run to run becomes a fixed word. */
export function normalise(text: string, ctx: { work: string; ports: Map<string, string> }): string {
  let t = text.replace(/\r\n/g, '\n').split(ctx.work).join(SHOWN_WORK_DIR);
  for (const [shown, real] of ctx.ports) t = t.replace(new RegExp(`\\b${real}\\b`, 'g'), shown);
  t = t
    .replace(/\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?/g, '<time>')
    .replace(/\bj[0-9a-f]{11}\b/g, '<job>')
    .replace(/\bfrz-[0-9a-f]{8}\b/g, '<freeze>')
    .replace(/\b\d{8}T\d{6}Z-[0-9a-f]{8}\b/g, '<run>')
    .replace(/\b\d+(?:\.\d+)? ?(?:B|KiB|MiB|GiB|TiB)\/s\b/g, '<rate>')
    .replace(/\b\d+(?:\.\d+)? ?(?:ms|s)\b/g, '<duration>');
  const lines = t.split('\n').map((l) => l.trimEnd());
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines.join('\n');
}

/** Whether `actual` lines match `expected` lines, where an expected line `...` matches any run of lines. */
export function outputMatches(expected: string, actual: string): boolean {
  const e = expected === '' ? [] : expected.split('\n');
  const a = actual === '' ? [] : actual.split('\n');
  const memo = new Map<string, boolean>();
  const go = (i: number, j: number): boolean => {
    const key = `${i},${j}`;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let r: boolean;
    if (i === e.length) r = j === a.length;
    else if (e[i] === '...') r = go(i + 1, j) || (j < a.length && go(i, j + 1));
    else r = j < a.length && e[i] === a[j] && go(i + 1, j + 1);
    memo.set(key, r);
    return r;
  };
  return go(0, 0);
}

function substitutePorts(text: string, ports: Map<string, string>): string {
  return text.replace(GUIDE_PORT, (p) => ports.get(p) ?? p);
}

interface Ran {
  code: number | null;
  stdout: string;
  all: string;
}

function runScript(script: string, ctx: PageContext, timeoutMs: number): Promise<Ran> {
  const wrapped = `set -eo pipefail\n[ -f "$DOC_ENV" ] && source "$DOC_ENV"\n${script}\nexport -p > "$DOC_ENV"\n`;
  return new Promise((resolve) => {
    const child = spawn('bash', ['--noprofile', '--norc', '-c', wrapped], {
      cwd: ctx.work, detached: true, stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: ctx.path, HOME: process.env['HOME'] ?? ctx.work, TZ: 'UTC', LANG: 'C.UTF-8', NO_COLOR: '1', DOC_ENV: ctx.envFile },
    });
    if (child.pid !== undefined) ctx.groups.push(child.pid);
    let stdout = '';
    let all = '';
    child.stdout.on('data', (d: Buffer) => ((stdout += d.toString()), (all += d.toString())));
    child.stderr.on('data', (d: Buffer) => (all += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    // Resolve on exit, not close: background servers the block started keep the pipes open.
    child.once('exit', (code) => {
      clearTimeout(timer);
      setTimeout(() => resolve({ code, stdout, all }), 50);
    });
  });
}

async function stopGroups(groups: number[]): Promise<void> {
  const alive = (g: number): boolean => {
    try {
      process.kill(-g, 0);
      return true;
    } catch {
      return false;
    }
  };
  for (const g of groups) if (alive(g)) process.kill(-g, 'SIGTERM');
  const until = Date.now() + 3000;
  while (groups.some(alive) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  for (const g of groups) if (alive(g)) process.kill(-g, 'SIGKILL');
}

/** The introduction's `sh emulators` block, which every page runs first. */
export async function emulatorBlock(dir = GUIDE_DIR): Promise<ShellBlock> {
  for (const page of guidePages(dir)) {
    const block = shellBlocks(await readFile(page, 'utf8')).find((b) => b.emulators);
    if (block !== undefined) return block;
  }
  throw new Error(`no "sh emulators" block in ${dir}`);
}

/**
 * Runs every shell block of one page in `work` (a fresh, empty directory), with the emulators started
 * by `emulators` first. Returns one result per block; stops servers the blocks started.
 */
export async function runPage(file: string, o: { work: string; shimDir: string; emulators: ShellBlock; timeoutMs?: number; keepGoing?: boolean }): Promise<BlockResult[]> {
  const markdown = await readFile(file, 'utf8');
  const blocks = shellBlocks(markdown);
  const ports = new Map<string, string>();
  for (const p of new Set([...(markdown.match(GUIDE_PORT) ?? []), ...(o.emulators.script.match(GUIDE_PORT) ?? [])])) ports.set(p, String(await freePort()));
  await mkdir(o.work, { recursive: true });
  const ctx: PageContext = { work: o.work, envFile: join(o.work, '..', `${file.replace(/\W/g, '_').slice(-60)}.env`), ports, groups: [], path: `${o.shimDir}:${process.env['PATH'] ?? ''}` };
  const results: BlockResult[] = [];
  const timeout = o.timeoutMs ?? 60_000;
  // A page with nothing to run (prose, skipped blocks) needs no emulators.
  if (!blocks.some((b) => !b.emulators && b.skip === undefined)) {
    return blocks.map((b) => (b.skip !== undefined ? { line: b.line, status: 'skipped', message: b.skip } : { line: b.line, status: 'passed', message: 'ran first, as for every page' }));
  }
  try {
    const started = await runScript(substitutePorts(o.emulators.script, ports), ctx, timeout);
    if (started.code !== 0) return [{ line: o.emulators.line, status: 'failed', message: `the emulators block exited ${started.code}: ${started.all}` }];
    const wanted = [...(o.emulators.script.match(GUIDE_PORT) ?? [])].map((p) => Number(ports.get(p)));
    const until = Date.now() + 20_000;
    for (const port of wanted) {
      while (!(await portOpen(port))) {
        if (Date.now() > until) return [{ line: o.emulators.line, status: 'failed', message: `nothing listens on port ${port} 20 s after the emulators block` }];
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    for (const b of blocks) {
      if (b.emulators) {
        results.push({ line: b.line, status: 'passed', message: 'ran first, as for every page' });
        continue;
      }
      if (b.skip !== undefined) {
        results.push({ line: b.line, status: 'skipped', message: b.skip });
        continue;
      }
      const script = b.output === 'all' ? `exec 2>&1\n${b.script}` : b.script;
      const ran = await runScript(substitutePorts(script, ports), ctx, timeout);
      const shown = normalise(b.output === 'all' ? ran.all : ran.stdout, ctx);
      if (ran.code !== b.exit) {
        results.push({ line: b.line, status: 'failed', shown, message: `exit status ${ran.code ?? 'killed (timeout)'}, expected ${b.exit}; output:\n${normalise(ran.all, ctx)}` });
        if (o.keepGoing === true) continue;
        break;
      }
      if (b.expected !== undefined) {
        const expected = normalise(b.expected, ctx);
        if (!outputMatches(expected, shown)) {
          results.push({ line: b.line, status: 'failed', shown, message: `the output no longer matches the text block.\n--- shown in the guide (normalised)\n${expected}\n--- printed now (normalised)\n${shown}` });
          if (o.keepGoing === true) continue;
          break;
        }
      }
      results.push({ line: b.line, status: 'passed', shown });
    }
  } finally {
    await stopGroups(ctx.groups);
  }
  return results;
}
