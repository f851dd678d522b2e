import { parseGen1Location } from '../mapping.js';
import { mapLocation } from './resolve.js';
import { reportRule } from './rules-sdk.js';
import type { Rule } from './types.js';

/**
 * Pipelines (ADF/Synapse text forms), Databricks mounts, IaC, the Hive metastore and the report-only
 * families: shared/docs/cutover.md sections 1.4-1.10. The structural ADF rewrite (linked service and
 * datasets together) is in structured-json.ts; these rules see every file.
 */

const ADF_SETTINGS: Readonly<Record<string, string>> = {
  ReadSettings: 'AzureBlobFSReadSettings',
  WriteSettings: 'AzureBlobFSWriteSettings',
  Source: 'AzureBlobFSSource',
  Sink: 'AzureBlobFSSink',
};

export const IAC_RULES: readonly Rule[] = [
  {
    id: 'adf-store-settings-type',
    kind: 'pipeline',
    family: '1.6',
    description: 'ADF/Synapse copy settings and legacy source/sink types AzureDataLakeStore{ReadSettings,WriteSettings,Source,Sink} become their AzureBlobFS names',
    pattern: /(?<=["'])AzureDataLakeStore(ReadSettings|WriteSettings|Source|Sink)(?=["'])/g,
    literals: ['azuredatalakestore'],
    anchor: { literal: /AzureDataLakeStore/g },
    decide: (m) => ({ action: 'rewrite', replacement: ADF_SETTINGS[m[1] ?? ''] ?? m[0] }),
    examples: {
      positive: [
        { text: '"storeSettings": { "type": "AzureDataLakeStoreReadSettings", "recursive": true }', action: 'rewrite', replacement: 'AzureBlobFSReadSettings' },
        { text: '"sink": { "type": "AzureDataLakeStoreSink" }', action: 'rewrite', replacement: 'AzureBlobFSSink' },
      ],
      negative: [{ text: '"type": "AzureBlobFSWriteSettings"' }],
    },
  },
  reportRule({
    id: 'adf-gen1-type', kind: 'pipeline', family: '1.6',
    description: 'ADF/Synapse Gen1 linked service and dataset types (AzureDataLakeStore, AzureDataLakeStoreLocation, AzureDataLakeStoreFile) outside a JSON document the structural pass could rewrite',
    pattern: /(?<=["'])AzureDataLakeStore(?:Location|File)?(?=["'])/g,
    literals: ['azuredatalakestore'],
    anchor: { literal: /AzureDataLakeStore/g },
    reason: (m) => (m[0] === 'AzureDataLakeStore'
      ? 'Gen1 linked service: type AzureBlobFS with url https://ACCOUNT2.dfs.core.windows.net (no container), and every dataset on it needs fileSystem; lakeshift rewrites this in ADF JSON when the mapping covers it'
      : 'Gen1 dataset location: type AzureBlobFSLocation with fileSystem and a folderPath below it; lakeshift rewrites this in ADF JSON when the mapping covers the folder'),
    positive: ['type: "AzureDataLakeStore"', "'type': 'AzureDataLakeStoreLocation'"], negative: ['"type": "AzureBlobFSLocation"'],
  }),
  reportRule({
    id: 'adf-gen1-only-option', kind: 'pipeline', family: '1.6', description: 'Gen1-only copy options: listAfter, listBefore (source) and expiryDateTime (sink)',
    pattern: /["'](listAfter|listBefore|expiryDateTime)["']\s*:/g, group: 1, applies: (f) => f.format === 'json',
    literals: ['azuredatalakestore', { exact: 'AzureBlobFS' }],
    // Only in a file that names ADF store settings, Gen1 or (after the rewrite, where the option stays) Gen2: elsewhere these are other APIs' keys.
    reason: (m, ctx) => (!/AzureDataLakeStore/i.test(ctx.text) && !ctx.text.includes('AzureBlobFS') ? undefined : m[1] === 'expiryDateTime' ? 'the Gen1 sink option expiryDateTime has no Gen2 sink setting: set expiry with the SDK after the copy, or drop it' : `the Gen1 source option ${m[1] ?? ''} (server-side name range) has no Gen2 equivalent: use wildcards, fileListPath or partitioned copies`),
    positive: [{ text: '"storeSettings": { "listAfter": "2024", "type": "AzureDataLakeStoreReadSettings" }', file: 'p.json' }, { text: '"storeSettings": { "type": "AzureBlobFSReadSettings", "listBefore": "2025" }', file: 'p.json' }], negative: [{ text: '"listAfter": 1', file: 'p.txt' }, { text: '{ "cursor": { "listAfter": "2024-01-01", "pageSize": 100 } }', file: 'api.json' }],
  }),
  reportRule({
    id: 'adf-usql-activity', kind: 'usql', family: '1.6/1.9', description: 'ADF U-SQL activity and Data Lake Analytics linked service: no Gen2 target',
    pattern: /["'](DataLakeAnalyticsU-SQL|AzureDataLakeAnalytics)["']/g, group: 1,
    literals: ['datalakeanalytics'],
    reason: 'U-SQL/Data Lake Analytics (retired): replace the activity with Spark (Databricks, Synapse, HDInsight) reading Gen2; it cannot be rewritten',
    positive: ['"type": "DataLakeAnalyticsU-SQL"', '"type": "AzureDataLakeAnalytics"'], negative: ['"type": "DatabricksSparkPython"'],
  }),
  reportRule({
    id: 'databricks-mount-gen1', kind: 'databricks-mount', family: '1.4', description: 'dbutils.fs.mount of a Gen1 source (Python and Scala): remount the same mount point after the rewrite; /mnt/... paths stay as they are',
    pattern: /\bdbutils\.fs\.mount\s*\(/g,
    literals: ['adl:/', 'azuredatalakestore', 'fs.adl'],
    reason: (m, ctx) => {
      const call = ctx.text.slice(m.index, m.index + 800);
      const end = call.search(/\)\s*(?:$|\n)/m);
      const body = end < 0 ? call : call.slice(0, end);
      // Every branch needs adl://, azuredatalakestore or fs.adl in the text: the rule's literals.
      const gen1 = /adl:\/\/|azuredatalakestore|(?:fs\.adl|dfs\.adls)\./.test(body) || (!/abfss?:\/\/|wasbs?:\/\//.test(body) && /adl:\/\/|(?:fs\.adl|dfs\.adls)\.oauth2/.test(ctx.text));
      if (!gen1) return undefined;
      const mount = /(?:mount_point|mountPoint)\s*=\s*["']([^"']+)["']/.exec(body)?.[1] ?? /["'](\/mnt\/[^"']*)["']/.exec(body)?.[1] ?? 'the mount point';
      return `Gen1 mount at ${mount}: after the rewrite, run dbutils.fs.unmount("${mount}") then this mount (same name), so code that reads ${mount}/... keeps working; the Gen2 configs need fs.azure.account.* keys`;
    },
    positive: [{ text: 'dbutils.fs.mount(\n  source = "adl://contoso.azuredatalakestore.net/raw",\n  mount_point = "/mnt/raw",\n  extra_configs = configs)', file: 'm.py' }, { text: 'dbutils.fs.mount(source = "adl://contoso.azuredatalakestore.net/x", mountPoint = "/mnt/x", extraConfigs = configs)', file: 'm.scala' }],
    negative: [{ text: 'dbutils.fs.mount(source = "abfss://raw@contosoadls.dfs.core.windows.net/", mount_point = "/mnt/raw", extra_configs = configs)', file: 'm.py' }, { text: 'spark.read.csv("/mnt/raw/x.csv")', file: 'm.py' }],
  }),
  reportRule({
    id: 'iac-databricks-gen1-mount', kind: 'iac', family: '1.4/1.10', description: 'Terraform databricks_azure_adls_gen1_mount and databricks_mount with an adl block',
    pattern: /\bdatabricks_azure_adls_gen1_mount\b|^[ \t]*adl[ \t]*\{/gm, applies: (f) => f.format === 'hcl',
    literals: ['adl'],
    reason: (m) => (m[0].includes('gen1')
      ? 'databricks_azure_adls_gen1_mount -> databricks_mount with an abfs block (storage_account_name, container_name, directory, client_id, client_secret_scope/key, tenant_id); keep the same mount name'
      : 'databricks_mount adl block -> abfs block (container_name, storage_account_name, directory, client_id, tenant_id, client_secret_scope, client_secret_key)'),
    positive: [{ text: 'resource "databricks_azure_adls_gen1_mount" "raw" {', file: 'm.tf' }, { text: 'resource "databricks_mount" "raw" {\n  adl {\n    storage_resource_name = "contoso"', file: 'm.tf' }],
    negative: [{ text: 'resource "databricks_mount" "raw" {\n  abfs {', file: 'm.tf' }],
  }),
  reportRule({
    id: 'iac-terraform-gen1', kind: 'iac', family: '1.10', description: 'Terraform azurerm Gen1 and Data Lake Analytics resources (removed in azurerm 3.0)',
    pattern: /\bazurerm_data_lake_(?:store|analytics)\w*|\bazurerm_data_share_dataset_data_lake_gen1\b/g,
    literals: ['azurerm_data_lake_', 'azurerm_data_share_dataset_data_lake_gen1'],
    reason: (m) => (m[0].includes('analytics')
      ? `${m[0]}: Data Lake Analytics has no Gen2 counterpart (retired); remove it`
      : `${m[0]} (removed in azurerm 3.0): use azurerm_storage_account (account_kind = "StorageV2", is_hns_enabled = true) with azurerm_storage_data_lake_gen2_filesystem (and ace blocks) / azurerm_storage_data_lake_gen2_path`),
    positive: ['resource "azurerm_data_lake_store" "lake" {', 'data "azurerm_data_lake_store" "x" {', 'resource "azurerm_data_lake_store_firewall_rule" "fw" {', 'resource "azurerm_data_lake_analytics_account" "a" {'],
    negative: ['resource "azurerm_storage_data_lake_gen2_filesystem" "raw" {'],
  }),
  reportRule({
    id: 'iac-arm-gen1', kind: 'iac', family: '1.10', description: 'ARM/Bicep Microsoft.DataLakeStore/accounts (and child types), Data Lake Analytics, Stream Analytics Gen1 output, Event Hubs capture to Gen1, Ansible and Pulumi Gen1 resources',
    pattern: /\bMicrosoft\.DataLakeStore\/accounts(?:\/[A-Za-z]+)?|\bMicrosoft\.DataLakeAnalytics\/accounts\b|\bMicrosoft\.DataLake\/Accounts\b|\bEventHubArchive\.AzureDataLake\b|\bazure_rm_datalakestore(?:_info)?\b|\bazure\.datalake\.Store\b/g,
    literals: ['datalake'],
    reason: (m) => {
      const t = m[0];
      if (t.startsWith('Microsoft.DataLakeStore')) return `${t}: the Gen1 account resource becomes Microsoft.Storage/storageAccounts (kind StorageV2, properties.isHnsEnabled true) plus Microsoft.Storage/storageAccounts/blobServices/containers for each filesystem; firewall and virtual-network rules move to networkAcls; trusted id providers have no counterpart`;
      if (t.startsWith('Microsoft.DataLakeAnalytics')) return 'Data Lake Analytics account: no Gen2 counterpart (retired); remove it and move the U-SQL jobs to Spark';
      if (t.startsWith('Microsoft.DataLake/')) return 'Stream Analytics Gen1 output: use the Blob/ADLS Gen2 output (Microsoft.Storage/Blob with storageAccounts, container, pathPattern) and managed identity';
      if (t.startsWith('EventHubArchive')) return 'Event Hubs capture to Gen1: use EventHubArchive.AzureBlockBlob with storageAccountResourceId, blobContainer and archiveNameFormat';
      return `${t}: Gen1 resource; replace it with the storage account resource with hierarchical namespace enabled`;
    },
    positive: ['"type": "Microsoft.DataLakeStore/accounts"', "resource lake 'Microsoft.DataLakeStore/accounts@2016-11-01' = {", '"type": "Microsoft.DataLakeStore/accounts/firewallRules"', '"name": "EventHubArchive.AzureDataLake"', '"type": "Microsoft.DataLake/Accounts"', 'azure_rm_datalakestore:'],
    negative: ['"type": "Microsoft.Storage/storageAccounts"'],
  }),
  reportRule({
    id: 'metastore-location', kind: 'metastore', family: '1.5/1.7', description: 'Hive/Spark SQL LOCATION and PolyBase external data sources on Gen1: the file is rewritten, but the metastore (or the database) keeps the old location until changed',
    // swebhdfs:// only on a Gen1 host (elsewhere it is some Hadoop cluster's WebHDFS, not Gen1).
    pattern: /\bLOCATION\s*=?\s*['"]((?:adl:\/\/|swebhdfs:\/\/[^'"\s/]*\.azuredatalakestore\.net)[^'"\s]*)['"]/gi, group: 1, applies: (f) => !f.usql,
    literals: ['adl:/', '.azuredatalakestore'],
    reason: (m, ctx) => {
      const before = ctx.text.slice(Math.max(0, m.index - 3000), m.index);
      const stmt = before.slice(before.lastIndexOf(';') + 1);
      const uri = m[1] ?? '';
      const loc = parseGen1Location(uri);
      const mapped = loc === undefined ? undefined : mapLocation(ctx.mapping, loc);
      const target = mapped?.action === 'rewrite' ? mapped.uri : 'abfss://FS@ACCOUNT2.dfs.core.windows.net/PATH';
      const ds = /CREATE\s+EXTERNAL\s+DATA\s+SOURCE\s+([\w.[\]`"]+)/i.exec(stmt);
      if (ds !== null) return `PolyBase external data source ${ds[1] ?? ''}: DROP and CREATE it again with LOCATION = '${target}' and a Gen2 credential (managed identity or key; the service-principal IDENTITY string does not carry over)`;
      const table = [...stmt.matchAll(/\b(CREATE|ALTER)\s+(?:EXTERNAL\s+)?(TABLE|DATABASE|SCHEMA)\s+(?:IF\s+NOT\s+EXISTS\s+)?([\w.`"[\]]+)/gi)].pop();
      const what = table === undefined ? 'TABLE <table>' : `${(table[2] ?? 'TABLE').toUpperCase()} ${table[3] ?? ''}`;
      const parts = /^TABLE/.test(what) ? ' (and ALTER TABLE ... PARTITION (...) SET LOCATION for each partition)' : '';
      return `the metastore holds the live location: after the rewrite run ALTER ${what} SET LOCATION '${target}'${parts}, or bulk-edit DBS.DB_LOCATION_URI and SDS.LOCATION with a reviewed script`;
    },
    positive: [{ text: "CREATE EXTERNAL TABLE logs (a STRING)\nLOCATION 'adl://contoso.azuredatalakestore.net/raw/logs/';", file: 't.hql' }, { text: "CREATE EXTERNAL DATA SOURCE AzureDataLakeStore WITH (TYPE = HADOOP, LOCATION = 'adl://contoso.azuredatalakestore.net', CREDENTIAL = c);", file: 'p.sql' }],
    negative: [{ text: "LOCATION 'abfss://raw@contosoadls.dfs.core.windows.net/logs/'", file: 't.hql' }, { text: "LOCATION 'swebhdfs://namenode.corp:50470/logs/'", file: 't.hql' }],
  }),
  reportRule({
    id: 'sql-gen1-credential', kind: 'credential', family: '1.7', description: 'PolyBase database-scoped credential in the Gen1 service-principal form (IDENTITY = \'<client_id>@<OAuth 2.0 token endpoint>\'), in SQL that also names Gen1',
    pattern: /\bIDENTITY\s*=\s*'[^'@\s]+@https:\/\/login\.microsoftonline\.com\/[^']*\/oauth2\/token'/gi,
    literals: ['adl:/', '.azuredatalakestore'],
    // The same IDENTITY form serves Gen2 OAuth too: only SQL that names a Gen1 store is a Gen1 reference.
    reason: (_m, ctx) => (!/adl:\/\/|\.azuredatalakestore/i.test(ctx.text) ? undefined : 'Gen1 service-principal credential for PolyBase: Gen2 external data sources use a managed identity (IDENTITY = \'Managed Service Identity\') or a storage key; create the credential again and drop this one'),
    positive: [{ text: "LOCATION = 'adl://contoso.azuredatalakestore.net'\nCREATE DATABASE SCOPED CREDENTIAL c WITH IDENTITY = 'app@https://login.microsoftonline.com/t/oauth2/token', SECRET = 'k';", file: 'p.sql' }],
    negative: [{ text: "adl://x\nCREATE DATABASE SCOPED CREDENTIAL c WITH IDENTITY = 'Managed Service Identity';", file: 'p.sql' }, { text: "LOCATION = 'abfss://raw@contosoadls.dfs.core.windows.net'\nCREATE DATABASE SCOPED CREDENTIAL c WITH IDENTITY = 'app@https://login.microsoftonline.com/t/oauth2/token', SECRET = 'k';", file: 'p.sql' }],
  }),
  reportRule({
    id: 'usql-script', kind: 'usql', family: '1.9', description: 'U-SQL scripts (EXTRACT/OUTPUT with extractors and outputters): Data Lake Analytics only, reported once per script',
    pattern: /\bUSING\s+(?:Extractors|Outputters)\.\w+/g, applies: (f) => f.usql,
    literals: [{ exact: 'Extractors.' }, { exact: 'Outputters.' }],
    reason: (m, ctx) => (ctx.text.search(/\bUSING\s+(?:Extractors|Outputters)\.\w+/) === m.index ? 'U-SQL script: runs only on Data Lake Analytics, which cannot read Gen2; port it to Spark (extract the U-SQL tables to Parquet first)' : undefined),
    positive: [{ text: '@s = EXTRACT a string FROM "/in.tsv" USING Extractors.Tsv();', file: 'j.usql' }], negative: [{ text: 'using System.Text;', file: 'j.usql' }],
  }),
];
