import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { plausible, request, RUNS, sendRaw } from './requests.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GEN1_EMULATOR_ADMIN_OID, startGen1Emulator, type Gen1Emulator } from '../../src/emulators/gen1/index.js';
import { startGen2Emulator, type Gen2Emulator } from '../../src/emulators/gen2/index.js';
import { GEN1_AUDIENCE, mintToken } from '../../src/emulators/kit/jwt.js';

// Random requests against both emulators, each keeping its data in a folder of its own: whatever
// arrives, the server answers with a status the real service could give (never a 500, never a
// dropped connection), keeps serving, and writes nothing outside its data folder.


let root: string;
let gen1: Gen1Emulator;
let gen2: Gen2Emulator;
let gen1Token: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'lakeshift-fuzz-'));
  gen1 = await startGen1Emulator({ location: join(root, 'gen1-data') });
  gen2 = await startGen2Emulator({ location: join(root, 'gen2-data'), anonymous: true });
  gen1Token = mintToken({ oid: GEN1_EMULATOR_ADMIN_OID, audience: GEN1_AUDIENCE });
  const made = await sendRaw(gen2.url, 'PUT', '/devstoreaccount1/fuzz?restype=container', {}, Buffer.alloc(0));
  expect(made?.status).toBe(201);
});
afterAll(async () => {
  await gen1?.close();
  await gen2?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('fuzz: emulator request parsing', () => {
  it('Gen1: any request gets a plausible answer, never a 500', async () => {
    await fc.assert(
      fc.asyncProperty(request, fc.boolean(), fc.constantFrom('/webhdfs/v1', '/WebHdfsExt', ''), async (r, withToken, prefix) => {
        const path = `${prefix}${r.path}${r.query === '' ? '' : `?${r.query}`}`;
        const h = withToken ? { ...r.headers, Authorization: `Bearer ${gen1Token}` } : r.headers;
        const res = await sendRaw(gen1.url, r.method, path, h, r.body);
        if (res === undefined) return;
        expect(plausible(res.status), `${r.method} ${path} -> ${res.status} ${res.body.slice(0, 300)}`).toBe(true);
      }),
      { numRuns: RUNS },
    );
    const alive = await sendRaw(gen1.url, 'GET', '/webhdfs/v1/?op=GETFILESTATUS', { Authorization: `Bearer ${gen1Token}` }, Buffer.alloc(0));
    expect(alive?.status).toBe(200);
  });

  it('Gen2: any request gets a plausible answer, never a 500', async () => {
    await fc.assert(
      fc.asyncProperty(request, fc.constantFrom('/devstoreaccount1/fuzz', '/devstoreaccount1', ''), async (r, prefix) => {
        const path = `${prefix}${r.path}${r.query === '' ? '' : `?${r.query}`}`;
        const res = await sendRaw(gen2.url, r.method, path, r.headers, r.body);
        if (res === undefined) return;
        expect(plausible(res.status), `${r.method} ${path} ${JSON.stringify(r.headers)} -> ${res.status} ${res.body.slice(0, 300)}`).toBe(true);
      }),
      { numRuns: RUNS },
    );
    const alive = await sendRaw(gen2.url, 'GET', '/devstoreaccount1/fuzz?restype=container&comp=list', {}, Buffer.alloc(0));
    expect(alive?.status).toBe(200);
  });

  it('neither emulator wrote anything outside its data folder', () => {
    expect(readdirSync(root).sort()).toEqual(['gen1-data', 'gen2-data']);
  });
});
