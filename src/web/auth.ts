import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** A fresh access token: 32 random bytes, base64url (43 characters). */
export function newAccessToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * The cookie that carries the token after the first visit. Cookies are not scoped by port, so the
 * name carries it: two dashboards on one host keep separate cookies.
 */
export function cookieName(port: number): string {
  return `lakeshift_dashboard_${port}`;
}

function sameToken(given: string, expected: Buffer): boolean {
  const g = Buffer.from(given);
  return g.length === expected.length && timingSafeEqual(g, expected);
}

export interface AuthOutcome {
  ok: boolean;
  /** The token came in the URL: set the cookie (and, for a page, redirect to the URL without it). */
  fromQuery: boolean;
}

/**
 * Checks a request for the token: `?token=` in the URL, the cookie, or `Authorization: Bearer` (for
 * scripts). Constant-time comparison.
 */
export function checkAccess(request: FastifyRequest, token: string, port: number): AuthOutcome {
  const expected = Buffer.from(token);
  const query = request.query as Record<string, unknown> | undefined;
  const fromUrl = query?.['token'];
  if (typeof fromUrl === 'string' && sameToken(fromUrl, expected)) return { ok: true, fromQuery: true };
  const fromCookie = request.cookies[cookieName(port)];
  if (fromCookie !== undefined && sameToken(fromCookie, expected)) return { ok: true, fromQuery: false };
  const header = request.headers.authorization;
  if (header !== undefined && header.startsWith('Bearer ') && sameToken(header.slice(7), expected)) return { ok: true, fromQuery: false };
  return { ok: false, fromQuery: false };
}

/** Sets the access cookie: HttpOnly, SameSite=Strict, whole site, for the browser session. */
export function setAccessCookie(reply: FastifyReply, token: string, port: number): void {
  reply.setCookie(cookieName(port), token, { httpOnly: true, sameSite: 'strict', path: '/', secure: false });
}

/** The request URL without its `token` parameter (for the redirect after the first visit). */
export function urlWithoutToken(rawUrl: string): string {
  const url = new URL(rawUrl, 'http://dashboard.invalid');
  url.searchParams.delete('token');
  return `${url.pathname}${url.search}`;
}

/** The request path without any query, for logs (the token can only ever be in the query). */
export function loggablePath(rawUrl: string): string {
  const i = rawUrl.indexOf('?');
  return i < 0 ? rawUrl : rawUrl.slice(0, i);
}
