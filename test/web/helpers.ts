import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { Store } from '../../src/core/store.js';

/** Shared by the dashboard suites: temporary folders and file writers. */
export function tempDir(prefix: string, cleanups: (() => void)[]): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes `count` files of `size` bytes under `dir` (deterministic content). */
export async function writeFiles(store: Store, dir: string, count: number, size: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const data = Buffer.alloc(size, i % 251);
    const w = await store.createWriter(`${dir}/part-${String(i).padStart(4, '0')}.bin`, { overwrite: true });
    if (size > 0) await w.write(0, data);
    await w.commit({ size });
  }
}

/** Reads a Server-Sent Events stream into parsed events until `until` says stop or the signal aborts. */
export async function readEvents(url: string, headers: Record<string, string>, until: (events: { event: string; data: unknown }[]) => boolean, signal: AbortSignal): Promise<{ event: string; data: unknown }[]> {
  const res = await fetch(url, { headers, signal });
  if (res.body === null) throw new Error(`no body (status ${res.status})`);
  const events: { event: string; data: unknown }[] = [];
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for await (const chunk of res.body) {
      buffer += decoder.decode(chunk as Uint8Array, { stream: true });
      let i: number;
      while ((i = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event !== undefined && data !== undefined) events.push({ event, data: JSON.parse(data) as unknown });
      }
      if (until(events)) break;
    }
  } catch (error) {
    if (!signal.aborted) throw error;
  }
  return events;
}

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core run in the page (evaluated over the DevTools protocol, so the page's CSP stays on). */
export async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE);
  const result = await page.evaluate<{ id: string; impact: string; targets: string[] }[]>(`axe.run(document, { resultTypes: ['violations'] }).then(function (r) {
    return r.violations.map(function (v) { return { id: v.id, impact: v.impact, targets: v.nodes.slice(0, 3).map(function (n) { return n.target.join(' '); }) }; });
  })`);
  return result.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.impact} ${v.id}: ${v.targets.join(', ')}`);
}

/** Marks every visible focusable control of the page; returns how many there are. */
const MARK_CONTROLS = `(function () {
  if (document.activeElement) document.activeElement.blur();
  window.scrollTo(0, 0);
  var all = Array.prototype.slice.call(document.querySelectorAll('a[href], button, summary, [tabindex]:not([tabindex="-1"]), input, select, textarea'));
  var visible = all.filter(function (e) { return e.getClientRects().length > 0; });
  visible.forEach(function (e, i) { e.setAttribute('data-ctl', String(i)); e.removeAttribute('data-reached'); });
  return visible.length;
})()`;
const MARK_FOCUSED = "(function () { var e = document.activeElement; if (e && e !== document.body) e.setAttribute('data-reached', '1'); })()";
const MISSED = `Array.prototype.slice.call(document.querySelectorAll('[data-ctl]:not([data-reached])')).map(function (e) { return e.tagName.toLowerCase() + ' ' + (e.textContent || '').trim().slice(0, 40); })`;

/** Tabs through the page: every focusable control must be reached by the keyboard alone. */
export async function tabThrough(page: Page): Promise<{ total: number; missed: string[] }> {
  const total = await page.evaluate<number>(MARK_CONTROLS);
  for (let i = 0; i < total + 5; i++) {
    await page.keyboard.press('Tab');
    await page.evaluate(MARK_FOCUSED);
  }
  return { total, missed: await page.evaluate<string[]>(MISSED) };
}
