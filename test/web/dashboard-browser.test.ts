import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { assessStore, writeAssessReports } from '../../src/assess/index.js';
import { startGen1Emulator } from '../../src/emulators/gen1/index.js';
import { startGen2Emulator } from '../../src/emulators/gen2/index.js';
import { runLiftAndShift } from '../../src/patterns/lift-and-shift.js';
import { proposePlan, renderPlanYaml } from '../../src/plan/index.js';
import { openSqliteJobDb } from '../../src/state/db.js';
import { validateStores } from '../../src/validate/validate.js';
import { recordValidation, startDashboard } from '../../src/web/index.js';
import { openGen1, openGen2 } from '../migrate-helpers.js';
import { CHROMIUM, hasChromium, launchChromium } from '../browser-helpers.js';
import { seriousViolations, tabThrough, tempDir, writeFiles } from './helpers.js';

if (!hasChromium) console.log(`dashboard-browser: skipping the browser tests: ${CHROMIUM} is missing (apt-get install -y chromium)`);
const ARTIFACTS = 'test-artifacts/dashboard';

const cleanups: (() => void)[] = [];
const closers: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of closers.reverse()) await c().catch(() => undefined);
  for (const c of cleanups) c();
});

describe.skipIf(!hasChromium)('dashboard in headless Chromium', () => {
  it('follows a real migrate live, shows job charts and failures, links the report; accessible and keyboard-reachable', async () => {
    const work = tempDir('lakeshift-dash-', cleanups);
    const gen1 = await startGen1Emulator({ inMemory: true });
    const gen2 = await startGen2Emulator({ inMemory: true });
    // A second Gen2 whose Put Blob always fails: every (small) file sent there fails (the failure list).
    const broken = await startGen2Emulator({ inMemory: true, faults: { failOperation: 'PutBlob', retryAfterSeconds: 0 } });
    closers.push(() => gen1.close(), () => gen2.close(), () => broken.close());
    const lake = openGen1(gen1.url, '');
    // Six directories of eight: migrate counts a file done once its directory's listing confirms it,
    // so the copied count rises in steps, one per directory.
    for (let month = 1; month <= 6; month++) await writeFiles(lake, `sales/2024/${String(month).padStart(2, '0')}`, 8, 256 * 1024);
    await writeFiles(lake, 'logs', 6, 3000);

    const reports = join(work, 'reports');
    const { report } = await assessStore(lake, {});
    await writeAssessReports(report, join(reports, 'lake'), ['html', 'md', 'json']);
    writeFileSync(join(reports, 'plan.yaml'), renderPlanYaml(proposePlan(report), report));

    const jobDb = await openSqliteJobDb(join(work, 'state'));
    closers.push(() => jobDb.close());
    const dash = await startDashboard({ jobDb, stateDir: join(work, 'state'), reportsDir: reports, allowActions: true, pollMs: 250 });
    closers.push(() => dash.close());

    const context = await launchChromium(tempDir('lakeshift-chromium-', cleanups), { width: 1366, height: 900 });
    closers.push(() => context.close());
    const page = await context.newPage();
    const errors: string[] = [];
    const foreign: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('request', (r) => {
      if (!r.url().startsWith(dash.baseUrl) && !r.url().startsWith('data:')) foreign.push(r.url());
    });
    mkdirSync(ARTIFACTS, { recursive: true });

    // The overview, open before the run starts; it must move without a reload.
    await page.goto(dash.url);
    expect(page.url()).not.toContain('token=');
    await page.locator('#tiles').waitFor();
    await page.locator('#live.live-on').waitFor();
    let navigations = 0;
    page.on('framenavigated', (f) => {
      if (f === page.mainFrame()) navigations++;
    });
    const source = openGen1(gen1.url, '');
    const dest = openGen2(gen2.url, 'lake');
    closers.push(() => source.close(), () => dest.close());
    const run = runLiftAndShift({ source, dest, jobDb, include: ['sales/**'], concurrency: 4, capMbps: 16 });
    const readCopied = (): Promise<number> => page.locator('[data-field="filesDone"]').innerText().then((t) => Number(t.replace(/,/g, '')));
    // Functions, not strings: the page's CSP forbids eval, and waitForFunction would eval a string.
    const copiedAbove = (n: number): boolean => Number(((globalThis as any).document.querySelector('[data-field="filesDone"]')?.textContent ?? '0').replace(/,/g, '')) > n;
    await page.waitForFunction(copiedAbove, 0, { timeout: 15_000 });
    const first = await readCopied();
    await page.waitForFunction(copiedAbove, first, { timeout: 15_000 });
    const second = await readCopied();
    expect(second).toBeGreaterThan(first);
    await page.screenshot({ path: `${ARTIFACTS}/overview-running.png` });
    // The job's own page, opened mid-run, moves too (tiles and chart from the same feed).
    const jobPage = await context.newPage();
    jobPage.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    jobPage.on('pageerror', (e) => errors.push(e.message));
    await jobPage.goto(`${dash.baseUrl}/jobs/${await page.locator('#jobs-table tbody a').first().innerText()}`);
    await jobPage.locator('#job-tiles [data-field="filesDone"]').waitFor();
    const onJobPage = Number((await jobPage.locator('#job-tiles [data-field="filesDone"]').innerText()).replace(/,/g, ''));
    const jobCopiedAbove = (n: number): boolean => Number(((globalThis as any).document.querySelector('#job-tiles [data-field="filesDone"]')?.textContent ?? '0').replace(/,/g, '')) > n;
    await jobPage.waitForFunction(jobCopiedAbove, onJobPage, { timeout: 15_000 });
    await jobPage.screenshot({ path: `${ARTIFACTS}/job-running.png` });
    await jobPage.close();
    const summary = await run;
    expect(summary.files.copied).toBe(48);
    await page.waitForFunction(() => (globalThis as any).document.querySelector('[data-field="filesDone"]')?.textContent === '48', undefined, { timeout: 10_000 });
    expect(navigations).toBe(0);

    // A job whose every file fails (Gen2 flush answers 500), then a validation of the good one.
    const brokenDest = openGen2(broken.url, 'lake');
    closers.push(() => brokenDest.close());
    const bad = await runLiftAndShift({ source, dest: brokenDest, jobDb, include: ['logs/**'], concurrency: 2, retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 } });
    expect(bad.files.failed).toBe(6);
    const validation = await validateStores(openGen1(gen1.url, 'sales'), openGen2(gen2.url, 'lake'), { sourcePath: '', destPath: 'sales' });
    await recordValidation(jobDb, validation);

    await page.waitForFunction(() => (globalThis as any).document.querySelectorAll('#jobs-table .badge-failed').length === 1 && (globalThis as any).document.querySelectorAll('#jobs-table .badge-completed').length === 1, undefined, { timeout: 10_000 });
    await page.locator('#chart-states canvas').waitFor();
    await page.screenshot({ path: `${ARTIFACTS}/overview.png`, fullPage: true });
    expect(await seriousViolations(page)).toEqual([]);
    const overviewKeys = await tabThrough(page);
    expect(overviewKeys.missed).toEqual([]);
    expect(overviewKeys.total).toBeGreaterThan(10);

    // The failing job: chart and failure list.
    await page.locator(`a[href="/jobs/${bad.jobId}"]`).click();
    await page.locator('#failures details').first().waitFor();
    expect(await page.locator('#failures').innerText()).toContain('6 failed items');
    await page.locator('#failures summary').first().click();
    expect(await page.locator('#failures .paths li').count()).toBe(6);
    await page.screenshot({ path: `${ARTIFACTS}/job-failures.png`, fullPage: true });
    expect(await seriousViolations(page)).toEqual([]);
    const jobKeys = await tabThrough(page);
    expect(jobKeys.missed).toEqual([]);
    expect(await page.locator('button[data-action]').count()).toBe(3);

    // The migrated job: its rate chart.
    await page.goto(`${dash.baseUrl}/jobs/${summary.jobId}`);
    await page.locator('#chart-rate canvas').waitFor();
    expect(await page.locator('#chart-rate').getAttribute('aria-label')).toMatch(/Throughput over time: \d+ samples/);
    await page.screenshot({ path: `${ARTIFACTS}/job.png`, fullPage: true });

    // Assessments, then the report itself through its link.
    for (const [path, name] of [['/reports', 'reports'], ['/plan', 'plan'], ['/validation', 'validation'], ['/conflicts', 'conflicts'], ['/drift', 'drift'], ['/cutover', 'cutover'], ['/workers', 'workers']] as const) {
      await page.goto(`${dash.baseUrl}${path}`);
      await page.locator('#content[aria-busy="false"]').waitFor();
      if (name === 'conflicts') expect(await page.locator('main').innerText()).toContain('No bisync runs recorded yet');
      if (name === 'drift') expect(await page.locator('main').innerText()).toContain('No drift recorded');
      if (name === 'cutover') expect(await page.locator('main').innerText()).toContain('No freeze recorded yet');
      // SQLite here: the Workers page says how to get it rather than "not yet available".
      if (name === 'workers') expect(await page.locator('main').innerText()).toContain('lakeshift serve --state postgres://');
      await page.screenshot({ path: `${ARTIFACTS}/${name}.png`, fullPage: true });
      expect(await seriousViolations(page)).toEqual([]);
      expect((await tabThrough(page)).missed).toEqual([]);
    }
    expect(await page.locator('main').innerText()).not.toContain('Not yet available');
    await page.goto(`${dash.baseUrl}/reports`);
    await page.locator('a.report-html').first().click();
    await page.locator('#verdict').waitFor();
    expect(page.url()).toBe(`${dash.baseUrl}/reports/lake/report.html`);
    await page.screenshot({ path: `${ARTIFACTS}/assessment-report.png` });

    // A phone.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(dash.baseUrl);
    await page.locator('#jobs-table').waitFor();
    await page.screenshot({ path: `${ARTIFACTS}/overview-phone.png`, fullPage: true });
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);

    expect(errors).toEqual([]);
    expect(foreign).toEqual([]);
  }, 90_000);
});
