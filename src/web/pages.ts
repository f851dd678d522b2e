import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { CLIENT_AREAS } from './client/areas-script.js';
import { CLIENT_CORE } from './client/core-script.js';
import { CLIENT_JOB } from './client/job-script.js';
import { CLIENT_OPS } from './client/ops-script.js';
import { CLIENT_OVERVIEW } from './client/overview-script.js';
import { CLIENT_CSS } from './client/styles.js';

const APP_JS = [CLIENT_CORE, CLIENT_OVERVIEW, CLIENT_JOB, CLIENT_OPS, CLIENT_AREAS].join('\n');
let echartsSource: string | undefined;

/** The echarts build from node_modules, read once (served locally: no CDN). */
function echarts(): string {
  echartsSource ??= readFileSync(createRequire(import.meta.url).resolve('echarts/dist/echarts.min.js'), 'utf8');
  return echartsSource;
}

/** Serves the front end: /assets/app.js, /assets/app.css and /assets/echarts.min.js. */
export function registerAssets(app: FastifyInstance): void {
  app.get('/assets/app.js', async (_request, reply) => reply.type('text/javascript; charset=utf-8').send(APP_JS));
  app.get('/assets/app.css', async (_request, reply) => reply.type('text/css; charset=utf-8').send(CLIENT_CSS));
  app.get('/assets/echarts.min.js', async (_request, reply) => reply.type('text/javascript; charset=utf-8').send(echarts()));
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export interface PageShell {
  page: string;
  title: string;
  modules: { id: string; title: string; path: string; available: boolean }[];
  allowActions: boolean;
  attrs: Record<string, string>;
}

/** The HTML shell of a page: navigation from the module registry, then the page's script fills `#content` from the API. */
export function renderPage(p: PageShell): string {
  const current = p.page === 'job' ? 'jobs' : p.page;
  const nav = p.modules.map((m) => `<li><a href="${escapeHtml(m.path)}"${m.id === current ? ' aria-current="page"' : ''}>${escapeHtml(m.title)}${m.available ? '' : '<span class="soon">not yet</span>'}</a></li>`).join('');
  const attrs = Object.entries(p.attrs).map(([k, v]) => ` data-${k}="${escapeHtml(v)}"`).join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(p.title)} · lakeshift</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/app.css">
<script src="/assets/echarts.min.js" defer></script>
<script src="/assets/app.js" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
<a class="brand" href="/">lakeshift</a>
<nav aria-label="Sections"><ul>${nav}</ul></nav>
<span id="live" class="live" role="status" aria-live="polite">Connecting…</span>
</header>
<main id="main" tabindex="-1">
<h1>${escapeHtml(p.title)}</h1>
<div id="content" data-page="${escapeHtml(p.page)}"${attrs} aria-busy="true" aria-live="off"><p class="notice">Loading…</p></div>
</main>
<footer>${p.allowActions ? 'Actions enabled (--allow-actions).' : 'Read-only dashboard.'} Data from the lakeshift job database.</footer>
</body>
</html>
`;
}

/** What a browser without the token sees. */
export function unauthorizedPage(): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Unauthorized · lakeshift</title></head>
<body><main><h1>Unauthorized</h1><p>Open the URL that <code>lakeshift serve</code> printed: it carries the access token. The dashboard then keeps it in a cookie for this browser session.</p></main></body></html>
`;
}
