import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { CHROMIUM, hasChromium, launchChromium } from './browser-helpers.js';
import { createMemoryStore, dropMemoryStore } from '../src/stores/memory/index.js';
import { seedLake } from '../src/seed/index.js';
import { assessStore, renderHtml } from '../src/assess/index.js';

if (!hasChromium) console.log(`assess-html: skipping the browser test: ${CHROMIUM} is missing (apt-get install -y chromium)`);

const dirs: string[] = [];
afterAll(() => {
  dropMemoryStore('assess-html');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('HTML report', () => {
  it('is one self-contained file under 5 MB that escapes namespace text', async () => {
    const store = createMemoryStore({ kind: 'memory', name: 'assess-html-escape', path: '' });
    const w = await store.createWriter('<img src=x onerror=alert(1)>.csv');
    await w.write(0, new Uint8Array([1, 2, 3]));
    await w.commit({ size: 3 });
    const { report } = await assessStore(store);
    const html = renderHtml(report);
    expect(Buffer.byteLength(html)).toBeLessThan(5 * 1024 * 1024);
    expect(html).not.toContain('<img src=x');
    expect(html).not.toMatch(/<script[^>]+src=/i);
    expect(html).not.toMatch(/<link[^>]+href=/i);
    dropMemoryStore('assess-html-escape');
  });

  it.skipIf(!hasChromium)('opens in headless Chromium with charts and no console errors', async () => {
    const store = createMemoryStore({ kind: 'memory', name: 'assess-html', path: '' });
    await seedLake(store, { profile: 'small' });
    const { report } = await assessStore(store, { downtimeHours: 4 });
    const dir = mkdtempSync(join(tmpdir(), 'lakeshift-html-'));
    dirs.push(dir);
    const file = join(dir, 'report.html');
    writeFileSync(file, renderHtml(report));
    expect(statSync(file).size).toBeLessThan(5 * 1024 * 1024);

    const profile = mkdtempSync(join(tmpdir(), 'lakeshift-chromium-'));
    dirs.push(profile);
    const context = await launchChromium(profile);
    try {
      const page = await context.newPage();
      const errors: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('request', (r) => {
        if (!r.url().startsWith('file:')) requests.push(r.url());
      });
      await page.goto(pathToFileURL(file).href);
      await page.waitForFunction("document.querySelectorAll('.chart canvas').length >= 4");
      expect(errors).toEqual([]);
      expect(requests).toEqual([]);
      expect(await page.locator('.chart canvas').count()).toBeGreaterThanOrEqual(4);
      expect(await page.locator('#verdict').textContent()).toBe('Blocked');

      mkdirSync('test-artifacts', { recursive: true });
      await page.screenshot({ path: 'test-artifacts/assess-report.png', fullPage: false });

      // Sorting: clicking the Count header of the rules table orders rows by count.
      const rules = page.locator('table.sortable').first();
      await rules.locator('th', { hasText: 'Count' }).click();
      const counts = (await rules.locator('tbody tr td:nth-child(3)').allTextContents()).map((t) => Number(t.replace(/,/g, '')));
      expect(counts).toEqual([...counts].sort((a, b) => a - b));
    } finally {
      await context.close();
    }
  });
});
