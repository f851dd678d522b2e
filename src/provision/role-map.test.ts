import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DATA_ROLES, mapRoles, parseRoleAssignments } from './role-map.js';
import { rangeToCidrs, storageIpRules, ipToNumber } from './ip-ranges.js';

const ACCOUNT = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.DataLakeStore/accounts/a';
const guid = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

describe('role mapping', () => {
  it('never gives a Gen2 data role to anyone but a Gen1 Owner, and reports every role it does not map', () => {
    const names = ['Owner', 'Contributor', 'Reader', 'User Access Administrator', 'Storage Account Contributor', 'Data Lake Analytics Developer', 'Custom'];
    fc.assert(fc.property(fc.array(fc.record({ role: fc.constantFrom(...names), n: fc.nat(50) }), { maxLength: 30 }), (rows) => {
      const assignments = rows.map((r) => ({ principalId: guid(r.n), roleDefinitionName: r.role, scope: ACCOUNT }));
      const m = mapRoles(assignments, ACCOUNT);
      for (const x of m.mapped) if (DATA_ROLES.has(x.gen2Role)) expect(x.gen1Role).toBe('Owner');
      for (const a of assignments) {
        const accounted = m.mapped.some((x) => x.principalId === a.principalId && x.gen1Role === a.roleDefinitionName) || m.unmapped.some((u) => u.principalId === a.principalId && u.gen1Role === a.roleDefinitionName);
        expect(accounted).toBe(true);
      }
    }));
  });

  it('Reader and Contributor keep their control-plane role only; Owner also gets Storage Blob Data Owner', () => {
    const m = mapRoles([
      { principalId: guid(1), roleDefinitionName: 'Reader', scope: ACCOUNT },
      { principalId: guid(2), roleDefinitionName: 'Contributor', scope: ACCOUNT },
      { principalId: guid(3), roleDefinitionName: 'Owner', scope: ACCOUNT },
    ], ACCOUNT);
    expect(m.mapped.map((x) => `${x.gen1Role}->${x.gen2Role}`)).toEqual(['Reader->Reader', 'Contributor->Contributor', 'Owner->Owner', 'Owner->Storage Blob Data Owner']);
  });

  it('names the bad field of a role assignment', () => {
    expect(() => parseRoleAssignments('[{"principalId":"x","roleDefinitionName":"Owner","scope":"/"}]', 'r.json')).toThrow(/r\.json: \[0\]\.principalId: must be an object ID/);
    expect(() => parseRoleAssignments('{"a":1}', 'r.json')).toThrow(/r\.json: \(root\): must be a list of role assignments/);
  });
});

describe('IP ranges', () => {
  it('CIDR blocks cover exactly the range', () => {
    fc.assert(fc.property(fc.nat(2 ** 32 - 1), fc.nat(100_000), (start, len) => {
      const end = Math.min(start + len, 2 ** 32 - 1);
      const ip = (n: number): string => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
      const blocks = rangeToCidrs(ip(start), ip(end));
      let next = start;
      for (const b of blocks) {
        expect(ipToNumber(b.base)).toBe(next);
        next += 2 ** (32 - b.prefix);
      }
      expect(next).toBe(end + 1);
    }));
  });

  it('writes /31 and /32 as addresses and leaves private ranges out', () => {
    expect(storageIpRules('52.10.0.6', '52.10.0.9')).toEqual({ rules: ['52.10.0.6', '52.10.0.7', '52.10.0.8', '52.10.0.9'], refused: [] });
    expect(storageIpRules('10.0.0.0', '10.0.0.255')).toEqual({ rules: [], refused: ['10.0.0.0/24'] });
  });
});
