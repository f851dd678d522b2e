import type { FastifyInstance, FastifyReply } from 'fastify';
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
  const send = async (name: string, reply: FastifyReply): Promise<FastifyReply> => {
    const page = (await load()).get(name);
    if (page === undefined) return reply.code(404).type('text/html; charset=utf-8').send('<!doctype html><html lang="en"><title>Not found</title><p>No such page in the guide. <a href="/guide/">Contents</a></p></html>');
    return reply.type('text/html; charset=utf-8').send(page.html);
  };
  app.get('/guide/', async (_request, reply) => send('index.html', reply));
  app.get<{ Params: { page: string } }>('/guide/:page', async (request, reply) => send(request.params.page, reply));
}
