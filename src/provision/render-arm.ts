import { formatAclSpecForIac } from './iac-common.js';
import { AUTHORIZATION_API_VERSION, GRS_REASON, IDENTITY_API_VERSION, STORAGE_API_VERSION, type ProvisionModel } from './model.js';
import { ROLE_IDS } from './role-map.js';

/**
 * ARM JSON (deploymentTemplate 2019-04-01) for the model: the account, its containers, the CMK identity
 * and role assignments. ARM cannot set ACLs; `lakeshift prepare` does (the metadata says so).
 */

type Json = Record<string, unknown>;

const roleDefinition = (role: string): string => `[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '${ROLE_IDS[role] ?? role}')]`;

export function renderArm(model: ProvisionModel): Json {
  const account = `[resourceId('Microsoft.Storage/storageAccounts', '${model.name}')]`;
  const identityId = `[resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', '${model.customerKey?.identityName ?? ''}')]`;
  const resources: Json[] = [];
  const cmk = model.customerKey;
  if (cmk !== undefined) {
    resources.push({ type: 'Microsoft.ManagedIdentity/userAssignedIdentities', apiVersion: IDENTITY_API_VERSION, name: cmk.identityName, location: "[parameters('location')]", tags: model.tags, properties: {} });
    resources.push({
      type: 'Microsoft.Authorization/roleAssignments', apiVersion: AUTHORIZATION_API_VERSION,
      name: `[guid('${cmk.keyVaultId}', '${cmk.identityName}', '${ROLE_IDS['Key Vault Crypto Service Encryption User'] ?? ''}')]`,
      scope: `Microsoft.KeyVault/vaults/${cmk.keyVaultName}`,
      dependsOn: [identityId],
      properties: { roleDefinitionId: roleDefinition('Key Vault Crypto Service Encryption User'), principalId: `[reference(${identityId.slice(1, -1)}, '${IDENTITY_API_VERSION}').principalId]`, principalType: 'ServicePrincipal', description: 'lakeshift: the storage account reads its customer-managed key (wrap/unwrap) through this identity' },
    });
  }
  const properties: Json = {
    isHnsEnabled: true,
    minimumTlsVersion: 'TLS1_2',
    supportsHttpsTrafficOnly: true,
    allowBlobPublicAccess: false,
    allowSharedKeyAccess: model.sharedKeyAccess,
    defaultToOAuthAuthentication: !model.sharedKeyAccess,
    accessTier: 'Hot',
    networkAcls: {
      defaultAction: model.network.defaultAction,
      bypass: model.network.bypassAzureServices ? 'AzureServices' : 'None',
      ipRules: model.network.ipRules.map((value) => ({ value, action: 'Allow' })),
      virtualNetworkRules: model.network.subnetIds.map((id) => ({ id, action: 'Allow' })),
    },
    encryption: cmk === undefined
      ? { keySource: 'Microsoft.Storage', services: { blob: { enabled: true, keyType: 'Account' }, file: { enabled: true, keyType: 'Account' } } }
      : {
        keySource: 'Microsoft.Keyvault', identity: { userAssignedIdentity: identityId },
        keyvaultproperties: { keyname: cmk.keyName, keyvaulturi: cmk.keyVaultUri },
        services: { blob: { enabled: true, keyType: 'Account' }, file: { enabled: true, keyType: 'Account' } },
      },
  };
  resources.push({
    type: 'Microsoft.Storage/storageAccounts', apiVersion: STORAGE_API_VERSION, name: model.name, location: "[parameters('location')]",
    kind: 'StorageV2', sku: { name: `Standard_${model.replication}` }, tags: model.tags,
    ...(cmk === undefined ? {} : { identity: { type: 'UserAssigned', userAssignedIdentities: { [identityId]: {} } }, dependsOn: [identityId, `[extensionResourceId('Microsoft.KeyVault/vaults/${cmk.keyVaultName}', 'Microsoft.Authorization/roleAssignments', guid('${cmk.keyVaultId}', '${cmk.identityName}', '${ROLE_IDS['Key Vault Crypto Service Encryption User'] ?? ''}'))]`] }),
    properties,
  });
  for (const fs of model.filesystems) {
    resources.push({
      type: 'Microsoft.Storage/storageAccounts/blobServices/containers', apiVersion: STORAGE_API_VERSION,
      name: `${model.name}/default/${fs.name}`, dependsOn: [account],
      properties: { publicAccess: 'None', metadata: { lakeshift_root_acl: fs.root === undefined ? 'set by lakeshift prepare' : formatAclSpecForIac(fs.root) } },
    });
  }
  for (const r of model.roles) {
    resources.push({
      type: 'Microsoft.Authorization/roleAssignments', apiVersion: AUTHORIZATION_API_VERSION,
      name: `[guid(${account.slice(1, -1)}, '${r.principalId}', '${ROLE_IDS[r.gen2Role] ?? r.gen2Role}')]`,
      scope: `Microsoft.Storage/storageAccounts/${model.name}`, dependsOn: [account],
      properties: { roleDefinitionId: roleDefinition(r.gen2Role), principalId: r.principalId, ...(r.principalType ? { principalType: r.principalType } : {}), description: `lakeshift: Gen1 ${r.gen1Role}${r.principalName ? ` (${r.principalName})` : ''}` },
    });
  }
  return {
    $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
    contentVersion: '1.0.0.0',
    metadata: {
      generator: 'lakeshift provision',
      replication: `Standard_${model.replication}: ${GRS_REASON}`,
      acls: 'ARM cannot set ACLs: run lakeshift prepare after the deployment to set each filesystem root.',
      unmappedRoles: model.unmappedRoles.map((u) => `${u.principalId} ${u.gen1Role}: ${u.why}; ${u.action}`),
    },
    parameters: {
      location: { type: 'string', defaultValue: model.location },
    },
    resources,
    outputs: { dfsEndpoint: { type: 'string', value: `[reference(${account.slice(1, -1)}, '${STORAGE_API_VERSION}').primaryEndpoints.dfs]` } },
  };
}
