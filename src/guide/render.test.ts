import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GUIDE_SOURCE_DIR, renderGuide, slugify } from './render.js';

const hrefs = (html: string): string[] => [...html.matchAll(/<a href="([^"]*)"/g)].map((m) => (m[1] ?? '').replace(/&amp;/g, '&'));
const ids = (html: string): Set<string> => new Set([...html.matchAll(/ id="([^"]*)"/g)].map((m) => m[1] ?? ''));

describe('the guide build', () => {
  it('renders one page per Markdown file, and every link between pages and every anchor resolves', async () => {
    const pages = await renderGuide();
    const sources = (await readdir(GUIDE_SOURCE_DIR)).filter((f) => f.endsWith('.md'));
    expect(pages.map((p) => p.file).sort()).toEqual(sources.map((f) => f.replace(/\.md$/, '.html')).sort());
    const byFile = new Map(pages.map((p) => [p.file, p]));
    const broken: string[] = [];
    for (const p of pages) {
      for (const href of hrefs(p.html)) {
        if (/^[a-z]+:/i.test(href)) {
          broken.push(`${p.file}: external link ${href}`);
          continue;
        }
        const [file = '', hash] = href.split('#');
        const target = file === '' ? p : byFile.get(file);
        if (target === undefined) broken.push(`${p.file}: ${href}: no such page`);
        else if (hash !== undefined && !ids(target.html).has(hash)) broken.push(`${p.file}: ${href}: no such anchor`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('has no placeholder text and no leftover generator markers in any page', async () => {
    for (const p of await renderGuide()) {
      expect(p.html, p.file).not.toMatch(/Put (something|table) here|\bTODO\b|\bTBD\b|lorem ipsum|generated:capabilities/i);
      expect(p.html, p.file).toMatch(/<h1 id="[^"]+">/);
    }
  });

  it('rewrites .md links, gives headings GitHub ids, labels skipped and failing blocks, escapes code, renders no raw HTML', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lakeshift-guide-render-'));
    try {
      await writeFile(join(dir, 'index.md'), '# Start\n\nSee [b](b.md#step-2-run-it) and [here](#start).\n');
      await writeFile(join(dir, 'b.md'), [
        '# Page B', '', '## Step 2: run it', '', '<script>alert(1)</script>', '',
        '```sh skip="needs Azure"', 'az login', '```', '', '```sh exit=6', 'echo "<b>"', '```', '',
      ].join('\n'));
      const pages = await renderGuide(dir);
      const index = pages.find((p) => p.file === 'index.html')?.html ?? '';
      const b = pages.find((p) => p.file === 'b.html')?.html ?? '';
      expect(index).toContain('<a href="b.html#step-2-run-it">');
      expect(b).toContain('<h2 id="step-2-run-it">');
      expect(b).toContain("Not run by the guide's test: needs Azure.");
      expect(b).toContain('Ends with exit status 6.');
      expect(b).toContain('echo &quot;&lt;b&gt;&quot;');
      expect(b).not.toContain('<script>');
      expect(pages.map((p) => p.file)).toEqual(['index.html', 'b.html']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    expect(slugify('Gen1 vs Gen2: capabilities (2023)')).toBe('gen1-vs-gen2-capabilities-2023');
  });

  it('the README links the guide', async () => {
    const readme = await readFile(join(GUIDE_SOURCE_DIR, '..', '..', 'README.md'), 'utf8');
    expect(readme).toContain('docs/guide/index.md');
  });
});
