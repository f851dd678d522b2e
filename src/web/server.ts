import cookie from '@fastify/cookie';
import Fastify, { type FastifyInstance } from 'fastify';
import { pino, type Logger } from 'pino';
import { isStorageError } from '../core/errors.js';
import type { JobDb } from '../state/db.js';
import { checkAccess, loggablePath, setAccessCookie, urlWithoutToken, newAccessToken } from './auth.js';
import { LiveFeed } from './live.js';
import { dashboardModules, describeModules, type DashboardContext, type DashboardModule } from './modules/index.js';
import { registerAssets, renderPage, unauthorizedPage } from './pages.js';
import { ensureValidationsTable } from './validations.js';
import { registerGuide } from './guide-routes.js';

export interface DashboardOptions {
  jobDb: JobDb;
  /** The SQLite state directory (enables resume and retry from the dashboard); undefined on PostgreSQL. */
  stateDir?: string | undefined;
  reportsDir?: string | undefined;
  planFile?: string | undefined;
  /** The PostgreSQL job database's URL and schema, when jobDb is one (the Workers page reads the scale-out queue with it). */
  postgres?: { url: string; schema: string } | undefined;
  /** Default 0 (a free port). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Enables pause, resume and retry-failed (POST /api/jobs/:id/:action). Default off: read-only. */
  allowActions?: boolean;
  /** Access token (default: 32 random bytes). */
  token?: string;
  logger?: Logger;
  /** How often the live feed looks at the job database (default 1000 ms). */
  pollMs?: number;
  /** The modules to serve (default: dashboardModules()). */
  modules?: DashboardModule[];
}

export interface Dashboard {
  /** The URL to open, with the token: print it once, never log it. */
  url: string;
  /** The URL without the token. */
  baseUrl: string;
  token: string;
  port: number;
  app: FastifyInstance;
  live: LiveFeed;
  /** Every route path the server answers (for the tests that check each one needs the token). */
  routes: { method: string; url: string }[];
  close(): Promise<void>;
}

/**
 * Starts the dashboard: a Fastify server with the JSON API under /api/, the pages, the live feed
 * (/api/events) and the assessment reports. Every request needs the token (URL `?token=`, then the
 * HttpOnly SameSite=Strict cookie set on that visit, or `Authorization: Bearer` for scripts). The token
 * is never logged: request logs carry the path without its query. Resolves once it listens.
 */
export async function startDashboard(o: DashboardOptions): Promise<Dashboard> {
  const token = o.token ?? newAccessToken();
  const logger = o.logger ?? pino({ level: 'silent' });
  await ensureValidationsTable(o.jobDb);
  const live = new LiveFeed(o.jobDb, logger, o.pollMs ?? 1000);
  const ctx: DashboardContext = {
    jobDb: o.jobDb, stateDir: o.stateDir, reportsDir: o.reportsDir, planFile: o.planFile, postgres: o.postgres, allowActions: o.allowActions === true, logger, live,
  };
  const modules = o.modules ?? dashboardModules();
  const app = Fastify({ logger: false, bodyLimit: 64 * 1024 });
  const routes: { method: string; url: string }[] = [];
  app.addHook('onRoute', (r) => {
    for (const m of Array.isArray(r.method) ? r.method : [r.method]) if (m !== 'HEAD') routes.push({ method: m, url: r.url });
  });
  await app.register(cookie);
  let port = 0;

  app.addHook('onRequest', async (request, reply) => {
    const access = checkAccess(request, token, port);
    if (!access.ok) {
      const path = loggablePath(request.url);
      logger.info({ method: request.method, path }, 'http.unauthorized');
      if (path.startsWith('/api/') || request.method !== 'GET') return reply.code(401).send({ error: 'Unauthorized: open the URL that lakeshift serve printed (it carries the access token), or send Authorization: Bearer TOKEN.' });
      return reply.code(401).type('text/html; charset=utf-8').send(unauthorizedPage());
    }
    if (access.fromQuery) {
      setAccessCookie(reply, token, port);
      // Take the token out of the address bar (and history) once the cookie carries it.
      if (request.method === 'GET' && !request.url.startsWith('/api/')) return reply.redirect(urlWithoutToken(request.url), 303);
    }
    return undefined;
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('Cache-Control', 'no-store');
    reply.header('X-Content-Type-Options', 'nosniff');
    reply.header('Referrer-Policy', 'no-referrer');
    reply.header('X-Frame-Options', 'DENY');
    if (!reply.hasHeader('Content-Security-Policy')) {
      reply.header('Content-Security-Policy', "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
    }
    return payload;
  });
  app.addHook('onResponse', async (request, reply) => {
    logger.debug({ method: request.method, path: loggablePath(request.url), status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'http.request');
  });
  app.setErrorHandler(async (error, request, reply) => {
    if (isStorageError(error, 'not-found')) return reply.code(404).send({ error: error.message });
    if (isStorageError(error, 'invalid-argument')) return reply.code(400).send({ error: error.message });
    const status = (error as { statusCode?: number }).statusCode;
    if (status !== undefined && status >= 400 && status < 500) return reply.code(status).send({ error: (error as Error).message });
    logger.error({ path: loggablePath(request.url), err: error instanceof Error ? error.message : String(error) }, 'http.failed');
    return reply.code(500).send({ error: 'Internal error in the dashboard; see its log.' });
  });
  app.setNotFoundHandler(async (_request, reply) => reply.code(404).send({ error: 'Not found.' }));

  app.get('/api/events', (request, reply) => {
    reply.hijack();
    live.add(reply.raw, { 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer' });
    request.raw.on('close', () => reply.raw.end());
  });
  registerAssets(app);
  registerGuide(app);
  for (const m of modules) m.register(app, ctx);
  const pageOf = (id: string, title: string, attrs: Record<string, string> = {}) => async () => renderPage({ page: id, title, modules: await describeModules(modules, ctx), allowActions: ctx.allowActions, attrs });
  for (const m of modules) app.get(m.path, async (_request, reply) => reply.type('text/html; charset=utf-8').send(await pageOf(m.id, m.title)()));
  app.get<{ Params: { id: string } }>('/jobs/:id', async (request, reply) => reply.type('text/html; charset=utf-8').send(await pageOf('job', `Job ${request.params.id}`, { job: request.params.id })()));

  const host = o.host ?? '127.0.0.1';
  await app.listen({ port: o.port ?? 0, host });
  const address = app.server.address();
  port = typeof address === 'object' && address !== null ? address.port : (o.port ?? 0);
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const baseUrl = `http://${shownHost}:${port}`;
  let closed = false;
  return {
    url: `${baseUrl}/?token=${token}`, baseUrl, token, port, app, live, routes,
    async close() {
      if (closed) return;
      closed = true;
      live.stop(true);
      await app.close();
    },
  };
}
