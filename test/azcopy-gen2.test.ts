/**
 * AzCopy 10.32.2 against the Gen2 emulator: upload a tree through the DFS API (LocalBlobFS) and through the
 * Blob API (LocalBlob), check every byte and the directory structure with the official SDK, then download
 * both back (BlobFSLocal, BlobLocal) and compare with the source. Skips with the reason when AzCopy cannot
 * run here (binary missing, libsecret missing, other platform).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataLakeServiceClient, StorageSharedKeyCredential, type DataLakeFileSystemClient } from '@azure/storage-file-datalake';
import { DEV_ACCOUNT, DEV_ACCOUNT_KEY, startGen2Emulator } from '../src/emulators/gen2/index.js';
import { findAzCopy, makeAccountSas, redactSas, runAzCopy } from '../bench/lib/azcopy.js';
import { listDirs, listFiles } from '../bench/lib/trees.js';

const azcopy = findAzCopy();
if (!azcopy.ok) console.warn(`[azcopy-gen2] skipped: ${azcopy.reason}`);

type Emulator = Awaited<ReturnType<typeof startGen2Emulator>>;

/** Source tree: nested folders, a 0-byte file, a multi-block file (> 8 MiB), spaces and unicode (NFC). */
function writeSourceTree(root: string): string {
  const tree = join(root, 'tree');
  const files: Record<string, Buffer> = {
    'empty.txt': Buffer.alloc(0),
    'plain.txt': Buffer.from('hello from lakeshift\n'),
    'name with spaces & (1).txt': randomBytes(1000),
    'a b/ünïcødé 文件.bin': randomBytes(4096),
    'a b/deep/deeper/big.bin': randomBytes(9 * 1024 * 1024 + 7),
    'a b/deep/small.bin': randomBytes(65_536),
    'c/d/e/leaf.txt': Buffer.from('leaf'),
  };
  for (const [path, bytes] of Object.entries(files)) {
    const full = join(tree, path.normalize('NFC'));
    mkdirSync(join(full, '..'), { recursive: true });
    writeFileSync(full, bytes);
  }
  return tree;
}

async function remoteTree(fs: DataLakeFileSystemClient, prefix: string): Promise<{ files: { path: string; size: number }[]; dirs: string[] }> {
  const files: { path: string; size: number }[] = [];
  const dirs: string[] = [];
  for await (const p of fs.listPaths({ path: prefix, recursive: true })) {
    const name = (p.name ?? '').slice(prefix.length + 1);
    if (p.isDirectory) dirs.push(name);
    else files.push({ path: name, size: Number(p.contentLength ?? 0) });
  }
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files, dirs: dirs.sort() };
}

describe.skipIf(!azcopy.ok)('AzCopy against the Gen2 emulator', () => {
  let emulator: Emulator;
  let scratch: string;
  let tree: string;
  let accountUrl: string;
  let sas: string;
  let service: DataLakeServiceClient;
  const azcopyPath = azcopy.ok ? azcopy.path : '';

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'lakeshift-azcopy-'));
    tree = writeSourceTree(scratch);
    emulator = await startGen2Emulator({ port: 0, host: '127.0.0.1', inMemory: true });
    const base = emulator.url.replace(/\/+$/, '');
    accountUrl = base.endsWith(`/${DEV_ACCOUNT}`) ? base : `${base}/${DEV_ACCOUNT}`;
    sas = makeAccountSas(DEV_ACCOUNT, DEV_ACCOUNT_KEY);
    service = new DataLakeServiceClient(accountUrl, new StorageSharedKeyCredential(DEV_ACCOUNT, DEV_ACCOUNT_KEY), { retryOptions: { maxTries: 2 } });
  });

  afterAll(async () => {
    await emulator?.close();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  async function copy(args: string[]): Promise<void> {
    const run = await runAzCopy(azcopyPath, ['copy', ...args, '--log-level', 'WARNING'], scratch);
    if (run.exitCode !== 0) {
      throw new Error(`azcopy ${redactSas(args.join(' '))} exited ${run.exitCode}:\n${redactSas(run.stdout + run.stderr).slice(-3000)}`);
    }
  }

  async function expectSameAsSource(fs: DataLakeFileSystemClient): Promise<void> {
    const local = listFiles(tree);
    const remote = await remoteTree(fs, 'tree');
    expect(remote.files).toEqual(local);
    expect(remote.dirs).toEqual(listDirs(tree));
    for (const { path } of local) {
      const bytes = await fs.getFileClient(`tree/${path}`).readToBuffer();
      expect(bytes.equals(readFileSync(join(tree, path))), path).toBe(true);
    }
  }

  function expectSameFiles(downloaded: string): void {
    const local = listFiles(tree);
    expect(listFiles(downloaded)).toEqual(local);
    for (const { path } of local) {
      expect(readFileSync(join(downloaded, path)).equals(readFileSync(join(tree, path))), path).toBe(true);
    }
  }

  // The third mode is the request shape lakeshift's Gen2 writer uses: Put Blob with Content-MD5 for
  // small files, Put Block + Put Block List with the whole file's MD5 for big.bin (over 8 MiB); the
  // download then checks every file against the stored MD5.
  for (const mode of [
    { name: 'DFS API', fs: 'azcopy-dfs', up: 'LocalBlobFS', down: 'BlobFSLocal', upArgs: [], downArgs: [] },
    { name: 'Blob API', fs: 'azcopy-blob', up: 'LocalBlob', down: 'BlobLocal', upArgs: [], downArgs: [] },
    { name: 'Blob API with MD5s', fs: 'azcopy-blob-md5', up: 'LocalBlob', down: 'BlobLocal', upArgs: ['--put-md5'], downArgs: ['--check-md5', 'FailIfDifferentOrMissing'] },
  ] as const) {
    it(`uploads a tree through the ${mode.name} (${mode.up}) and downloads it back (${mode.down})`, async () => {
      const fs = service.getFileSystemClient(mode.fs);
      await fs.create();
      await copy([tree, `${accountUrl}/${mode.fs}?${sas}`, '--recursive', '--from-to', mode.up, ...mode.upArgs]);
      await expectSameAsSource(fs);

      const target = join(scratch, `down-${mode.fs}`);
      mkdirSync(target);
      await copy([`${accountUrl}/${mode.fs}/tree?${sas}`, target, '--recursive', '--from-to', mode.down, ...mode.downArgs]);
      expectSameFiles(join(target, 'tree'));
    }, 120_000);
  }
});
