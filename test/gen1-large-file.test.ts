import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const GIB = 1024 * 1024 * 1024;
const LIMIT = 200 * 1024 * 1024;
const root = join(import.meta.dirname, '..');

/** Starts the Gen1 emulator in its own process on a temp data dir; resolves with its URL once it listens. */
async function startEmulatorProcess(dir: string): Promise<{ child: ChildProcess; url: string }> {
  const script = [
    `const { startGen1Emulator } = await import(${JSON.stringify(join(root, 'src/emulators/gen1/index.ts'))});`,
    'const emulator = await startGen1Emulator({ port: 0, location: process.argv[1] });',
    "process.stdout.write('READY ' + emulator.url + '\\n');",
    "process.on('SIGTERM', () => { emulator.close().then(() => process.exit(0)); });",
  ].join('\n');
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, dir], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let text = '';
    child.stdout?.on('data', (d: Buffer) => {
      text += d.toString();
      const m = /READY (\S+)/.exec(text);
      if (m?.[1] !== undefined) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`the emulator exited early (code ${String(code)})`)));
  });
  return { child, url };
}

async function peakRss(pid: number): Promise<number> {
  const m = /VmHWM:\s+(\d+) kB/.exec(await readFile(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) * 1024;
}

function runClient(url: string, size: number): Promise<Record<string, number | string>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'test/fixtures/gen1-large-file-client.ts'), url, String(size)], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`the client exited with code ${String(code)}`));
      else resolve(JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as Record<string, number | string>);
    });
  });
}

describe('a 1 GiB file through the Gen1 store and the Gen1 emulator', () => {
  let dir = '';
  let emulator: ChildProcess | undefined;
  afterAll(async () => {
    emulator?.kill('SIGTERM');
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it('round trips with both processes under 200 MB peak RSS', { timeout: 180_000 }, async () => {
    dir = await mkdtemp(join(tmpdir(), 'lakeshift-gen1-large-'));
    const started = await startEmulatorProcess(dir);
    emulator = started.child;
    const result = await runClient(started.url, GIB);
    const emulatorRss = await peakRss(emulator.pid ?? 0);
    console.log(`[gen1-large-file] write ${result['writeMs']} ms, read ${result['readMs']} ms; peak RSS client ${Math.round(Number(result['peakRss']) / 2 ** 20)} MiB, emulator ${Math.round(emulatorRss / 2 ** 20)} MiB`);
    expect(result['size']).toBe(GIB);
    expect(result['readBytes']).toBe(GIB);
    expect(result['read']).toBe(result['written']);
    expect(Number(result['peakRss'])).toBeLessThan(LIMIT);
    expect(emulatorRss).toBeGreaterThan(0);
    expect(emulatorRss).toBeLessThan(LIMIT);
  });
});
