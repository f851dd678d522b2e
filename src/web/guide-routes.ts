import type { FastifyInstance } from 'fastify';
import { renderGuide, type GuidePage } from '../guide/index.js';

/**
 * Serves the guide (docs/guide, rendered by src/guide) under /guide/: `/guide` redirects to
 * `/guide/`, which is the index; `/guide/NAME.html` is a page. Rendered once, on the first request.
 * Behind the dashboard's token like every other route.
 */
export function registerGuide(app: FastifyInstance, dir?: string): void {
  let pages: Promise<Map<string, GuidePage>> | undefined;
  const load = (): Promise<Map<string, GuidePage>> => {
    pages ??= renderGuide(dir).then((list) => new Map(list.map((p) => [p.file, p])));
    return pages;
  };
  app.get('/guide', async (_request, reply) => reply.redirect('/guide/', 301));
  app.get<{ Params: { page: string } }>('/guide/:page', async (request, reply) => {
    const page = (await load()).get(request.params.page === '' ? 'index.html' : request.params.page);
    if (page === undefined) return reply.code(404).type('text/html; charset=utf-8').send('<!doctype html><title>Not found</title><p>No such page in the guide. <a href="/guide/">Contents</a></p>');
    return reply.type('text/html; charset=utf-8').send(page.html);
  });
}
