import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { openSqliteJobDb } from '../../src/state/db.js';
import { startDashboard } from '../../src/web/index.js';
import { CHROMIUM, hasChromium, launchChromium } from '../browser-helpers.js';
import { guidePages } from '../guide/doc-runner.js';
import { seriousViolations, tempDir } from './helpers.js';

if (!hasChromium) console.log(`guide-browser: skipping the browser tests: ${CHROMIUM} is missing (apt-get install -y chromium)`);

const cleanups: (() => void)[] = [];
const closers: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of closers.reverse()) await c().catch(() => undefined);
  for (const c of cleanups) c();
});

interface Crawl {
  /** Pages visited (URL without hash) -> HTTP status. */
  status: Map<string, number>;
  /** Element ids per visited page. */
  ids: Map<string, Set<string>>;
  /** Every link seen: from, to (absolute, with hash). */
  links: { from: string; to: string }[];
  consoleErrors: string[];
}

/** Follows every same-origin link from `start`, breadth first, recording statuses, ids and console errors. */
async function crawl(page: Page, start: string, origin: string): Promise<Crawl> {
  const c: Crawl = { status: new Map(), ids: new Map(), links: [], consoleErrors: [] };
  page.on('console', (m) => {
    if (m.type() === 'error') c.consoleErrors.push(`${page.url()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => c.consoleErrors.push(`${page.url()}: ${e.message}`));
  const queue = [start];
  while (queue.length > 0) {
    const url = queue.shift() ?? '';
    if (c.status.has(url)) continue;
    const response = await page.goto(url);
    c.status.set(url, response?.status() ?? 0);
    const landed = page.url().split('#')[0] ?? '';
    if (landed !== url) c.status.set(landed, response?.status() ?? 0);
    const ids = await page.$$eval('[id]', (els) => els.map((e) => e.id));
    c.ids.set(landed, new Set(ids));
    const hrefs = await page.$$eval('a[href]', (els) => els.map((e) => String((e as unknown as { href: string }).href)));
    for (const to of hrefs) {
      c.links.push({ from: landed, to });
      const target = to.split('#')[0] ?? '';
      if (to.startsWith(origin) && !c.status.has(target)) queue.push(target);
    }
  }
  return c;
}

/** Links whose page did not answer 200 or whose #anchor names no element on that page. */
function brokenLinks(c: Crawl, origin: string): string[] {
  const broken: string[] = [];
  for (const { from, to } of c.links) {
    if (!to.startsWith(origin)) {
      broken.push(`${from} -> ${to}: leaves the guide's server`);
      continue;
    }
    const [target = '', hash] = to.split('#');
    const status = c.status.get(target);
    if (status !== 200) broken.push(`${from} -> ${to}: status ${status ?? 'not visited'}`);
    else if (hash !== undefined && hash !== '' && !(c.ids.get(target)?.has(decodeURIComponent(hash)) ?? false)) broken.push(`${from} -> ${to}: no element with id "${hash}"`);
  }
  return broken;
}

describe.skipIf(!hasChromium)('the guide in headless Chromium', () => {
  it('is served by lakeshift serve under /guide/ behind the token; every page renders without console errors; every internal link and anchor resolves', async () => {
    const work = tempDir('lakeshift-guide-web-', cleanups);
    const jobDb = await openSqliteJobDb(join(work, 'state'));
    closers.push(() => jobDb.close());
    const dash = await startDashboard({ jobDb, stateDir: join(work, 'state') });
    closers.push(() => dash.close());

    const unauthenticated = await fetch(`${dash.baseUrl}/guide/`);
    expect(unauthenticated.status).toBe(401);

    const context = await launchChromium(tempDir('lakeshift-chromium-', cleanups));
    closers.push(() => context.close());
    const page = await context.newPage();
    await page.goto(dash.url);
    const origin = dash.baseUrl;
    const c = await crawl(page, `${origin}/guide`, origin);

    expect(c.consoleErrors).toEqual([]);
    expect(brokenLinks(c, origin)).toEqual([]);
    // Every Markdown page of docs/guide is reachable from the contents by links.
    const reached = [...c.status.keys()].filter((u) => /\/guide\/[\w-]+\.html$/.test(u)).map((u) => u.replace(/^.*\/guide\//, ''));
    const expected = guidePages().map((f) => f.replace(/^.*\//, '').replace(/\.md$/, '.html'));
    expect(new Set(reached)).toEqual(new Set(expected));
    expect(c.links.length).toBeGreaterThan(expected.length * expected.length);

    // What the reader sees: the generated capability table, skipped blocks labelled with their reason.
    await page.goto(`${origin}/guide/capabilities.html`);
    expect(await page.locator('main table').first().locator('tbody tr').count()).toBeGreaterThanOrEqual(18);
    await page.goto(`${origin}/guide/step-2-prepare.html`);
    await expect(page.locator('.block-note.skip').first().textContent()).resolves.toMatch(/Not run by the guide's test: .+/);
    expect(await seriousViolations(page)).toEqual([]);

    const missing = await page.goto(`${origin}/guide/no-such-page.html`);
    expect(missing?.status()).toBe(404);
  }, 120_000);

});

describe('the guide link checker', () => {
  it('the link checker reports a missing page and a missing anchor', () => {
    const origin = 'http://127.0.0.1:1';
    const c: Crawl = {
      status: new Map([[`${origin}/guide/a.html`, 200], [`${origin}/guide/gone.html`, 404]]),
      ids: new Map([[`${origin}/guide/a.html`, new Set(['here'])]]),
      links: [
        { from: `${origin}/guide/a.html`, to: `${origin}/guide/a.html#here` },
        { from: `${origin}/guide/a.html`, to: `${origin}/guide/a.html#nowhere` },
        { from: `${origin}/guide/a.html`, to: `${origin}/guide/gone.html` },
        { from: `${origin}/guide/a.html`, to: 'https://example.org/' },
      ],
      consoleErrors: [],
    };
    expect(brokenLinks(c, origin)).toEqual([
      `${origin}/guide/a.html -> ${origin}/guide/a.html#nowhere: no element with id "nowhere"`,
      `${origin}/guide/a.html -> ${origin}/guide/gone.html: status 404`,
      `${origin}/guide/a.html -> https://example.org/: leaves the guide's server`,
    ]);
  });
});
