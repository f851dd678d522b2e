import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CATALOG, probe } from './operations-catalog.js';
import { DOC_PATH, renderOperationsDoc } from './operations-doc.js';

describe('docs/emulator-gen2-operations.md', () => {
  it('is what the router answers today (run `npm run docs:gen2-ops` after changing the router)', () => {
    expect(readFileSync(DOC_PATH, 'utf8')).toBe(renderOperationsDoc());
  });

  it('lists each operation once, and a "partial" note only where the router serves the request', () => {
    const names = CATALOG.map((e) => `${e.endpoint}/${e.operation}`);
    expect(new Set(names).size).toBe(names.length);
    for (const e of CATALOG) if (e.partial !== undefined || e.note !== undefined) expect(probe(e), e.operation).toMatchObject({ kind: 'served' });
  });

  it('names every operation the router serves (no served operation missing from the page)', () => {
    const served = new Set(CATALOG.map(probe).flatMap((o) => (o.kind === 'served' ? [o.name] : [])));
    // Operation names that appear in router.ts as op('Name', ...).
    const source = readFileSync(new URL('./router.ts', import.meta.url), 'utf8');
    const inRouter = new Set([...source.matchAll(/op\('([A-Za-z]+)'/g)].map((m) => m[1] ?? ''));
    for (const name of ['GetStatus', 'GetAccessControl', 'GetBlob', 'GetBlobProperties', 'DeletePath', 'DeleteBlob']) inRouter.add(name);
    for (const name of inRouter) if (name !== '') expect(served, `router operation ${name}`).toContain(name);
  });
});
