import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGen1Emulator, type Gen1Emulator } from '../src/emulators/gen1/index.js';
import { startGen2Emulator, type Gen2Emulator } from '../src/emulators/gen2/index.js';
import { seedLake } from '../src/seed/index.js';
import { TEST_PG_URL } from '../src/state/test-support.js';
import { openGen1 } from './migrate-helpers.js';
import { ACCOUNT, findLeaks, KEY, ROOT, runSteps, secretsToFind, useBundledCli, startLong, TOKEN, waitForOutput, wrongCodes, type Long, type Ran, type Step } from './secrets-helpers.js';

/**
 * Secrets never leak through the commands added after secrets.test.ts: provision, prepare (dry run and
 * real, against the Gen2 emulator), migrate --distributed and worker with a PostgreSQL URL and a Redis
 * URL that carry passwords, jobs show/wait --state, gateway serve and mirror (requests made through
 * them with the bearer token), the dashboard (every page and API response fetched), and every cutover
 * command. Besides the storage secrets, the two database passwords are searched for, including in
 * the errors of unreachable databases. Scale-out steps skip, saying why, without PostgreSQL and Redis.
 */

const PG_PASSWORD = `pgpw-${randomBytes(9).toString('hex')}`;
const REDIS_PASSWORD = `rdpw-${randomBytes(9).toString('hex')}`;
const REDIS_ADMIN = process.env['LAKESHIFT_TEST_REDIS'] ?? 'redis://127.0.0.1:6379';
const suffix = randomBytes(4).toString('hex');
const role = `ls_secret_${suffix}`;
const redisUser = `ls-secret-${suffix}`;

let gen1: Gen1Emulator;
let gen2: Gen2Emulator;
let work: string;
let unbundle: (() => void) | undefined;
let pgUrl: string | undefined;
let redisUrl: string | undefined;
const transcripts: { what: string; text: string }[] = [];
const longs: Long[] = [];

async function setUpPostgres(): Promise<string | undefined> {
  const admin = new pg.Client({ connectionString: TEST_PG_URL, connectionTimeoutMillis: 3000 });
  try {
    await admin.connect();
    await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD '${PG_PASSWORD}'`);
    await admin.query(`CREATE DATABASE ${role} OWNER ${role}`);
    const url = new URL(TEST_PG_URL);
    url.username = role;
    url.password = PG_PASSWORD;
    url.pathname = `/${role}`;
    return url.toString();
  } catch (error) {
    console.warn(`secrets-ops: skipping the scale-out steps: PostgreSQL at ${TEST_PG_URL} is not usable (${(error as Error).message}).`);
    return undefined;
  } finally {
    await admin.end().catch(() => undefined);
  }
}

async function setUpRedis(): Promise<string | undefined> {
  const admin = new Redis(REDIS_ADMIN, { lazyConnect: true, connectTimeout: 3000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await admin.connect();
    await admin.call('ACL', 'SETUSER', redisUser, 'on', `>${REDIS_PASSWORD}`, '~*', '&*', '+@all');
    const url = new URL(REDIS_ADMIN);
    url.username = redisUser;
    url.password = REDIS_PASSWORD;
    return url.toString();
  } catch (error) {
    console.warn(`secrets-ops: skipping the Redis queue steps: Redis at ${REDIS_ADMIN} is not usable (${(error as Error).message}).`);
    return undefined;
  } finally {
    admin.disconnect();
  }
}

beforeAll(async () => {
  unbundle = await useBundledCli();
  work = mkdtempSync(join(tmpdir(), 'lakeshift-secrets-ops-'));
  gen1 = await startGen1Emulator({ inMemory: true });
  gen2 = await startGen2Emulator({ inMemory: true, accounts: [{ name: ACCOUNT, key: KEY }] });
  const seeder = openGen1(gen1.url, 'lake');
  await seeder.mkdir('');
  await seedLake(seeder, { profile: 'small' });
  await seeder.close();
  [pgUrl, redisUrl] = await Promise.all([setUpPostgres(), setUpRedis()]);
}, 120_000);

afterAll(async () => {
  unbundle?.();
  for (const l of longs) await l.stop();
  await gen1?.close();
  await gen2?.close();
  if (pgUrl !== undefined) {
    const admin = new pg.Client({ connectionString: TEST_PG_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${role} WITH (FORCE)`).catch(() => undefined);
    await admin.query(`DROP ROLE IF EXISTS ${role}`).catch(() => undefined);
    await admin.end();
  }
  if (redisUrl !== undefined) {
    const admin = new Redis(REDIS_ADMIN, { maxRetriesPerRequest: 1 });
    await admin.call('ACL', 'DELUSER', redisUser).catch(() => undefined);
    const keys = await admin.keys(`*${role}*`);
    if (keys.length > 0) await admin.del(...keys);
    admin.disconnect();
  }
  if (work) rmSync(work, { recursive: true, force: true });
});

function record(ran: readonly (Ran | Long)[]): void {
  for (const r of ran) transcripts.push({ what: r.what, text: `${r.out}\n${r.err}` });
}

async function stage(steps: Step[]): Promise<Ran[]> {
  const ran = await runSteps(steps, join(work, 'default-state'));
  record(ran);
  expect(wrongCodes(steps, ran)).toEqual([]);
  return ran;
}

/** GETs each path with the dashboard token (Authorization: Bearer, as scripts send it); returns the bodies (all must answer 2xx or 404). */
async function fetchAll(what: string, base: string, paths: string[], token: string): Promise<string[]> {
  const bodies: string[] = [];
  for (const p of paths) {
    const res = await fetch(`${base}${p}`, { headers: { authorization: `Bearer ${token}` } });
    const body = await res.text();
    expect(res.status < 300 || res.status === 404, `${what} ${p}: ${res.status} ${body.slice(0, 300)}`).toBe(true);
    bodies.push(`${what} GET ${p} -> ${res.status}\n${body}`);
  }
  return bodies;
}

describe('secrets never leak (provision, prepare, scale-out, gateway, dashboard, cutover)', () => {
  it('in outputs, logs, reports, job records, responses and errors', async () => {
    const src = `${gen1.url}/webhdfs/v1/lake`;
    const dstRoot = `${gen2.url}/${ACCOUNT}`;
    const dst = `${dstRoot}/secure`;
    const state = join(work, 'state');
    const plan = join(work, 'plan.yaml');
    const creds = ['--gen1-token', TOKEN, '--account-key', KEY];
    const deadPg = `postgres://${role}:${PG_PASSWORD}@127.0.0.1:1/${role}`;
    const deadRedis = `redis://${redisUser}:${REDIS_PASSWORD}@127.0.0.1:1`;
    const workloads = join(work, 'workloads');
    mkdirSync(workloads);
    writeFileSync(join(workloads, 'job.py'), 'spark.read.parquet("adl://contosogen1.azuredatalakestore.net/lake/sales/2024")\n');
    const map = ['--map', `adl://contosogen1.azuredatalakestore.net/lake=abfss://secure@${ACCOUNT}.dfs.core.windows.net/`];

    await stage([
      ['plan', ['plan', src, '--gen1-token', TOKEN, '--out', plan], {}, [0]],
      ['migrate', ['migrate', src, dst, ...creds, '--state-dir', state], {}, [0, 1]],
      ['jobs show, unreachable PostgreSQL with a password', ['jobs', 'show', 'j1', '--state', deadPg], {}, [4]],
      ['worker, unreachable PostgreSQL with a password', ['worker', '--state', deadPg, '--exit-when-idle', ...creds], {}, [4]],
      ['serve, unreachable PostgreSQL with a password', ['serve', '--state', deadPg], {}, [4]],
      ['cutover freeze --dry-run', ['cutover', 'freeze', src, '--dry-run', '--gen1-token', TOKEN, '--state-dir', state], {}, [0]],
    ]);
    await stage([
      ['provision', ['provision', '--gen1-account', join(ROOT, 'test/provision/fixtures/accounts/firewall-on.az.json'), '--plan', plan, '--name', 'contosogen2', '--out', join(work, 'provision'), '--source', src, ...creds, '--output', 'json'], {}, [0, 1]],
      ['prepare --dry-run', ['prepare', dst, '--plan', plan, '--source', src, ...creds, '--dry-run'], {}, [0, 1]],
      ['cutover scan', ['cutover', 'scan', workloads, ...map, '--output', 'json'], {}, [0, 1]],
      ['cutover rewrite', ['cutover', 'rewrite', workloads, ...map], {}, [0, 1]],
      ['drift', ['drift', src, dst, ...creds, '--state-dir', state, '--output', 'json'], {}, [0, 1]],
    ]);
    await stage([['prepare', ['prepare', dst, '--plan', plan, '--source', src, '--gen1-token', TOKEN, '--output', 'json'], { AZURE_STORAGE_KEY: KEY }, [0, 1]]]);

    // Scale-out: the job database and the queue behind URLs that carry passwords.
    if (pgUrl !== undefined) {
      const queue = redisUrl === undefined ? [] : ['--queue', redisUrl];
      const [planned] = await stage([['migrate --distributed', ['migrate', src, `${dstRoot}/distributed`, '--distributed', '--state', pgUrl, ...queue, ...creds, '--batch-files', '20', '--output', 'json'], {}, [0]]]);
      const job = (JSON.parse(planned?.out.trim().split('\n').pop() ?? '{}') as { job?: string }).job ?? '';
      expect(job).not.toBe('');
      await stage([
        ['worker', ['worker', '--state', pgUrl, ...queue, '--exit-when-idle', ...creds, '--output', 'json'], { LAKESHIFT_LOG_LEVEL: 'debug' }, [0]],
        ['migrate --distributed, unreachable Redis with a password', ['migrate', src, `${dstRoot}/distributed2`, '--distributed', '--state', pgUrl, '--queue', deadRedis, ...creds], {}, [4]],
      ]);
      await stage([
        ['jobs show --state', ['jobs', 'show', job, '--state', pgUrl, ...queue, '--output', 'json'], {}, [0]],
        ['jobs wait --state', ['jobs', 'wait', job, '--state', pgUrl, ...queue, '--timeout', '60'], {}, [0]],
      ]);
      const dash = startLong('serve --state postgres', ['serve', '--state', pgUrl, '--output', 'json'], {}, join(work, 'default-state'));
      longs.push(dash);
      const printed = JSON.parse(await waitForOutput(dash, /^(\{.*\})$/m)) as { url: string };
      const token = new URL(printed.url).searchParams.get('token') ?? '';
      const origin = new URL(printed.url).origin;
      transcripts.push(...(await fetchAll('dashboard (postgres)', origin, ['/', '/api/overview', '/api/jobs', `/api/jobs/${job}`, `/jobs/${job}`], token)).map((text) => ({ what: 'dashboard (postgres)', text })));
      expect(await dash.stop()).toBe(0);
    }

    // The dashboard over the SQLite job database of the migrate above: every page and API response.
    const dash = startLong('serve', ['serve', '--state-dir', state, '--plan', plan, '--output', 'json'], {}, join(work, 'default-state'));
    longs.push(dash);
    const printed = JSON.parse(await waitForOutput(dash, /^(\{.*\})$/m)) as { url: string };
    const dashToken = new URL(printed.url).searchParams.get('token') ?? '';
    expect(dashToken.length).toBeGreaterThan(20);
    const origin = new URL(printed.url).origin;
    const jobs = (await (await fetch(`${origin}/api/jobs`, { headers: { authorization: `Bearer ${dashToken}` } })).json()) as unknown;
    const ids = (Array.isArray(jobs) ? jobs : ((jobs as { jobs?: unknown[] }).jobs ?? [])).map((j) => (j as { id?: string }).id).filter((id): id is string => typeof id === 'string');
    expect(ids.length).toBeGreaterThan(0);
    const pages = ['/', '/guide/', '/api/overview', '/api/jobs', '/api/modules', '/api/plan', '/api/drift', '/api/cutover', '/api/validations', '/api/reports', '/api/conflicts',
      ...ids.flatMap((id) => [`/jobs/${id}`, `/api/jobs/${id}`, `/api/jobs/${id}/failures`, `/api/jobs/${id}/progress`])];
    transcripts.push(...(await fetchAll('dashboard', origin, pages, dashToken)).map((text) => ({ what: 'dashboard', text })));
    expect(await dash.stop()).toBe(0);

    // gateway serve (Gen1 API over Gen2) and gateway mirror (Gen1 and Gen2), used with the bearer token.
    const gwServe = startLong('gateway serve', ['gateway', 'serve', dst, '--account-key', KEY], {}, join(work, 'default-state'));
    const gwMirror = startLong('gateway mirror', ['gateway', 'mirror', `${gen1.url}/webhdfs/v1/`, dst, '--state-dir', join(work, 'gateway-state'), ...creds], {}, join(work, 'default-state'));
    longs.push(gwServe, gwMirror);
    for (const gw of [gwServe, gwMirror]) {
      const url = await waitForOutput(gw, /Gen1 API on (\S+)\/webhdfs\/v1/);
      const auth = { authorization: `Bearer ${TOKEN}` };
      const prefix = gw === gwMirror ? '/lake' : '';
      const listed = await fetch(`${url}/webhdfs/v1${prefix}/?op=LISTSTATUS`, { headers: auth });
      expect(listed.status, await listed.clone().text()).toBe(200);
      const put = await fetch(`${url}/webhdfs/v1${prefix}/secret-test.txt?op=CREATE&overwrite=true&write=true`, { method: 'PUT', headers: auth, body: 'hello' });
      expect(put.status, await put.clone().text()).toBe(201);
      const denied = await fetch(`${url}/webhdfs/v1${prefix}/?op=LISTSTATUS`, { headers: { authorization: `Bearer ${TOKEN}x` } });
      transcripts.push({ what: gw.what, text: `${await listed.text()}\n${await denied.text()}` });
    }
    expect(await gwServe.stop()).toBe(0);
    expect(await gwMirror.stop()).toBe(0);

    // Cutover, for real: freeze, final sync, decommission check, unfreeze.
    await stage([['cutover freeze', ['cutover', 'freeze', src, '--gen1-token', TOKEN, '--state-dir', state], {}, [0]]]);
    await stage([['cutover final-sync', ['cutover', 'final-sync', src, dst, ...creds, '--state-dir', state], {}, [0, 1]]]);
    await stage([['cutover decommission-check', ['cutover', 'decommission-check', src, dst, ...creds, '--state-dir', state, '--workloads', workloads, ...map], {}, [0, 6]]]);
    await stage([['cutover unfreeze', ['cutover', 'unfreeze', src, '--gen1-token', TOKEN, '--state-dir', state], {}, [0]]]);
    record(longs);

    const extra: Record<string, string> = { 'PostgreSQL password': PG_PASSWORD, 'Redis password': REDIS_PASSWORD };
    expect(findLeaks(secretsToFind(extra), transcripts, work)).toEqual([]);
    // The search works: every transcript has text, and the unreachable-database errors name the database.
    expect(transcripts.every((t) => t.text.trim().length > 0)).toBe(true);
    const deadPgRun = transcripts.find((t) => t.what.startsWith('jobs show, unreachable'));
    expect(deadPgRun?.text).toMatch(/127\.0\.0\.1:1/);
  }, 300_000);
});
