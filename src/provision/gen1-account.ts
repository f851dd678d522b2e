import { z } from 'zod';
import { StorageError } from '../core/errors.js';
import { failWithIssues, parseJsonText } from './input-errors.js';

/**
 * The Gen1 account as `az dls account show` prints it (properties flattened to the top level), as an
 * ARM GET returns it (`properties` nested), or as a template export holds it (a template whose
 * `resources` include one `Microsoft.DataLakeStore/accounts`, its rules inline or as child resources).
 * Parsed with zod at the edge; every error names the field.
 */

const HINT = 'Give the output of `az dls account show --account NAME` (or an ARM template export of the account).';
const str = z.string({ error: () => 'must be a string' });
const state = z.enum(['Enabled', 'Disabled'], { error: () => 'must be Enabled or Disabled' });
const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
const ip = str.regex(IPV4, 'must be an IPv4 address such as 10.1.2.3');

/** A child (firewall rule, virtual network rule, trusted id provider): flat (az) or `properties` (ARM). */
function child<T extends z.ZodRawShape>(shape: T) {
  return z.preprocess((v) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return v;
    const r = v as Record<string, unknown>;
    const props = r['properties'];
    return typeof props === 'object' && props !== null ? { ...r, ...(props as Record<string, unknown>) } : r;
  }, z.object({ name: str.min(1, 'must not be empty'), ...shape }, { error: () => 'must be an object' }));
}

export const firewallRuleSchema = child({ startIpAddress: ip, endIpAddress: ip });
export const virtualNetworkRuleSchema = child({ subnetId: str.regex(/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Network\/virtualNetworks\/[^/]+\/subnets\/[^/]+$/i, 'must be a subnet resource ID (/subscriptions/.../providers/Microsoft.Network/virtualNetworks/VNET/subnets/SUBNET)') });
export const trustedIdProviderSchema = child({ idProvider: str.min(1, 'must not be empty') });

export const gen1AccountSchema = z.object({
  name: str.regex(/^[a-z0-9]{3,24}$/, 'must be a Gen1 account name (3-24 lowercase letters and digits)'),
  id: str.optional(),
  location: str.min(1, 'must not be empty'),
  tags: z.record(z.string(), str, { error: () => 'must be an object of string values' }).nullish(),
  firewallState: state.nullish(),
  firewallAllowAzureIps: state.nullish(),
  firewallRules: z.array(firewallRuleSchema, { error: () => 'must be a list' }).nullish(),
  virtualNetworkRules: z.array(virtualNetworkRuleSchema, { error: () => 'must be a list' }).nullish(),
  trustedIdProviderState: state.nullish(),
  trustedIdProviders: z.array(trustedIdProviderSchema, { error: () => 'must be a list' }).nullish(),
  encryptionState: state.nullish(),
  encryptionConfig: z
    .object({
      type: z.enum(['UserManaged', 'ServiceManaged'], { error: () => 'must be UserManaged or ServiceManaged' }),
      keyVaultMetaInfo: z
        .object({
          keyVaultResourceId: str.regex(/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.KeyVault\/vaults\/[^/]+$/i, 'must be a Key Vault resource ID (/subscriptions/.../providers/Microsoft.KeyVault/vaults/NAME)'),
          encryptionKeyName: str.min(1, 'must not be empty'),
          encryptionKeyVersion: str.nullish(),
        }, { error: () => 'must be an object' })
        .nullish(),
    }, { error: () => 'must be an object' })
    .nullish(),
  currentTier: str.nullish(),
  newTier: str.nullish(),
  defaultGroup: str.nullish(),
  identity: z.object({ type: str.optional() }).passthrough().nullish(),
}).superRefine((a, ctx) => {
  if (a.encryptionConfig?.type === 'UserManaged' && (a.encryptionConfig.keyVaultMetaInfo === undefined || a.encryptionConfig.keyVaultMetaInfo === null)) {
    ctx.addIssue({ code: 'custom', path: ['encryptionConfig', 'keyVaultMetaInfo'], message: 'is required when encryptionConfig.type is UserManaged' });
  }
});

export type Gen1Account = z.infer<typeof gen1AccountSchema>;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A template export: the account resource, with child rule resources folded into its properties. */
function fromTemplate(doc: Json, fileName: string): { value: Json; prefix: PropertyKey[] } {
  const resources = doc['resources'];
  if (!Array.isArray(resources)) throw new StorageError('invalid-argument', `${fileName}: resources: must be a list. ${HINT}`);
  const index = resources.findIndex((r) => isObject(r) && typeof r['type'] === 'string' && r['type'].toLowerCase() === 'microsoft.datalakestore/accounts');
  const account = resources[index] as Json | undefined;
  if (account === undefined) throw new StorageError('invalid-argument', `${fileName}: resources: no Microsoft.DataLakeStore/accounts resource in the template. ${HINT}`);
  const props: Json = { ...(isObject(account['properties']) ? account['properties'] : {}) };
  const kids: Record<string, string> = { firewallrules: 'firewallRules', virtualnetworkrules: 'virtualNetworkRules', trustedidproviders: 'trustedIdProviders' };
  for (const r of resources) {
    if (!isObject(r) || typeof r['type'] !== 'string') continue;
    const kind = /^microsoft\.datalakestore\/accounts\/([a-z]+)$/i.exec(r['type'])?.[1]?.toLowerCase();
    const key = kind === undefined ? undefined : kids[kind];
    if (key === undefined) continue;
    const name = typeof r['name'] === 'string' ? r['name'].replace(/^.*\//, '').replace(/'\)\]$/, '') : r['name'];
    const list = Array.isArray(props[key]) ? (props[key] as unknown[]) : [];
    if (!list.some((x) => isObject(x) && x['name'] === name)) props[key] = [...list, { ...r, name }];
  }
  const name = resolveName(account['name'], doc);
  return { value: { ...account, name, properties: props }, prefix: ['resources', index] };
}

/** Template names are often `[parameters('accounts_x_name')]`: use the parameter's default value. */
function resolveName(name: unknown, doc: Json): unknown {
  if (typeof name !== 'string') return name;
  const m = /^\[parameters\('([^']+)'\)\]$/.exec(name);
  if (m === null || m[1] === undefined) return name;
  const params = isObject(doc['parameters']) ? doc['parameters'] : {};
  const p = params[m[1]];
  return isObject(p) && typeof p['defaultValue'] === 'string' ? p['defaultValue'] : name;
}

/**
 * Parses a Gen1 account document (see above). Throws StorageError('invalid-argument') naming the file
 * and the field, e.g. `acct.json: firewallRules[1].startIpAddress: must be an IPv4 address ...`.
 */
export function parseGen1Account(text: string, fileName: string): Gen1Account {
  const doc = parseJsonText(text, fileName, HINT);
  if (!isObject(doc)) throw new StorageError('invalid-argument', `${fileName}: must be a JSON object. ${HINT}`);
  const { value, prefix } = Array.isArray(doc['resources']) ? fromTemplate(doc, fileName) : { value: doc, prefix: [] as PropertyKey[] };
  // ARM GET and template forms nest the settings under `properties`; az flattens them.
  const flat: Json = isObject(value['properties']) ? { ...value, ...value['properties'] } : value;
  const type = flat['type'];
  if (typeof type === 'string' && type.toLowerCase() !== 'microsoft.datalakestore/accounts') {
    throw new StorageError('invalid-argument', `${fileName}: type: is '${type}', not Microsoft.DataLakeStore/accounts. ${HINT}`);
  }
  const result = gen1AccountSchema.safeParse(flat);
  if (!result.success) failWithIssues(result.error, fileName, HINT, prefix.length > 0 ? [...prefix, 'properties'] : []);
  return result.data;
}
