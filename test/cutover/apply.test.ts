import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyRewrites, loadMapping, planRewrite, type CutoverMapping } from '../../src/cutover/index.js';
import { readBytesLimited } from '../../src/cutover/scan/scan-files.js';

const MAP = ['adl://contoso.azuredatalakestore.net/=abfss://gen1@contosoadls.dfs.core.windows.net/'];
const OLD = 'path = "adl://contoso.azuredatalakestore.net/raw/a.csv"\n';
const NEW = 'path = "abfss://gen1@contosoadls.dfs.core.windows.net/raw/a.csv"\n';
const isRoot = process.getuid?.() === 0;

let dir: string;
let mapping: CutoverMapping;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lakeshift-apply-'));
  mapping = await loadMapping({ map: MAP });
});
afterEach(async () => {
  await chmod(join(dir, 'locked.py'), 0o644).catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
});

describe('cutover rewrite --apply on an awkward tree', () => {
  it('handles an unreadable file, a binary, a symlink loop, CRLF, BOM and UTF-16 files and a file changed after the scan', async () => {
    await writeFile(join(dir, 'locked.py'), OLD);
    await writeFile(join(dir, 'blob.bin'), Buffer.concat([Buffer.from('PK\0\0'), Buffer.from(OLD)]));
    await mkdir(join(dir, 'sub'));
    await symlink('..', join(dir, 'sub', 'loop'));
    await writeFile(join(dir, 'crlf.py'), OLD.replace('\n', '\r\n').repeat(2));
    await writeFile(join(dir, 'bom.py'), Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(OLD)]));
    await writeFile(join(dir, 'wide.ps1'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`$p = 'adl://contoso.azuredatalakestore.net/x'\r\n`, 'utf16le')]));
    await writeFile(join(dir, 'moved.py'), OLD);
    // As root, permissions do not stop a read: simulate the EACCES a user would get.
    if (isRoot) process.stdout.write('(running as root: the unreadable file is simulated with an EACCES from the reader)\n');
    else await chmod(join(dir, 'locked.py'), 0o000);
    const readBytes = async (abs: string, max: number) => {
      if (isRoot && abs.endsWith('locked.py')) throw Object.assign(new Error('permission denied'), { code: 'EACCES' });
      return readBytesLimited(abs, max);
    };
    const plan = await planRewrite([dir], { mapping });
    const planned = isRoot ? await (await import('../../src/cutover/scan/scan-files.js')).scanFiles([dir], { mapping, collectRewrites: true, readBytes }) : plan;
    const skipped = Object.fromEntries(planned.skipped.map((s) => [s.file.slice(dir.length + 1), s.reason]));
    expect(skipped['locked.py']).toMatch(/cannot read \(EACCES\)/);
    expect(skipped['blob.bin']).toMatch(/binary/);
    expect(skipped['sub/loop']).toMatch(/loop/);
    expect(planned.rewrites.map((r) => r.file.slice(dir.length + 1)).sort()).toEqual(['bom.py', 'crlf.py', 'moved.py', 'wide.ps1']);

    await writeFile(join(dir, 'moved.py'), `${OLD}# edited by someone else\n`);
    const outcomes = Object.fromEntries((await applyRewrites(planned.rewrites)).map((o) => [o.file.slice(dir.length + 1), o]));
    expect(outcomes['moved.py']?.status).toBe('changed-since-scan');
    expect(await readFile(join(dir, 'moved.py'), 'utf8')).toBe(`${OLD}# edited by someone else\n`);
    expect(outcomes['crlf.py']?.status).toBe('rewritten');
    expect(await readFile(join(dir, 'crlf.py'), 'utf8')).toBe(NEW.replace('\n', '\r\n').repeat(2));
    expect(await readFile(join(dir, 'bom.py'))).toEqual(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(NEW)]));
    expect(await readFile(join(dir, 'wide.ps1'))).toEqual(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`$p = 'abfss://gen1@contosoadls.dfs.core.windows.net/x'\r\n`, 'utf16le')]));
    expect((await readFile(join(dir, 'blob.bin'))).subarray(4).toString()).toBe(OLD);
    await chmod(join(dir, 'locked.py'), 0o644);
    expect(await readFile(join(dir, 'locked.py'), 'utf8')).toBe(OLD);
    expect((await readdir(dir)).filter((n) => n.includes('.lakeshift-rewrite-'))).toEqual([]);
  });

  it('keeps each file old or new when a run stops half-way, and leaves no temp file', async () => {
    for (let i = 0; i < 5; i += 1) await writeFile(join(dir, `f${i}.py`), OLD);
    const plan = await planRewrite([dir], { mapping });
    let n = 0;
    await expect(applyRewrites(plan.rewrites, { beforeRename: () => { n += 1; if (n === 3) throw new Error('power cut'); } })).resolves.toHaveLength(5);
    const contents = await Promise.all([0, 1, 2, 3, 4].map((i) => readFile(join(dir, `f${i}.py`), 'utf8')));
    expect(contents.filter((c) => c === NEW)).toHaveLength(4);
    expect(contents.filter((c) => c === OLD)).toHaveLength(1);
    expect((await readdir(dir)).filter((n2) => n2.includes('.lakeshift-rewrite-'))).toEqual([]);
    const controller = new AbortController();
    await writeFile(join(dir, 'f0.py'), OLD);
    const again = await planRewrite([dir], { mapping });
    controller.abort();
    await expect(applyRewrites(again.rewrites, { signal: controller.signal })).rejects.toMatchObject({ code: 'cancelled' });
    expect(await readFile(join(dir, 'f0.py'), 'utf8')).toBe(OLD);
  });

  it('a process killed during --apply leaves every file either old or new', async () => {
    const count = 400;
    for (let i = 0; i < count; i += 1) await writeFile(join(dir, `f${String(i).padStart(3, '0')}.py`), OLD.repeat(50));
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'cutover', 'rewrite', dir, '--map', MAP[0] as string, '--apply'], { stdio: 'ignore' });
    const started = Date.now();
    for (;;) {
      const changed = (await Promise.all([0, 1, 2].map((i) => readFile(join(dir, `f00${i}.py`), 'utf8')))).some((c) => c !== OLD.repeat(50));
      if (changed || child.exitCode !== null || Date.now() - started > 30_000) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    const exited = child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    const names = (await readdir(dir)).filter((x) => x.endsWith('.py'));
    let fresh = 0;
    for (const name of names) {
      const c = await readFile(join(dir, name), 'utf8');
      expect([OLD.repeat(50), NEW.repeat(50)], name).toContain(c);
      if (c === NEW.repeat(50)) fresh += 1;
    }
    expect(names).toHaveLength(count);
    process.stdout.write(`(killed --apply: ${fresh} of ${count} files new, the rest old)\n`);
  }, 60_000);
});

describe('scan with worker threads', () => {
  it('gives the same result when worker threads are allowed (they start after 1,024 files and take batches once loaded)', async () => {
    const { scanFiles } = await import('../../src/cutover/scan/scan-files.js');
    const big = await mkdtemp(join(tmpdir(), 'lakeshift-workers-'));
    try {
      for (let i = 0; i < 1300; i += 1) await writeFile(join(big, `f${i}.py`), i % 50 === 0 ? OLD : 'print("no gen1 here")\n');
      const one = await scanFiles([big], { mapping, workers: 0 });
      const two = await scanFiles([big], { mapping, workers: 2 });
      expect(two.files_scanned).toBe(1300);
      expect(two.findings).toEqual(one.findings);
      expect(one.findings).toHaveLength(26);
    } finally {
      await rm(big, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('file sizes', () => {
  it('scans a file larger than a read chunk, and lists a file over the limit as skipped', async () => {
    const d = await mkdtemp(join(tmpdir(), 'lakeshift-sizes-'));
    try {
      await writeFile(join(d, 'big.py'), `${'x = 1\n'.repeat(900_000)}${OLD}`);
      await writeFile(join(d, 'small.py'), OLD);
      const all = await planRewrite([d], { mapping });
      expect(all.findings.map((f) => [f.file.slice(d.length + 1), f.line])).toEqual([['big.py', 900_001], ['small.py', 1]]);
      const limited = await planRewrite([d], { mapping, maxFileBytes: 1024 });
      expect(limited.skipped.map((s) => [s.file.slice(d.length + 1), s.reason.replace(/\(\d+ bytes\)/, '(N bytes)')])).toEqual([['big.py', 'larger than the 1024 byte limit (N bytes); raise --max-file-size to scan it']]);
      expect(limited.findings).toHaveLength(1);
    } finally {
      await rm(d, { recursive: true, force: true });
    }
  });
});
