import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { AccountSASPermissions, AccountSASResourceTypes, AccountSASServices, generateAccountSASQueryParameters, StorageSharedKeyCredential } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GEN1_EMULATOR_ADMIN_OID, startGen1Emulator, type Gen1Emulator } from '../src/emulators/gen1/index.js';
import { startGen2Emulator, type Gen2Emulator } from '../src/emulators/gen2/index.js';
import { GEN1_AUDIENCE, mintToken } from '../src/emulators/kit/jwt.js';
import { seedLake } from '../src/seed/index.js';
import { openGen1 } from './migrate-helpers.js';

/**
 * Secrets never appear in output, logs, reports or job records. Every command here runs as a user runs
 * it (a child process, debug logging on) with a SAS, an account key, a connection string, a bearer
 * token and a client secret in play; then every byte it printed and every file it wrote is searched
 * for each secret (and for the parts a careless redaction would leave: the SAS signature, the token's
 * payload).
 */

const ROOT = resolve(import.meta.dirname, '..');
const ACCOUNT = 'secretacct';
const KEY = randomBytes(64).toString('base64');
const CLIENT_SECRET = `cs-${randomBytes(12).toString('hex')}`;

interface Ran { code: number; out: string; err: string }

function lakeshift(args: string[], env: Record<string, string>, stateDir: string): Promise<Ran> {
  return new Promise((done) => {
    execFile(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args], {
      cwd: ROOT,
      env: { ...process.env, LAKESHIFT_STATE_DIR: stateDir, LAKESHIFT_LOG_LEVEL: 'debug', AZURE_CLIENT_ID: '00000000-0000-4000-8000-00000000c11e', AZURE_TENANT_ID: '00000000-0000-4000-8000-0000000000aa', AZURE_CLIENT_SECRET: CLIENT_SECRET, ...env },
      maxBuffer: 64 * 1024 * 1024,
    }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 99;
      done({ code, out: stdout, err: stderr });
    });
  });
}

/** Every file under `dir`, read as bytes (job databases, reports, plans, logs). */
function filesUnder(dir: string): { path: string; bytes: Buffer }[] {
  const out: { path: string; bytes: Buffer }[] = [];
  const visit = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) visit(p);
      else out.push({ path: p, bytes: readFileSync(p) });
    }
  };
  visit(dir);
  return out;
}

let gen1: Gen1Emulator;
let gen2: Gen2Emulator;
let work: string;
let token: string;
let sas: string;
let secrets: Record<string, string>;
const transcripts: { what: string; text: string }[] = [];

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'lakeshift-secrets-'));
  gen1 = await startGen1Emulator({ inMemory: true });
  gen2 = await startGen2Emulator({ inMemory: true, accounts: [{ name: ACCOUNT, key: KEY }] });
  const seeder = openGen1(gen1.url, 'lake');
  await seeder.mkdir('');
  await seedLake(seeder, { profile: 'small' });
  await seeder.close();
  token = mintToken({ oid: GEN1_EMULATOR_ADMIN_OID, audience: GEN1_AUDIENCE, ttlSeconds: 3600 });
  sas = generateAccountSASQueryParameters({
    permissions: AccountSASPermissions.parse('rwdlacup'),
    services: AccountSASServices.parse('b').toString(),
    resourceTypes: AccountSASResourceTypes.parse('sco').toString(),
    expiresOn: new Date(Date.now() + 3600_000),
    version: '2021-12-02',
  }, new StorageSharedKeyCredential(ACCOUNT, KEY)).toString();
  const signature = new URLSearchParams(sas).get('sig') ?? '';
  const payload = token.split('.')[1] ?? '';
  secrets = {
    'account key': KEY,
    'account key (URL-encoded)': encodeURIComponent(KEY),
    'SAS signature': signature,
    'SAS signature (URL-encoded)': encodeURIComponent(signature),
    'bearer token': token,
    'bearer token payload': payload,
    'client secret': CLIENT_SECRET,
  };
}, 120_000);

afterAll(async () => {
  await gen1?.close();
  await gen2?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('secrets never leak', () => {
  it('through migrate, validate, assess, plan, bisync, drift, cutover and jobs, in success and in failure', async () => {
    const src = `${gen1.url}/webhdfs/v1/lake`;
    const dst = `${gen2.url}/${ACCOUNT}/secure`;
    const state = join(work, 'state');
    const connectionString = `DefaultEndpointsProtocol=http;AccountName=${ACCOUNT};AccountKey=${KEY};BlobEndpoint=${gen2.url}/${ACCOUNT};`;
    const runs: [string, string[], Record<string, string>, number[]][] = [
      // An account SAS cannot set ACLs (no 'o' permission): the run ends with those failures recorded (exit 1), and their messages are searched too.
      ['migrate, SAS in the URI', ['migrate', src, `${dst}?${sas}`, '--gen1-token', token, '--state-dir', state], {}, [1]],
      ['migrate --incremental, account key flag', ['migrate', src, dst, '--incremental', '--gen1-token', token, '--account-key', KEY, '--state-dir', state, '--output', 'json'], {}, [0]],
      ['validate, key from AZURE_STORAGE_KEY', ['validate', src, dst, '--checksum', '--gen1-token', token], { AZURE_STORAGE_KEY: KEY }, [0]],
      ['validate, connection string', ['validate', src, dst, '--output', 'json'], { LAKESHIFT_GEN1_TOKEN: token, AZURE_STORAGE_CONNECTION_STRING: connectionString }, [0]],
      // The account SAS cannot read ACLs either: validate reports those paths as errors (exit 1).
      ['validate, --sas', ['validate', src, dst, '--gen1-token', token, '--sas', sas], {}, [1]],
      ['assess with a report', ['assess', src, '--gen1-token', token, '--out', join(work, 'report'), '--format', 'html,md,json'], {}, [0, 1]],
      ['plan', ['plan', src, '--gen1-token', token, '--out', join(work, 'plan.yaml')], {}, [0]],
      ['bisync --resync', ['bisync', src, `${gen2.url}/${ACCOUNT}/twoway`, '--resync', '--gen1-token', token, '--account-key', KEY, '--state-dir', state, '--output', 'json'], {}, [0, 1]],
      ['bisync', ['bisync', src, `${gen2.url}/${ACCOUNT}/twoway`, '--gen1-token', token, '--state-dir', state], { AZURE_STORAGE_KEY: KEY }, [0, 1]],
      ['drift', ['drift', src, dst, '--gen1-token', token, '--account-key', KEY, '--state-dir', state, '--output', 'json'], {}, [0, 1]],
      ['cutover freeze --dry-run', ['cutover', 'freeze', src, '--dry-run', '--gen1-token', token, '--state-dir', state], {}, [0]],
      ['cutover decommission-check (gate not passed)', ['cutover', 'decommission-check', src, dst, '--gen1-token', token, '--account-key', KEY, '--state-dir', state, '--workloads', join(work, 'plan.yaml')], {}, [6]],
      ['jobs list', ['jobs', 'list', '--state-dir', state, '--output', 'json'], {}, [0]],
      ['wrong account key', ['validate', src, dst, '--gen1-token', token, '--account-key', Buffer.from(`${KEY}x`).toString('base64')], {}, [3]],
      ['tampered SAS', ['validate', src, `${dst}?${sas.replace(/sig=[^&]+/, `sig=${encodeURIComponent(`${new URLSearchParams(sas).get('sig') ?? ''}AA`)}`)}`, '--gen1-token', token], {}, [3]],
      ['Gen1 token for the wrong audience', ['validate', src, dst, '--gen1-token', mintToken({ oid: GEN1_EMULATOR_ADMIN_OID, audience: 'https://storage.azure.com' }), '--account-key', KEY], {}, [3]],
    ];
    for (const [what, args, env, codes] of runs) {
      const ran = await lakeshift(args, env, join(work, 'default-state'));
      expect(codes, `${what}: exit ${ran.code}\n${ran.out.slice(0, 1500)}${ran.err.slice(-1500)}`).toContain(ran.code);
      transcripts.push({ what, text: `${ran.out}\n${ran.err}` });
    }
    const jobs = JSON.parse(transcripts.find((t) => t.what === 'jobs list')?.text.split('\n')[0] ?? '[]') as unknown;
    const ids = (Array.isArray(jobs) ? jobs : ((jobs as { jobs?: unknown[] }).jobs ?? [])).map((j) => (j as { id?: string }).id).filter((id): id is string => typeof id === 'string');
    expect(ids.length).toBeGreaterThan(0);
    for (const id of ids) {
      const shown = await lakeshift(['jobs', 'show', id, '--state-dir', state, '--output', 'json'], {}, join(work, 'default-state'));
      expect(shown.code).toBe(0);
      transcripts.push({ what: `jobs show ${id}`, text: `${shown.out}\n${shown.err}` });
    }

    const leaks: string[] = [];
    for (const [name, secret] of Object.entries(secrets)) {
      if (secret.length < 8) continue;
      for (const t of transcripts) if (t.text.includes(secret)) leaks.push(`${name} in the output of '${t.what}'`);
      for (const f of filesUnder(work)) if (f.bytes.includes(Buffer.from(secret))) leaks.push(`${name} in ${f.path.slice(work.length + 1)}`);
    }
    expect(leaks).toEqual([]);
    // The search itself works: the transcripts and files are not empty, and a report and job database were written.
    expect(transcripts.every((t) => t.text.trim().length > 0)).toBe(true);
    const written = filesUnder(work).map((f) => f.path.slice(work.length + 1));
    expect(written.some((p) => p.endsWith('jobs.db'))).toBe(true);
    expect(written.some((p) => p.endsWith('.html'))).toBe(true);
  }, 240_000);
});
