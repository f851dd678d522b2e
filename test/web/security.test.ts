import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliCaptured } from '../../src/cli/test-support.js';
import { runLiftAndShift } from '../../src/patterns/lift-and-shift.js';
import { openSqliteJobDb, type JobDb } from '../../src/state/db.js';
import { createJob, updateJob } from '../../src/state/jobs.js';
import { insertItems, listItems, updateItem } from '../../src/state/items.js';
import { recordProgress } from '../../src/state/progress.js';
import { openStore } from '../../src/stores/open-store.js';
import { recordValidation, startDashboard, type Dashboard } from '../../src/web/index.js';
import type { ValidationReport } from '../../src/validate/validate.js';
import { tempDir } from './helpers.js';

const SECRET = 'S3cr3tSig0123456789';
const cleanups: (() => void)[] = [];
const closers: (() => Promise<unknown>)[] = [];
let jobDb: JobDb;
let dash: Dashboard;
let logText = '';
let stateDir: string;

/** Fills every `:param` of a route with a value the route understands. */
function concrete(url: string): string {
  return url.replace(':id/:file', '-/report.html').replace(':id', 'jsecret').replace(':action', 'pause').replace(':file', 'report.html').replace('*', 'x');
}

beforeAll(async () => {
  const work = tempDir('lakeshift-dash-sec-', cleanups);
  stateDir = join(work, 'state');
  jobDb = await openSqliteJobDb(stateDir);
  closers.push(() => jobDb.close());
  // A job record as an older or careless writer might have left it: secrets in URIs and options.
  await createJob(jobDb, {
    id: 'jsecret', jobKey: 'k-secret', kind: 'lift-and-shift',
    source: `https://acct.dfs.core.windows.net/fs/src?sv=2024-01-01&sig=${SECRET}`, dest: `abfss://fs@acct.dfs.core.windows.net/dst?sig=${SECRET}`,
    options: { accountKey: SECRET, sas: `sv=2024&sig=${SECRET}`, connectionString: `AccountName=a;AccountKey=${SECRET}`, mappings: [{ dest: `https://acct.blob.core.windows.net/fs?sig=${SECRET}` }] },
  });
  await updateJob(jobDb, 'jsecret', { status: 'failed', files_failed: 1 });
  await insertItems(jobDb, 'jsecret', [{ dataset: '/', relPath: 'a.csv', kind: 'file', action: 'copy', state: 'pending', size: 3, mtimeMs: 1, seenRun: 1 }]);
  const [item] = await listItems(jobDb, 'jsecret', { limit: 1 });
  await updateItem(jobDb, item!.id, { state: 'failed', last_error: `403 on https://acct.dfs.core.windows.net/fs/a.csv?sig=${SECRET}` });
  await recordProgress(jobDb, { job_id: 'jsecret', run_no: 1, at: Date.now(), files_done: 0, files_failed: 1, bytes_done: 0, files_to_copy: 1, bytes_to_copy: 3 });
  const report = { source: `https://acct.dfs.core.windows.net/fs?sig=${SECRET}`, dest: 'x', finishedAt: new Date().toISOString(), ok: true, differenceCount: 0, differences: [], truncated: false, checked: { files: 1, directories: 0, bytesHashed: 0, notSampled: 0 }, checks: { checksum: false, owner: true, permissions: true, acl: true, times: false, samplePercent: 100 } };
  await recordValidation(jobDb, report as unknown as ValidationReport);
  const reports = join(work, 'reports');
  mkdirSync(reports);
  writeFileSync(join(reports, 'report.html'), '<!doctype html><title>r</title><p id="verdict">ready</p>');
  const sink = new Writable({ write(chunk: Buffer, _enc, done) { logText += chunk.toString(); done(); } });
  dash = await startDashboard({ jobDb, stateDir, reportsDir: reports, logger: pino({ level: 'debug' }, sink), pollMs: 100 });
  closers.push(() => dash.close());
});

afterAll(async () => {
  for (const c of closers.reverse()) await c().catch(() => undefined);
  for (const c of cleanups) c();
});

describe('dashboard access', () => {
  it('answers 401 on every route without the token, with a wrong one, and for unknown paths', async () => {
    const routes = [...dash.routes, { method: 'GET', url: '/no/such/page' }];
    expect(routes.length).toBeGreaterThan(20);
    for (const url of ['/api/conflicts', '/api/drift', '/api/cutover', '/conflicts', '/drift', '/cutover']) expect(routes.map((r) => r.url), url).toContain(url);
    for (const r of routes) {
      const url = `${dash.baseUrl}${concrete(r.url)}`;
      const bare = await fetch(url, { method: r.method, redirect: 'manual' });
      expect(bare.status, `${r.method} ${r.url}`).toBe(401);
      await bare.body?.cancel();
      const wrong = await fetch(`${url}${url.includes('?') ? '&' : '?'}token=wrong`, { method: r.method, redirect: 'manual', headers: { cookie: `lakeshift_dashboard_${dash.port}=wrong`, authorization: 'Bearer wrong' } });
      expect(wrong.status, `${r.method} ${r.url} with a wrong token`).toBe(401);
      await wrong.body?.cancel();
    }
  });

  it('sets an HttpOnly SameSite=Strict cookie from the URL token and drops the token from the address', async () => {
    const res = await fetch(dash.url, { redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/');
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(new RegExp(`^lakeshift_dashboard_${dash.port}=`));
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    const page = await fetch(`${dash.baseUrl}/`, { headers: { cookie: cookie.split(';')[0]! } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
  });

  it('lets no secret of a job reach a page or the API, and never logs the token', async () => {
    const auth = { authorization: `Bearer ${dash.token}` };
    let seen = 0;
    for (const r of dash.routes.filter((x) => x.method === 'GET' && x.url !== '/api/events')) {
      const res = await fetch(`${dash.baseUrl}${concrete(r.url)}`, { headers: auth });
      expect(res.status, r.url).not.toBe(401);
      const body = await res.text();
      expect(body, r.url).not.toContain(SECRET);
      seen += body.length;
    }
    const job = await (await fetch(`${dash.baseUrl}/api/jobs/jsecret`, { headers: auth })).json() as { job: { source: string; options: Record<string, unknown> } };
    expect(job.job.source).toContain('sig=REDACTED');
    expect(job.job.options['accountKey']).toBe('REDACTED');
    const failures = await (await fetch(`${dash.baseUrl}/api/jobs/jsecret/failures`, { headers: auth })).json() as { total: number; groups: { reason: string }[] };
    expect(failures.total).toBe(1);
    expect(failures.groups[0]!.reason).toContain('sig=REDACTED');
    // The live feed too: a new progress sample of the job arrives redacted of nothing secret.
    const controller = new AbortController();
    const streamed = fetch(`${dash.baseUrl}/api/events`, { headers: auth, signal: controller.signal }).then(async (res) => {
      let text = '';
      for await (const chunk of res.body!) {
        text += Buffer.from(chunk as Uint8Array).toString();
        if (text.includes('event: progress')) break;
      }
      return text;
    });
    await new Promise((r) => setTimeout(r, 300));
    await recordProgress(jobDb, { job_id: 'jsecret', run_no: 1, at: Date.now(), files_done: 0, files_failed: 1, bytes_done: 0, files_to_copy: 1, bytes_to_copy: 3 });
    const text = await streamed;
    controller.abort();
    expect(text).toContain('"jobId":"jsecret"');
    expect(text).not.toContain(SECRET);
    expect(seen).toBeGreaterThan(1000);
    // The log saw every request above (paths, statuses) but never the token.
    expect(logText).toContain('http.request');
    expect(logText).toContain('http.unauthorized');
    expect(logText).not.toContain(dash.token);
  });

  it('refuses actions unless --allow-actions, and cross-site POSTs even then', async () => {
    const auth = { authorization: `Bearer ${dash.token}`, 'x-lakeshift-action': '1' };
    const readOnly = await fetch(`${dash.baseUrl}/api/jobs/jsecret/retry-failed`, { method: 'POST', headers: auth });
    expect(readOnly.status).toBe(403);
    expect(((await readOnly.json()) as { error: string }).error).toContain('--allow-actions');

    const acting = await startDashboard({ jobDb, stateDir, allowActions: true });
    closers.push(() => acting.close());
    const base = `${acting.baseUrl}/api/jobs/jsecret`;
    const bearer = { authorization: `Bearer ${acting.token}` };
    expect((await fetch(`${base}/pause`, { method: 'POST', headers: bearer })).status).toBe(403);
    expect((await fetch(`${base}/pause`, { method: 'POST', headers: { ...bearer, 'x-lakeshift-action': '1', origin: 'http://evil.example' } })).status).toBe(403);
    const notOurs = await fetch(`${base}/pause`, { method: 'POST', headers: { ...bearer, 'x-lakeshift-action': '1', origin: acting.baseUrl } });
    expect(notOurs.status).toBe(409);
    expect(((await notOurs.json()) as { error: string }).error).toContain('not started from the dashboard');
    expect((await fetch(`${base}/explode`, { method: 'POST', headers: { ...bearer, 'x-lakeshift-action': '1' } })).status).toBe(404);
  });

  it('resumes a job from the dashboard in a child process (lakeshift jobs resume)', async () => {
    const work = tempDir('lakeshift-dash-resume-', cleanups);
    mkdirSync(join(work, 'src/d'), { recursive: true });
    for (let i = 0; i < 5; i++) writeFileSync(join(work, `src/d/f${i}.txt`), `file ${i}\n`);
    const db = await openSqliteJobDb(join(work, 'state'));
    closers.push(() => db.close());
    const source = openStore(join(work, 'src'), { role: 'source' });
    const dest = openStore(join(work, 'dst'), { role: 'dest' });
    const first = await runLiftAndShift({ source, dest, jobDb: db });
    expect(first.files.copied).toBe(5);
    const d = await startDashboard({ jobDb: db, stateDir: join(work, 'state'), allowActions: true });
    closers.push(() => d.close());
    const res = await fetch(`${d.baseUrl}/api/jobs/${first.jobId}/resume`, { method: 'POST', headers: { authorization: `Bearer ${d.token}`, 'x-lakeshift-action': '1' } });
    expect(res.status).toBe(202);
    const deadline = Date.now() + 30_000;
    let runs = 1;
    while (Date.now() < deadline && runs < 2) {
      await new Promise((r) => setTimeout(r, 200));
      const j = (await (await fetch(`${d.baseUrl}/api/jobs/${first.jobId}`, { headers: { authorization: `Bearer ${d.token}` } })).json()) as { runs: { status: string }[] };
      runs = j.runs.filter((r) => r.status === 'completed').length;
    }
    expect(runs).toBe(2);
  }, 40_000);
});

describe('lakeshift serve', () => {
  it('warns when bound beyond loopback (--host 0.0.0.0); a taken port is a clear error', async () => {
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const port = (taken.address() as { port: number }).port;
    try {
      const out = await runCliCaptured(['serve', '--host', '0.0.0.0', '--port', String(port), '--state-dir', tempDir('lakeshift-dash-cli-', cleanups)]);
      expect(out.err).toContain('warning: --host 0.0.0.0 makes the dashboard reachable from other machines');
      expect(out.code).toBe(4);
      expect(out.err).toContain(`Port ${port}`);
    } finally {
      taken.close();
    }
  });

  it('prints its URL with the token once; with debug logs on, the token appears nowhere else', async () => {
    const state = tempDir('lakeshift-dash-cli-', cleanups);
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--state-dir', state], { env: { ...process.env, LAKESHIFT_LOG_LEVEL: 'debug' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const deadline = Date.now() + 20_000;
    while (!out.includes('\n') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const url = /lakeshift dashboard: (\S+)/.exec(out)?.[1];
    expect(url).toBeDefined();
    const token = new URL(url!).searchParams.get('token')!;
    expect(token.length).toBeGreaterThanOrEqual(43);
    const base = new URL(url!).origin;
    expect(new URL(url!).hostname).toBe('127.0.0.1');
    expect((await fetch(`${base}/api/overview`)).status).toBe(401);
    expect((await fetch(`${base}/api/overview?token=${token}`)).status).toBe(200);
    expect((await fetch(`${base}/api/jobs`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(out.split(token).length - 1).toBe(1);
    expect(err).toContain('http.request');
    expect(err).not.toContain(token);
  }, 30_000);
});
