import { readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAclSpec } from '../../src/core/acl.js';
import { translateAcl } from '../../src/engine/acl-translate.js';
import { parsePlanText } from '../../src/plan/load-plan.js';
import { DATA_ROLES, generateProvision, mergedIdentityMap, parseGen1Account, parseRoleAssignments, type RootAcl } from '../../src/provision/index.js';
import { checkTerraform, validateArmResource, validateArmTemplate } from './schema-check.js';

const FIX = join(import.meta.dirname, 'fixtures');
const read = (p: string): string => readFileSync(join(FIX, p), 'utf8');
const plan = parsePlanText(read('plan.yaml'), 'plan.yaml');
const roles = parseRoleAssignments(read('roles.json'), 'roles.json');
// Set LAKESHIFT_UPDATE_EXPECTED=1 to rewrite the expected files (then review the diff by eye).
const UPDATE = process.env['LAKESHIFT_UPDATE_EXPECTED'] === '1';

/** Gen1 root ACLs as GETACLSTATUS would return them, through the plan's identity map. */
function rootAcls(): Map<string, RootAcl> {
  const map = mergedIdentityMap(plan, undefined);
  const raw = translateAcl({
    owner: '9f1c2d3e-0000-4000-8000-000000000001', group: '9f1c2d3e-0000-4000-8000-000000000002', permissions: 0o750,
    entries: parseAclSpec('user::rwx,user:9f1c2d3e-0000-4000-8000-000000000001:r-x,group::r-x,mask::r-x,other::---,default:user::rwx,default:group::r-x,default:group:9f1c2d3e-0000-4000-8000-000000000002:r-x,default:mask::r-x,default:other::---'),
  }, 'directory', { identityMap: map });
  const curated = translateAcl({ owner: '$superuser', group: '$superuser', permissions: 0o1770, entries: parseAclSpec('user::rwx,group::rwx,other::---') }, 'directory', { identityMap: map });
  const pick = (t: typeof raw): RootAcl => ({ owner: t.owner, group: t.group, permissions: t.permissions, entries: t.entries });
  return new Map([['raw', pick(raw)], ['curated', pick(curated)]]);
}

const CASES = [
  { name: 'firewall-on', file: 'accounts/firewall-on.az.json', replication: 'ZRS' },
  { name: 'firewall-off', file: 'accounts/firewall-off.az.json' },
  { name: 'cmk', file: 'accounts/cmk.arm-get.json' },
  { name: 'trusted-idp', file: 'accounts/trusted-idp.export.json' },
] as const;

describe('lakeshift provision: generated IaC', () => {
  for (const c of CASES) {
    it(`${c.name}: equals the expected files, ARM valid against Azure's schemas, Terraform parses with azurerm 4.x attributes only`, async () => {
      const account = parseGen1Account(read(c.file), c.file);
      const { files } = generateProvision({
        account, plan, name: 'contosogen2', formats: ['bicep', 'terraform', 'arm'], roleAssignments: roles, rootAcls: rootAcls(),
        ...('replication' in c ? { replication: c.replication } : {}),
      });
      const dir = join(FIX, 'expected', c.name);
      for (const [name, text] of files) {
        const path = join(dir, name);
        if (UPDATE || !existsSync(path)) {
          if (!UPDATE) throw new Error(`missing expected file ${path}; run with LAKESHIFT_UPDATE_EXPECTED=1 and review it`);
          mkdirSync(dir, { recursive: true });
          writeFileSync(path, text);
        }
        expect(text, name).toBe(readFileSync(path, 'utf8'));
      }
      const template = JSON.parse(files.get('azuredeploy.json') ?? '') as { resources: Record<string, unknown>[] };
      for (const r of template.resources) expect(validateArmResource(r)).toEqual([]);
      expect(validateArmTemplate(template)).toEqual([]);
      const tf = await checkTerraform(files.get('main.tf') ?? '');
      expect(tf.problems).toEqual([]);
      // Every Gen1 role at the account is either mapped or reported; none silently dropped.
      const report = JSON.parse(files.get('provision-report.json') ?? '') as { roles: { principalId: string; gen2Role: string; gen1Role: string }[]; unmappedRoles: { principalId: string }[]; inheritedRoles: { principalId: string }[] };
      const accounted = new Set([...report.roles, ...report.unmappedRoles, ...report.inheritedRoles].map((r) => r.principalId));
      for (const r of roles) expect(accounted.has(r.principalId), r.principalId).toBe(true);
      for (const r of report.roles) if (DATA_ROLES.has(r.gen2Role)) expect(r.gen1Role).toBe('Owner');
    });
  }

  it('the checks can fail: a wrong ARM value and an attribute azurerm does not have are caught', async () => {
    const account = parseGen1Account(read('accounts/firewall-on.az.json'), 'a.json');
    const { files } = generateProvision({ account, plan, name: 'contosogen2', formats: ['arm', 'terraform'] });
    const template = JSON.parse(files.get('azuredeploy.json') ?? '') as { resources: Record<string, unknown>[] };
    const sa = template.resources.find((r) => r['type'] === 'Microsoft.Storage/storageAccounts') ?? {};
    expect(validateArmResource({ ...sa, properties: { ...(sa['properties'] as object), minimumTlsVersion: 'TLS1_9' } }).join('\n')).toMatch(/minimumTlsVersion/);
    expect(validateArmResource({ ...sa, kind: 'DataLakeGen1' }).join('\n')).toMatch(/kind/);
    const broken = (files.get('main.tf') ?? '').replace('is_hns_enabled', 'hns_enabled');
    expect((await checkTerraform(broken)).problems).toContain('azurerm_storage_account.gen2.hns_enabled: not an attribute of the provider schema');
    const nested = (files.get('main.tf') ?? '').replace('virtual_network_subnet_ids', 'subnet_ids');
    expect((await checkTerraform(nested)).problems.join('\n')).toMatch(/network_rules\[0\]\.subnet_ids/);
  });
});
