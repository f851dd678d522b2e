import type { DashboardModule } from './types.js';

/**
 * An area whose capability has not landed in this build: its page and API say so (the API answers
 * 501 with the reason), and its checklist line is marked unavailable. Never fake data.
 */
export function upcomingModule(a: { id: string; title: string; reason: string; checklist?: string[] }): DashboardModule {
  return {
    id: a.id,
    title: a.title,
    path: `/${a.id}`,
    availability: () => Promise.resolve({ available: false, reason: a.reason }),
    register(app) {
      app.get(`/api/${a.id}`, async (_request, reply) => reply.code(501).send({ available: false, reason: a.reason }));
    },
    ...(a.checklist === undefined ? {} : {
      checklist: () => Promise.resolve((a.checklist ?? []).map((label) => ({ label, state: 'unavailable' as const, detail: a.reason }))),
    }),
  };
}

/** The areas other work is building; each is replaced by its real module when it lands. */
export const UPCOMING_MODULES: DashboardModule[] = [];
