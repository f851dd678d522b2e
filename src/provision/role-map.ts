import { z } from 'zod';
import { failWithIssues, parseJsonText } from './input-errors.js';

/**
 * Gen1 role assignments (`az role assignment list --scope ACCOUNT_ID`) and how each maps to Gen2.
 * On Gen1 only Owner made a caller a superuser; every other role's data access came from ACLs. On
 * Gen2 a data role (Storage Blob Data Reader/Contributor/Owner) is evaluated before ACLs and grants on
 * its own (domain.md 2.3), so granting one "to match Gen1" widens access: only Owner gets one.
 */

const HINT = 'Give the output of `az role assignment list --scope ACCOUNT_ID` (a JSON list).';
const str = z.string({ error: () => 'must be a string' });

export const roleAssignmentSchema = z.object({
  principalId: str.regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be an object ID (GUID)'),
  principalName: str.nullish(),
  principalType: z.enum(['User', 'Group', 'ServicePrincipal', 'ForeignGroup', 'Device'], { error: () => 'must be User, Group, ServicePrincipal, ForeignGroup or Device' }).nullish(),
  roleDefinitionName: str.min(1, 'must not be empty'),
  roleDefinitionId: str.nullish(),
  scope: str.regex(/^\//, "must be a scope starting with '/'"),
  condition: str.nullish(),
});
export type RoleAssignment = z.infer<typeof roleAssignmentSchema>;

/** Built-in role definition IDs (the same in every Azure tenant). */
export const ROLE_IDS: Readonly<Record<string, string>> = {
  Owner: '8e3af657-a8ff-443c-a75c-2fe8c4bcb635',
  Contributor: 'b24988ac-6180-42a0-ab88-20f7382dd24c',
  Reader: 'acdd72a7-3385-48ef-bd42-f606fba81ae7',
  'User Access Administrator': '18d7d88d-d35e-4fb5-a5c3-7773c6a72d9d',
  'Storage Blob Data Owner': 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
  'Key Vault Crypto Service Encryption User': 'e147488a-f6f5-4113-8e2d-b22465e65bf6',
};

/** The Gen2 data roles; only a Gen1 Owner (superuser) is ever given one. */
export const DATA_ROLES = new Set(['Storage Blob Data Owner', 'Storage Blob Data Contributor', 'Storage Blob Data Reader']);

/** Gen1 role -> Gen2 roles at the storage account, with the reason (docs/provision.md has the table). */
export const ROLE_MAPPING: Readonly<Record<string, { roles: string[]; reason: string }>> = {
  Owner: { roles: ['Owner', 'Storage Blob Data Owner'], reason: 'a Gen1 Owner is a superuser (every ACL check passes); on Gen2 that is Storage Blob Data Owner, and Owner keeps the control plane' },
  Contributor: { roles: ['Contributor'], reason: 'control plane only: its Gen1 data access came from ACLs, which migrate carries; a Gen2 data role would take precedence over those ACLs' },
  Reader: { roles: ['Reader'], reason: 'control plane only: its Gen1 data access came from ACLs; Storage Blob Data Reader would let it read every file regardless of ACLs' },
  'User Access Administrator': { roles: ['User Access Administrator'], reason: 'manages role assignments on both; no data access on either' },
};

export interface MappedRole {
  principalId: string;
  principalName?: string;
  principalType?: string;
  gen1Role: string;
  gen2Role: string;
  reason: string;
}

export interface UnmappedRole {
  principalId: string;
  principalName?: string;
  gen1Role: string;
  scope: string;
  why: string;
  action: string;
}

export interface RoleMapping {
  mapped: MappedRole[];
  /** Reported, never dropped silently: a person decides (exit 1 when any). */
  unmapped: UnmappedRole[];
  /** Assignments inherited from a resource group, subscription or management group. */
  inherited: UnmappedRole[];
}

/** Parses role assignment JSON; throws StorageError('invalid-argument') naming the file and field. */
export function parseRoleAssignments(text: string, fileName: string): RoleAssignment[] {
  const doc = parseJsonText(text, fileName, HINT);
  const result = z.array(roleAssignmentSchema, { error: () => 'must be a list of role assignments' }).safeParse(doc);
  if (!result.success) failWithIssues(result.error, fileName, HINT);
  return result.data;
}

/** Maps role assignments made at the Gen1 account (accountId) to Gen2 roles; see ROLE_MAPPING. */
export function mapRoles(assignments: readonly RoleAssignment[], accountId: string | undefined): RoleMapping {
  const out: RoleMapping = { mapped: [], unmapped: [], inherited: [] };
  const seen = new Set<string>();
  for (const a of assignments) {
    const who = { principalId: a.principalId, ...(a.principalName ? { principalName: a.principalName } : {}) };
    const atAccount = accountId === undefined ? /\/providers\/Microsoft\.DataLakeStore\/accounts\/[^/]+$/i.test(a.scope) : a.scope.toLowerCase() === accountId.toLowerCase();
    if (!atAccount) {
      out.inherited.push({ ...who, gen1Role: a.roleDefinitionName, scope: a.scope, why: 'assigned above the account (inherited)', action: 'not re-created: it applies to the Gen2 account too when that account is in the same scope; check that it is meant to' });
      continue;
    }
    const rule = ROLE_MAPPING[a.roleDefinitionName];
    if (rule === undefined || (a.condition !== undefined && a.condition !== null)) {
      out.unmapped.push({
        ...who, gen1Role: a.roleDefinitionName, scope: a.scope,
        why: rule === undefined ? 'not a role lakeshift knows how to carry (a custom or service-specific role)' : 'the assignment has a condition, which Gen2 storage evaluates differently',
        action: 'decide by hand: grant a Gen2 control-plane role if it managed the account; grant no data role (ACLs carry its data access)',
      });
      continue;
    }
    for (const role of rule.roles) {
      const key = `${a.principalId}|${role}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.mapped.push({ ...who, ...(a.principalType ? { principalType: a.principalType } : {}), gen1Role: a.roleDefinitionName, gen2Role: role, reason: rule.reason });
    }
  }
  return out;
}
