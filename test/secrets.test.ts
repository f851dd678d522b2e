import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GEN1_EMULATOR_ADMIN_OID, startGen1Emulator, type Gen1Emulator } from '../src/emulators/gen1/index.js';
import { startGen2Emulator, type Gen2Emulator } from '../src/emulators/gen2/index.js';
import { mintToken } from '../src/emulators/kit/jwt.js';
import { seedLake } from '../src/seed/index.js';
import { openGen1 } from './migrate-helpers.js';
import { ACCOUNT, filesUnder, findLeaks, KEY, runSteps, SAS, secretsToFind, useBundledCli, TOKEN, wrongCodes, type Step } from './secrets-helpers.js';

/**
 * Secrets never appear in output, logs, reports or job records. Every command here runs as a user runs
 * it (a child process, debug logging on) with a SAS, an account key, a connection string, a bearer
 * token and a client secret in play; then every byte it printed and every file it wrote is searched
 * for each secret. The commands added later (provision, prepare, scale-out, gateway, dashboard,
 * cutover) are in secrets-ops.test.ts. Independent commands run three at a time.
 */

let gen1: Gen1Emulator;
let gen2: Gen2Emulator;
let work: string;
let unbundle: (() => void) | undefined;
const transcripts: { what: string; text: string }[] = [];

beforeAll(async () => {
  unbundle = await useBundledCli();
  work = mkdtempSync(join(tmpdir(), 'lakeshift-secrets-'));
  gen1 = await startGen1Emulator({ inMemory: true });
  gen2 = await startGen2Emulator({ inMemory: true, accounts: [{ name: ACCOUNT, key: KEY }] });
  const seeder = openGen1(gen1.url, 'lake');
  await seeder.mkdir('');
  await seedLake(seeder, { profile: 'small' });
  await seeder.close();
}, 120_000);

afterAll(async () => {
  unbundle?.();
  await gen1?.close();
  await gen2?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('secrets never leak', () => {
  it('through migrate, validate, assess, plan, bisync, drift, cutover and jobs, in success and in failure', async () => {
    const src = `${gen1.url}/webhdfs/v1/lake`;
    const dst = `${gen2.url}/${ACCOUNT}/secure`;
    const state = join(work, 'state');
    const bisyncState = join(work, 'state-bisync');
    const defaults = join(work, 'default-state');
    const token = TOKEN;
    const connectionString = `DefaultEndpointsProtocol=http;AccountName=${ACCOUNT};AccountKey=${KEY};BlobEndpoint=${gen2.url}/${ACCOUNT};`;
    const tamperedSas = SAS.replace(/sig=[^&]+/, `sig=${encodeURIComponent(`${new URLSearchParams(SAS).get('sig') ?? ''}AA`)}`);
    // Stages: the steps of one stage are independent of each other; each stage needs the ones before.
    const stages: Step[][] = [[
      // An account SAS cannot set ACLs (no 'o' permission): the run ends with those failures recorded (exit 1), and their messages are searched too.
      ['migrate, SAS in the URI', ['migrate', src, `${dst}?${SAS}`, '--gen1-token', token, '--state-dir', state], {}, [1]],
      ['assess with a report', ['assess', src, '--gen1-token', token, '--out', join(work, 'report'), '--format', 'html,md,json'], {}, [0, 1]],
      ['plan', ['plan', src, '--gen1-token', token, '--out', join(work, 'plan.yaml')], {}, [0]],
      ['bisync --resync', ['bisync', src, `${gen2.url}/${ACCOUNT}/twoway`, '--resync', '--gen1-token', token, '--account-key', KEY, '--state-dir', bisyncState, '--output', 'json'], {}, [0, 1]],
      ['cutover freeze --dry-run', ['cutover', 'freeze', src, '--dry-run', '--gen1-token', token, '--state-dir', state], {}, [0]],
      ['wrong account key', ['validate', src, dst, '--gen1-token', token, '--account-key', Buffer.from(`${KEY}x`).toString('base64')], {}, [3]],
      ['tampered SAS', ['validate', src, `${dst}?${tamperedSas}`, '--gen1-token', token], {}, [3]],
      ['Gen1 token for the wrong audience', ['validate', src, dst, '--gen1-token', mintToken({ oid: GEN1_EMULATOR_ADMIN_OID, audience: 'https://storage.azure.com' }), '--account-key', KEY], {}, [3]],
    ], [
      ['migrate --incremental, account key flag', ['migrate', src, dst, '--incremental', '--gen1-token', token, '--account-key', KEY, '--state-dir', state, '--output', 'json'], {}, [0]],
      ['bisync', ['bisync', src, `${gen2.url}/${ACCOUNT}/twoway`, '--gen1-token', token, '--state-dir', bisyncState], { AZURE_STORAGE_KEY: KEY }, [0, 1]],
    ], [
      ['validate, key from AZURE_STORAGE_KEY', ['validate', src, dst, '--checksum', '--gen1-token', token], { AZURE_STORAGE_KEY: KEY }, [0]],
      ['validate, connection string', ['validate', src, dst, '--output', 'json'], { LAKESHIFT_GEN1_TOKEN: token, AZURE_STORAGE_CONNECTION_STRING: connectionString }, [0]],
      // The account SAS cannot read ACLs either: validate reports those paths as errors (exit 1).
      ['validate, --sas', ['validate', src, dst, '--gen1-token', token, '--sas', SAS], {}, [1]],
      ['drift', ['drift', src, dst, '--gen1-token', token, '--account-key', KEY, '--state-dir', state, '--output', 'json'], {}, [0, 1]],
      ['cutover decommission-check (gate not passed)', ['cutover', 'decommission-check', src, dst, '--gen1-token', token, '--account-key', KEY, '--state-dir', state, '--workloads', join(work, 'plan.yaml')], {}, [6]],
    ], [
      ['jobs list', ['jobs', 'list', '--state-dir', state, '--output', 'json'], {}, [0]],
    ]];
    for (const steps of stages) {
      const ran = await runSteps(steps, defaults);
      expect(wrongCodes(steps, ran)).toEqual([]);
      for (const r of ran) transcripts.push({ what: r.what, text: `${r.out}\n${r.err}` });
    }
    const shows: Step[] = [];
    // (bisync keeps its pair records in its own job database, not as jobs: its files are searched below.)
    for (const [what, dir] of [['jobs list', state]] as const) {
      const jobs = JSON.parse(transcripts.find((t) => t.what === what)?.text.split('\n')[0] ?? '[]') as unknown;
      const ids = (Array.isArray(jobs) ? jobs : ((jobs as { jobs?: unknown[] }).jobs ?? [])).map((j) => (j as { id?: string }).id).filter((id): id is string => typeof id === 'string');
      expect(ids.length, what).toBeGreaterThan(0);
      for (const id of ids) shows.push([`jobs show ${id}`, ['jobs', 'show', id, '--state-dir', dir, '--output', 'json'], {}, [0]]);
    }
    const shown = await runSteps(shows, defaults);
    expect(wrongCodes(shows, shown)).toEqual([]);
    for (const r of shown) transcripts.push({ what: r.what, text: `${r.out}\n${r.err}` });

    expect(findLeaks(secretsToFind(), transcripts, work)).toEqual([]);
    // The search itself works: the transcripts and files are not empty, and a report and job database were written.
    expect(transcripts.every((t) => t.text.trim().length > 0)).toBe(true);
    const written = filesUnder(work).map((f) => f.path.slice(work.length + 1));
    expect(written.some((p) => p.endsWith('jobs.db'))).toBe(true);
    expect(written.some((p) => p.endsWith('.html'))).toBe(true);
  }, 240_000);
});
