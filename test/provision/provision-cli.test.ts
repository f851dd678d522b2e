import { mkdtempSync, readFileSync, readdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAclSpec } from '../../src/core/acl.js';
import { runCliCaptured } from '../../src/cli/test-support.js';
import { startGen1Emulator, type Gen1Emulator } from '../../src/emulators/gen1/index.js';
import { DEV_ACCOUNT, startGen2Emulator, type Gen2Emulator } from '../../src/emulators/gen2/index.js';
import { openGen1 } from '../migrate-helpers.js';

const FIX = join(import.meta.dirname, 'fixtures');
let work: string;
let gen1: Gen1Emulator;
let gen2: Gen2Emulator;
let planFile: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'lakeshift-provision-'));
  gen1 = await startGen1Emulator({ port: 0, inMemory: true });
  gen2 = await startGen2Emulator({ port: 0, inMemory: true });
  const g1 = openGen1(gen1.url, '');
  await g1.mkdir('raw');
  await g1.mkdir('curated');
  await g1.setAcl('raw', parseAclSpec('user::rwx,group::r-x,other::---,default:user::rwx,default:group::r-x,default:other::---'));
  await g1.close();
  planFile = join(work, 'plan.yaml');
  writeFileSync(planFile, readFileSync(join(FIX, 'plan.yaml'), 'utf8').replace('adl://contosogen1.azuredatalakestore.net/', `${gen1.url}/webhdfs/v1/`));
});

afterAll(async () => {
  await gen1.close();
  await gen2.close();
  rmSync(work, { recursive: true, force: true });
});

const base = (out: string): string[] => ['provision', '--gen1-account', join(FIX, 'accounts/firewall-on.az.json'), '--plan', planFile, '--name', 'contosogen2', '--out', out];

describe('lakeshift provision (CLI)', () => {
  it('writes the chosen formats and the report into --out only, with the root ACLs read from Gen1; exit 1 names the role it could not carry', async () => {
    const out = join(work, 'out1');
    const r = await runCliCaptured([...base(out), '--role-assignments', join(FIX, 'roles.json'), '--format', 'terraform,arm']);
    expect(r.err).toBe('');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/NOT CARRIED: dddddddd-0000-4000-8000-000000000004 \(lake-ops\) role 'Data Lake Janitor \(custom\)'/);
    expect(readdirSync(out).sort()).toEqual(['azuredeploy.json', 'main.tf', 'provision-report.json', 'provision-report.md']);
    expect(readFileSync(join(out, 'main.tf'), 'utf8')).toMatch(/scope {7}= "default"/);
    expect(readdirSync(work).sort()).toEqual(['out1', 'plan.yaml']);
  });

  it('without role assignments and with --no-root-acls: exit 0, nothing read from Gen1', async () => {
    const out = join(work, 'out2');
    const r = await runCliCaptured([...base(out), '--no-root-acls', '--format', 'bicep', '--source', 'http://127.0.0.1:9/webhdfs/v1/', '--output', 'json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ account: 'contosogen2', filesystems: [{ name: 'curated', rootAcl: 'set by prepare' }, { name: 'raw', rootAcl: 'set by prepare' }] });
  });

  const bad: [string, (dir: string) => string[], RegExp][] = [
    ['GRS is refused with the reason', (d) => [...base(d), '--replication', 'GRS', '--no-root-acls'], /--replication GRS refused\. .*compatibility layer does not work on a GRS account/],
    ['malformed account JSON names the field', (d) => {
      const f = join(work, 'bad-account.json');
      const doc = JSON.parse(readFileSync(join(FIX, 'accounts/firewall-on.az.json'), 'utf8')) as { firewallRules: { startIpAddress: string }[] };
      const rule = doc.firewallRules[1];
      if (rule !== undefined) rule.startIpAddress = '52.10.0';
      writeFileSync(f, JSON.stringify(doc));
      return ['provision', '--gen1-account', f, '--plan', planFile, '--name', 'contosogen2', '--out', d];
    }, /bad-account\.json: firewallRules\[1\]\.startIpAddress: must be an IPv4 address/],
    ['an account file that is not JSON', (d) => {
      const f = join(work, 'not.json');
      writeFileSync(f, '{ "name": ');
      return ['provision', '--gen1-account', f, '--plan', planFile, '--name', 'contosogen2', '--out', d];
    }, /not\.json: not valid JSON/],
    ['malformed role assignments name the field', (d) => {
      const f = join(work, 'bad-roles.json');
      writeFileSync(f, JSON.stringify([{ principalId: 'not-a-guid', roleDefinitionName: 'Owner', scope: '/x' }]));
      return [...base(d), '--role-assignments', f, '--no-root-acls'];
    }, /bad-roles\.json: \[0\]\.principalId: must be an object ID \(GUID\)/],
    ['a bad account name', (d) => ['provision', '--gen1-account', join(FIX, 'accounts/firewall-on.az.json'), '--plan', planFile, '--name', 'Bad_Name', '--out', d], /--name 'Bad_Name' must be a storage account name/],
    ['an unknown format', (d) => [...base(d), '--format', 'pulumi'], /--format: unknown format 'pulumi'/],
  ];
  for (const [what, args, message] of bad) {
    it(`${what}: exit 2, one line, nothing written`, async () => {
      const out = join(work, `bad-${what.replace(/\W+/g, '-')}`);
      const r = await runCliCaptured(args(out));
      expect(r.code).toBe(2);
      expect(r.err).toMatch(message);
      expect(r.err).not.toMatch(/\n\s+at /);
      expect(readdirSync(work).some((n) => n.startsWith('bad-') && !n.endsWith('.json'))).toBe(false);
    });
  }
});

describe('lakeshift prepare (CLI)', () => {
  it('prepares the emulator, then a second run reports nothing changed; exit 0', async () => {
    const dest = `${gen2.url}/${DEV_ACCOUNT}/raw`;
    const first = await runCliCaptured(['prepare', dest, '--plan', planFile]);
    expect(first.err).toBe('');
    expect(first.code).toBe(0);
    expect(first.out).toMatch(/raw: changed: create filesystem/);
    const second = await runCliCaptured(['prepare', dest, '--plan', planFile, '--output', 'json']);
    expect(second.code).toBe(0);
    const json = JSON.parse(second.out) as { changed: boolean; filesystems: { changes: string[] }[] };
    expect(json.changed).toBe(false);
    expect(json.filesystems.every((f) => f.changes.length === 0)).toBe(true);
  });
});
