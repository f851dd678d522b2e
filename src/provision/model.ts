import type { AclEntry } from '../core/acl-types.js';
import { StorageError } from '../core/errors.js';
import type { Plan } from '../plan/plan-schema.js';
import type { Gen1Account } from './gen1-account.js';
import { storageIpRules } from './ip-ranges.js';
import { mapRoles, type MappedRole, type RoleAssignment, type UnmappedRole } from './role-map.js';

/**
 * The Gen2 side as lakeshift proposes it, before any IaC syntax: built from the Gen1 account, its role
 * assignments and the plan. The three renderers (ARM, Bicep, Terraform) write this model and nothing else.
 */

/** Microsoft.Storage API version used by ARM and Bicep (stable in Azure/azure-rest-api-specs). */
export const STORAGE_API_VERSION = '2026-04-01';
export const IDENTITY_API_VERSION = '2024-11-30';
export const AUTHORIZATION_API_VERSION = '2022-04-01';

export type Replication = 'LRS' | 'ZRS';
export const REFUSED_REPLICATION = ['GRS', 'RAGRS', 'GZRS', 'RAGZRS'] as const;
export const GRS_REASON = "Gen2 accounts that receive a Gen1 migration must be LRS or ZRS: Microsoft's migration requires it and the Gen1 compatibility layer does not work on a GRS account (domain.md 1.3); turn geo-redundancy on after the migration if you do not use that layer.";

export interface RootAcl {
  owner: string;
  group: string;
  /** 12-bit mode with the sticky bit. */
  permissions: number;
  entries: AclEntry[];
}

export interface FilesystemModel {
  name: string;
  /** The root's access control after the identity map (undefined: not read; `prepare` sets it). */
  root?: RootAcl;
  /** Gen1 path the root ACL comes from ('' = the Gen1 account root). */
  rootSource: string;
}

export interface Finding {
  topic: string;
  gen1: string;
  todo: string;
}

export interface CustomerKey {
  keyVaultId: string;
  keyVaultName: string;
  keyVaultUri: string;
  keyName: string;
  /** The Gen1 key version, when pinned (Gen2 follows the latest version: automatic rotation). */
  gen1KeyVersion?: string;
  identityName: string;
}

export interface ProvisionModel {
  name: string;
  location: string;
  tags: Record<string, string>;
  replication: Replication;
  sharedKeyAccess: boolean;
  network: { defaultAction: 'Allow' | 'Deny'; bypassAzureServices: boolean; ipRules: string[]; subnetIds: string[] };
  customerKey?: CustomerKey;
  filesystems: FilesystemModel[];
  roles: MappedRole[];
  unmappedRoles: UnmappedRole[];
  inheritedRoles: UnmappedRole[];
  /** Everything without a Gen2 equivalent, with what to do instead. */
  findings: Finding[];
}

export interface ModelInput {
  account: Gen1Account;
  plan: Plan;
  name: string;
  replication?: string;
  roleAssignments?: readonly RoleAssignment[];
  /** Root ACL per filesystem (already through the identity map). */
  rootAcls?: ReadonlyMap<string, RootAcl>;
}

const STORAGE_NAME = /^[a-z0-9]{3,24}$/;

/** 'East US 2' (template export) and 'eastus2' (az) both become the ARM location 'eastus2'. */
export function normalizeLocation(location: string): string {
  return location.toLowerCase().replace(/\s+/g, '');
}

/** The Gen1 path whose ACL goes onto a filesystem root (migrate applies the same one). */
export function rootSourceOf(plan: Plan, filesystem: string): string {
  const atRoot = plan.datasets.filter((d) => d.target.filesystem === filesystem && d.target.path === '' && d.include === 'subtree');
  return atRoot.length === 1 && atRoot[0] !== undefined ? atRoot[0].sourcePath.replace(/^\/+|\/+$/g, '') : '';
}

/** Builds the model. Throws StorageError('invalid-argument') for a bad name or a refused replication. */
export function buildProvisionModel(input: ModelInput): ProvisionModel {
  const { account, plan } = input;
  if (!STORAGE_NAME.test(input.name)) throw new StorageError('invalid-argument', `--name '${input.name}' must be a storage account name: 3-24 lowercase letters and digits.`);
  const replication = (input.replication ?? 'LRS').toUpperCase();
  if ((REFUSED_REPLICATION as readonly string[]).includes(replication)) throw new StorageError('invalid-argument', `--replication ${replication} refused. ${GRS_REASON}`);
  if (replication !== 'LRS' && replication !== 'ZRS') throw new StorageError('invalid-argument', `--replication must be LRS or ZRS; got '${input.replication ?? ''}'.`);
  const findings: Finding[] = [];

  const firewallOn = account.firewallState === 'Enabled';
  const ipRules: string[] = [];
  for (const rule of account.firewallRules ?? []) {
    const { rules, refused } = storageIpRules(rule.startIpAddress, rule.endIpAddress);
    ipRules.push(...rules);
    if (firewallOn && refused.length > 0) findings.push({ topic: `firewall rule ${rule.name}`, gen1: `${rule.startIpAddress}-${rule.endIpAddress}`, todo: `Azure Storage IP rules take public addresses only; ${refused.join(', ')} left out: reach the account from that network through a virtual network rule or a private endpoint.` });
  }
  const subnetIds = (account.virtualNetworkRules ?? []).map((r) => r.subnetId);
  if (firewallOn && subnetIds.length > 0) findings.push({ topic: 'virtual network rules', gen1: `${subnetIds.length} subnet(s)`, todo: 'carried over; each subnet needs the Microsoft.Storage service endpoint (Gen1 used Microsoft.AzureActiveDirectory) before the deployment, or it fails.' });
  if (!firewallOn) findings.push({ topic: 'firewall', gen1: 'off', todo: 'the Gen2 account allows every network (defaultAction Allow), as Gen1 did; consider IP or virtual network rules, or a private endpoint.' });
  if (firewallOn && account.firewallAllowAzureIps === 'Enabled') findings.push({ topic: 'firewallAllowAzureIps', gen1: 'Enabled', todo: "becomes the AzureServices bypass, which admits trusted Microsoft services only (narrower than Gen1's all Azure IPs); services outside that list need a network rule or a resource instance rule." });

  let customerKey: CustomerKey | undefined;
  const enc = account.encryptionConfig;
  if (enc?.type === 'UserManaged' && enc.keyVaultMetaInfo !== undefined && enc.keyVaultMetaInfo !== null) {
    const kv = enc.keyVaultMetaInfo;
    const vaultName = kv.keyVaultResourceId.replace(/^.*\//, '');
    customerKey = {
      keyVaultId: kv.keyVaultResourceId, keyVaultName: vaultName, keyVaultUri: `https://${vaultName.toLowerCase()}.vault.azure.net`, keyName: kv.encryptionKeyName,
      ...(kv.encryptionKeyVersion ? { gen1KeyVersion: kv.encryptionKeyVersion } : {}), identityName: `${input.name}-cmk`,
    };
    findings.push({ topic: 'customer-managed key', gen1: `${vaultName}/${kv.encryptionKeyName}${kv.encryptionKeyVersion ? ` version ${kv.encryptionKeyVersion}` : ''}, Gen1 system-assigned identity`, todo: `a user-assigned identity ${customerKey.identityName} gets Key Vault Crypto Service Encryption User on the vault (an RBAC vault; for an access-policy vault grant it get, wrapKey and unwrapKey instead); the key is used versionless (automatic rotation). The ARM and Bicep role assignment assumes the vault is in the deployment's resource group; otherwise create it there (the Terraform does it directly).` });
  }
  if (account.encryptionState === 'Disabled') findings.push({ topic: 'encryption', gen1: 'Disabled', todo: 'Gen2 always encrypts at rest (Microsoft-managed keys here); nothing to do.' });

  if (account.trustedIdProviderState === 'Enabled' || (account.trustedIdProviders ?? []).length > 0) {
    const names = (account.trustedIdProviders ?? []).map((t) => `${t.name} (${t.idProvider})`).join(', ');
    findings.push({ topic: 'trusted identity providers', gen1: names === '' ? 'Enabled' : names, todo: 'Gen2 has none: it trusts only its own Microsoft Entra tenant. Invite external principals as B2B guests (or use Azure Lighthouse) and map their object IDs in the identity map.' });
  }
  const tier = account.newTier ?? account.currentTier;
  if (tier !== undefined && tier !== null && tier !== 'Consumption') findings.push({ topic: 'commitment tier', gen1: tier, todo: 'Gen2 has no commitment tiers; buy Azure Storage reserved capacity for the same saving.' });
  if (account.defaultGroup) findings.push({ topic: 'Gen1 default group', gen1: account.defaultGroup, todo: "Gen2 has no account default group; new items take their parent's group. prepare sets each filesystem root's group, so items created under it get that group." });
  findings.push({ topic: 'shared key access', gen1: 'Gen1 had none (Entra ID only)', todo: plan.options.allowSharedKeyAccess === true ? 'enabled because the plan says so: anyone with listKeys (Owner, Contributor, Storage Account Contributor) can then read and write every file regardless of ACLs.' : 'disabled (the plan does not allow it): lakeshift migrate and prepare use Entra ID with Storage Blob Data Owner; set options.allowSharedKeyAccess: true in the plan to enable it.' });

  const roles = mapRoles(input.roleAssignments ?? [], account.id);
  const fsNames = [...new Set(plan.datasets.map((d) => d.target.filesystem))].sort();
  const filesystems = fsNames.map((name): FilesystemModel => {
    const root = input.rootAcls?.get(name);
    return { name, rootSource: rootSourceOf(plan, name), ...(root === undefined ? {} : { root }) };
  });
  if (filesystems.some((f) => f.root !== undefined && (f.root.permissions & 0o1000) !== 0)) findings.push({ topic: 'sticky bit on a root', gen1: 'set', todo: 'Terraform ace blocks cannot set the sticky bit; lakeshift prepare sets it.' });

  return {
    name: input.name, location: normalizeLocation(account.location), tags: { ...(account.tags ?? {}) }, replication,
    sharedKeyAccess: plan.options.allowSharedKeyAccess === true,
    network: { defaultAction: firewallOn ? 'Deny' : 'Allow', bypassAzureServices: firewallOn ? account.firewallAllowAzureIps === 'Enabled' : true, ipRules: firewallOn ? ipRules : [], subnetIds: firewallOn ? subnetIds : [] },
    ...(customerKey === undefined ? {} : { customerKey }),
    filesystems, roles: roles.mapped, unmappedRoles: roles.unmapped, inheritedRoles: roles.inherited, findings,
  };
}
