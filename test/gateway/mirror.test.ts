/**
 * `gateway mirror` between the two emulators, driven by the official Node Gen1 client over HTTPS:
 * the workload ends with validate reporting zero differences; with Gen2 stopped mid-workload Gen1
 * writes keep succeeding, drift lists the paths, and after Gen2 returns the journal drains and drift
 * reaches zero; a SIGKILL of the mirror process loses no intent (the next start repairs it).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/core/store.js';
import { parseLocation, type Gen2Location } from '../../src/core/uri.js';
import { GEN1_EMULATOR_ADMIN_OID, startGen1Emulator, type Gen1Emulator } from '../../src/emulators/gen1/index.js';
import { startGen2Emulator, type Gen2Emulator } from '../../src/emulators/gen2/index.js';
import { driftReport } from '../../src/gateway/drift.js';
import { openJournal, type Journal } from '../../src/gateway/journal.js';
import { startMirror, type Mirror } from '../../src/gateway/mirror.js';
import { openSqliteJobDb, type JobDb } from '../../src/state/db.js';
import { createGen2Store } from '../../src/stores/gen2/index.js';
import { validateStores } from '../../src/validate/validate.js';
import { gen1Uri, gen2Uri, openGen1, sdkFilesystem, sdkRead } from '../migrate-helpers.js';
import { call, gen1Token, hasOpenssl, selfSignedCert } from './helpers.js';

const require = createRequire(import.meta.url);
const ROOT = join(import.meta.dirname, '..', '..');
const opensslMissing = !hasOpenssl();
if (opensslMissing) console.warn('gateway mirror.test: skipping the official-client workload because openssl is not on PATH');

/** A Gen2 store that gives up fast (the mirror's applier does the retrying). */
function gen2Store(url: string): Store {
  return createGen2Store(parseLocation(gen2Uri(url, 'gen1')) as Gen2Location, { createFilesystem: true, maxRetries: 0, retryDelayMs: 5, timeoutMs: 3000 });
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.skipIf(opensslMissing)('gateway mirror: Gen1 emulator -> Gen2 emulator', () => {
  let dir: string;
  let gen1: Gen1Emulator;
  let gen2: Gen2Emulator;
  let gen2Port: number;
  let gen1Store: Store;
  let dest: Store;
  let jobDb: JobDb;
  let journal: Journal;
  let mirror: Mirror;
  let fsOps: any;
  const account = 'lakeshift';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lakeshift-gw-mirror-'));
    const pem = selfSignedCert(dir);
    gen1 = await startGen1Emulator({ inMemory: true });
    gen2 = await startGen2Emulator({ location: join(dir, 'gen2') });
    gen2Port = gen2.port;
    gen1Store = openGen1(gen1.url, '');
    dest = gen2Store(gen2.url);
    jobDb = await openSqliteJobDb(join(dir, 'state'));
    journal = await openJournal(jobDb);
    mirror = await startMirror({
      gen1Endpoint: gen1.url, gen1: gen1Store, rules: [{ sourcePrefix: '', store: dest, destPath: '' }], journal,
      certPath: pem.cert, keyPath: pem.key, retryBaseMs: 60_000, pollMs: 100,
    });
    const { DataLakeStoreFileSystemClient } = require('azure-arm-datalake-store');
    const { TokenCredentials } = require('ms-rest');
    const client = new DataLakeStoreFileSystemClient(new TokenCredentials(gen1Token(GEN1_EMULATOR_ADMIN_OID)), { requestOptions: { ca: readFileSync(pem.cert) } });
    client.baseUri = mirror.url;
    fsOps = client.fileSystem;
    // As after a migrate: Gen2's root carries Gen1's root ACL (the mirror changes paths, not the root).
    await dest.mkdir('');
    await driftReport(gen1Store, dest, { journal, pair: 'setup', repair: true });
  }, 60_000);
  afterAll(async () => {
    await mirror?.close();
    await dest?.close();
    await gen1Store?.close();
    await jobDb?.close();
    await gen1?.close();
    await gen2?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const drained = async (): Promise<boolean> => (await journal.backlog(mirror.pair)).count === 0;
  const put = (path: string, text: string) => call((cb) => fsOps.create(account, path, { streamContents: Readable.from([Buffer.from(text)]), overwrite: true }, cb));

  it('mirrors creates, appends, renames, deletes and ACL changes: validate finds zero differences', async () => {
    await call((cb) => fsOps.mkdirs(account, '/w/in/deep', cb));
    await put('/w/in/a.txt', 'alpha ');
    await call((cb) => fsOps.append(account, '/w/in/a.txt', Readable.from([Buffer.from('beta')]), { offset: 6 }, cb));
    await put('/w/in/deep/b.txt', 'bee');
    await put('/w/gone.txt', 'temporary');
    await call((cb) => fsOps.rename(account, '/w/in/a.txt', '/w/in/deep/a2.txt', cb));
    await call((cb) => fsOps.rename(account, '/w/in/deep', '/w/moved', cb));
    await call((cb) => fsOps.deleteMethod(account, '/w/gone.txt', cb));
    await call((cb) => fsOps.setAcl(account, '/w/moved/b.txt', 'user::rw-,group::r--,other::---,user:reader-1:r--', cb));
    await call((cb) => fsOps.modifyAclEntries(account, '/w/moved', 'default:user:reader-2:r-x', cb));
    await call((cb) => fsOps.setPermission(account, '/w/in', { permission: '1750' }, cb));
    await call((cb) => fsOps.setOwner(account, '/w/moved/a2.txt', { owner: 'new-owner', group: 'new-group' }, cb));
    await call((cb) => fsOps.concurrentAppend(account, '/w/log.txt', Readable.from([Buffer.from('x1')]), { appendMode: 'autocreate' }, cb));
    await call((cb) => fsOps.concurrentAppend(account, '/w/log.txt', Readable.from([Buffer.from('x2')]), { appendMode: 'autocreate' }, cb));
    await put('/w/p1', 'P1');
    await call((cb) => fsOps.msConcat(account, '/w/joined', Readable.from([Buffer.from('sources=/w/p1,/w/log.txt')]), cb));
    await until('the journal to drain', drained);
    const report = await validateStores(gen1Store, dest, { checksum: true });
    expect(report.differences).toEqual([]);
    const fs = sdkFilesystem(gen2.url, 'gen1');
    expect((await sdkRead(fs, 'w/moved/a2.txt')).toString()).toBe('alpha beta');
    expect((await sdkRead(fs, 'w/joined')).toString()).toBe('P1x1x2');
    expect(await fs.getFileClient('w/gone.txt').exists()).toBe(false);
    expect((await fs.getFileClient('w/moved/a2.txt').getAccessControl()).owner).toBe('new-owner');
  }, 60_000);

  it('keeps Gen1 writes succeeding while Gen2 is down; drift lists the paths; the journal drains when Gen2 returns', async () => {
    await gen2.close();
    await put('/w/outage/one.txt', 'written while Gen2 was down');
    await call((cb) => fsOps.append(account, '/w/outage/one.txt', Readable.from([Buffer.from('!')]), { offset: 27 }, cb));
    await call((cb) => fsOps.rename(account, '/w/joined', '/w/joined-renamed', cb));
    await call((cb) => fsOps.setAcl(account, '/w/moved/b.txt', 'user::rwx,group::r--,other::---', cb));
    // Every intent has been tried against the stopped Gen2 and waits for its retry (60 s away).
    // (Intents reach the table from the intent log within 10 ms of Gen1's answer: wait for all four.)
    await until('the applier to fail against the stopped Gen2', async () => {
      const due = await journal.due(mirror.pair, 100, Number.MAX_SAFE_INTEGER);
      return due.length >= 4 && due.every((i) => i.attempts > 0);
    });
    const backlog = await journal.backlog(mirror.pair);
    expect(backlog.count).toBeGreaterThanOrEqual(4);
    gen2 = await startGen2Emulator({ location: join(dir, 'gen2'), port: gen2Port });
    const during = await driftReport(gen1Store, dest, { journal, pair: mirror.pair, settleMs: 0 });
    const paths = during.differences.map((d) => d.path);
    expect(paths, JSON.stringify(during.differences)).toEqual(expect.arrayContaining(['w/outage', 'w/joined', 'w/joined-renamed', 'w/moved/b.txt']));
    expect(during.journalPaths).toEqual(expect.arrayContaining(['w/outage/one.txt', 'w/joined', 'w/moved/b.txt']));
    expect(during.differences.every((d) => d.pendingIntent)).toBe(true);
    expect(during.ready).toBe(true);
    await journal.retryAllNow(mirror.pair);
    mirror.applier.kick();
    await until('the journal to drain after the outage', drained);
    const after = await driftReport(gen1Store, dest, { journal, pair: mirror.pair, settleMs: 0, validate: { checksum: true } });
    expect(after.differences).toEqual([]);
    expect(after.counts).toMatchObject({ differences: 0, settled: 0 });
    expect(after.counts.journalBacklog).toBe(0);
    expect((await sdkRead(sdkFilesystem(gen2.url, 'gen1'), 'w/outage/one.txt')).toString()).toBe('written while Gen2 was down!');
  }, 60_000);

  it('drift --repair brings Gen2 to Gen1 state and ages differences by first-seen time', async () => {
    const w = await gen1Store.createWriter('w/unmirrored.txt');
    await w.write(0, Buffer.from('written around the mirror'));
    await w.commit({ size: 25 });
    let clock = Date.now();
    const first = await driftReport(gen1Store, dest, { journal, pair: 'drift-only', settleMs: 60_000, now: () => clock });
    expect(first.differences.map((d) => [d.path, d.kind])).toContainEqual(['w/unmirrored.txt', 'missing']);
    expect(first.ready).toBe(true);
    clock += 61_000;
    const later = await driftReport(gen1Store, dest, { journal, pair: 'drift-only', settleMs: 60_000, now: () => clock });
    const item = later.differences.find((d) => d.path === 'w/unmirrored.txt');
    expect(item?.ageMs).toBe(61_000);
    expect(later.ready).toBe(false);
    const repaired = await driftReport(gen1Store, dest, { journal, pair: 'drift-only', settleMs: 60_000, repair: true, now: () => clock });
    expect(repaired.counts.repaired).toBeGreaterThan(0);
    expect(repaired.differences).toEqual([]);
    expect(repaired.ready).toBe(true);
  }, 30_000);

  it('a SIGKILL of the mirror process loses no intent: the next start applies it', async () => {
    const state = join(dir, 'kill-state');
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'gateway', 'mirror', gen1Uri(gen1.url, ''), gen2Uri(gen2.url, 'gen1'), '--state-dir', state], {
      cwd: ROOT, env: { ...process.env, LAKESHIFT_TEST_MIRROR_HOLD: '1', LAKESHIFT_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exit = new Promise<number | null>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal === 'SIGKILL' ? -9 : null))));
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += String(c)));
    await until('the mirror to start', async () => /Gen1 API on (\S+)\/webhdfs\/v1/.test(out), 30_000);
    const url = /Gen1 API on (\S+)\/webhdfs\/v1/.exec(out)?.[1] ?? '';
    const res = await fetch(`${url}/webhdfs/v1/w/killed.txt?op=CREATE&write=true&overwrite=true`, { method: 'PUT', headers: { Authorization: `Bearer ${gen1Token(GEN1_EMULATOR_ADMIN_OID)}` }, body: 'survives a kill' });
    expect(res.status, await res.text()).toBe(201);
    child.kill('SIGKILL');
    expect(await exit).toBe(-9);
    expect(await dest.stat('w/killed.txt').catch((e) => e.code)).toBe('not-found');
    const db2 = await openSqliteJobDb(state);
    try {
      const j2 = await openJournal(db2);
      const restarted = await startMirror({ gen1Endpoint: gen1.url, gen1: gen1Store, rules: [{ sourcePrefix: '', store: dest, destPath: '' }], journal: j2, pollMs: 50 });
      try {
        await until('the restarted mirror to apply the journalled intent', async () => (await j2.backlog(restarted.pair)).count === 0);
      } finally {
        await restarted.close();
      }
    } finally {
      await db2.close();
    }
    expect((await sdkRead(sdkFilesystem(gen2.url, 'gen1'), 'w/killed.txt')).toString()).toBe('survives a kill');
  }, 60_000);
});
