import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import MarkdownIt from 'markdown-it';
import { fenceLanguage, parseInfo } from './blocks.js';

/**
 * The static HTML build of the guide (docs/guide/*.md): one page per Markdown file, links between
 * pages rewritten from `x.md#anchor` to `x.html#anchor`, GitHub-style heading ids, a navigation list,
 * no scripts. Shell blocks that the doc test skips carry their reason above them, and blocks that end
 * with a non-zero status say so. Used by `lakeshift serve` (under /guide/) and `npm run guide:html`.
 */

export const GUIDE_SOURCE_DIR = fileURLToPath(new URL('../../docs/guide/', import.meta.url));

/** The reading order; pages not listed follow in name order. */
const ORDER = ['index', 'introduction', 'not-an-upgrade', 'step-1-assess', 'step-2-prepare', 'step-3-migrate', 'step-4-cut-over', 'capabilities', 'patterns', 'transfer-tools', 'sdk-updates', 'decommission', 'getting-help'];

export interface GuidePage {
  /** File name of the HTML page, e.g. `patterns.html`. */
  file: string;
  title: string;
  html: string;
}

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens. */
export function slugify(text: string): string {
  return text.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
}

const escapeHtml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function createRenderer(): MarkdownIt {
  const md = new MarkdownIt({ html: false, linkify: false, typographer: false });
  md.core.ruler.push('heading_ids', (state) => {
    const seen = new Map<string, number>();
    state.tokens.forEach((t, i) => {
      if (t.type === 'table_open') t.attrSet('tabindex', '0');
    if (t.type !== 'heading_open') return;
      const text = state.tokens[i + 1]?.children?.filter((c) => c.type === 'text' || c.type === 'code_inline').map((c) => c.content).join('') ?? '';
      const base = slugify(text);
      const n = seen.get(base) ?? 0;
      seen.set(base, n + 1);
      t.attrSet('id', n === 0 ? base : `${base}-${n}`);
    });
    return true;
  });
  const defaultLink = md.renderer.rules.link_open;
  md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
    const t = tokens[idx];
    const href = t?.attrGet('href');
    if (t !== undefined && href !== null && href !== undefined && !/^[a-z]+:/i.test(href)) t.attrSet('href', href.replace(/^([\w-]+)\.md(#|$)/, '$1.html$2'));
    return defaultLink === undefined ? self.renderToken(tokens, idx, options) : defaultLink(tokens, idx, options, env, self);
  };
  md.renderer.rules.fence = (tokens, idx) => {
    const t = tokens[idx];
    if (t === undefined) return '';
    const lang = fenceLanguage(t.info);
    let note = '';
    if (lang === 'sh') {
      const attrs = parseInfo(t.info.trim().slice(2));
      const skip = attrs.get('skip');
      const exit = attrs.get('exit');
      if (skip !== undefined) note = `<p class="block-note skip">Not run by the guide's test: ${escapeHtml(skip)}.</p>`;
      else if (exit !== undefined && exit !== '0') note = `<p class="block-note">Ends with exit status ${escapeHtml(exit)}.</p>`;
      else if (attrs.has('emulators')) note = '<p class="block-note">Run before every page of this guide.</p>';
    }
    const cls = lang === '' ? '' : ` class="language-${escapeHtml(lang)}"`;
    // tabindex: a block that scrolls sideways must be reachable by the keyboard.
    return `${note}<pre${cls} tabindex="0"><code>${escapeHtml(t.content)}</code></pre>\n`;
  };
  return md;
}

const STYLE = `
body{margin:0;font:16px/1.55 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1b1f24;background:#fff;display:flex;min-height:100vh}
nav{width:16rem;flex:none;padding:1.5rem 1rem;background:#f3f5f7;border-right:1px solid #d8dee4}
nav h2{font-size:1rem;margin:0 0 .75rem}nav ol{margin:0;padding-left:1.2rem}nav li{margin:.3rem 0}
nav a[aria-current="page"]{font-weight:600;color:#1b1f24}
main{max-width:58rem;padding:1.5rem 2.5rem;min-width:0}
a{color:#0b5cad}code{font:14px/1.45 ui-monospace,SFMono-Regular,Menlo,monospace}
pre{background:#f6f8fa;border:1px solid #d8dee4;border-radius:6px;padding:.75rem 1rem;overflow-x:auto}
pre.language-text{background:#fbfbf8}
:not(pre)>code{background:#eff1f3;padding:.1rem .3rem;border-radius:4px}
table{border-collapse:collapse;display:block;overflow-x:auto;margin:1rem 0}
th,td{border:1px solid #d0d7de;padding:.35rem .6rem;vertical-align:top;text-align:left}th{background:#f3f5f7}
.block-note{margin:.75rem 0 -.5rem;font-size:.9rem;color:#57606a}.block-note.skip{color:#8a4b00}
footer{margin-top:3rem;font-size:.85rem;color:#57606a}
`;

function pageName(file: string): string {
  return file.replace(/\.md$/, '');
}

/** Reads and renders every page of the guide. Throws if the folder has no index.md. */
export async function renderGuide(dir = GUIDE_SOURCE_DIR): Promise<GuidePage[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.md'));
  if (!files.includes('index.md')) throw new Error(`${dir}: the guide has no index.md`);
  const rank = (f: string): number => {
    const i = ORDER.indexOf(pageName(f));
    return i < 0 ? ORDER.length : i;
  };
  files.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  const md = createRenderer();
  const sources = await Promise.all(files.map(async (f) => ({ f, text: (await readFile(join(dir, f), 'utf8')).replace(/^<!--.*-->\n/gm, '') })));
  const titles = sources.map(({ f, text }) => ({ f, title: /^# (.+)$/m.exec(text)?.[1]?.replace(/`/g, '') ?? pageName(f) }));
  return sources.map(({ f, text }) => {
    const file = `${pageName(f)}.html`;
    const title = titles.find((t) => t.f === f)?.title ?? pageName(f);
    const nav = titles.map((t) => `<li><a href="${pageName(t.f)}.html"${t.f === f ? ' aria-current="page"' : ''}>${escapeHtml(t.title)}</a></li>`).join('');
    const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,">
<title>${escapeHtml(title)} · lakeshift guide</title><style>${STYLE}</style></head>
<body><nav aria-label="Guide"><h2><a href="index.html">lakeshift guide</a></h2><ol>${nav}</ol></nav>
<main>${md.render(text)}<footer>Rendered from docs/guide/${escapeHtml(f)}. Every shell block on this page is run by the test suite against the emulators unless it says otherwise.</footer></main></body></html>
`;
    return { file, title, html };
  });
}
