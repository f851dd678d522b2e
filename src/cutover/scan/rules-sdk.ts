import { gen2AccountFor } from './resolve.js';
import type { FileTraits, FindingKind, Rule, RuleAnchor, RuleContext, RuleLiteral } from './types.js';

/** SDK, PowerShell, Azure CLI and dependency rules: shared/docs/cutover.md sections 1.11 and 2. All are reported with the Gen2 equivalent. */

/** A report-only rule from a table row. */
export function reportRule(r: {
  id: string; kind: FindingKind; family: string; description: string; pattern: RegExp; literals: readonly RuleLiteral[]; reason: string | ((m: RegExpExecArray, ctx: RuleContext) => string | undefined);
  applies?: (f: FileTraits) => boolean; group?: number; anchor?: RuleAnchor; positive: readonly (string | { text: string; file?: string })[]; negative: readonly (string | { text: string; file?: string })[];
}): Rule {
  const ex = (e: string | { text: string; file?: string }) => (typeof e === 'string' ? { text: e } : e);
  return {
    id: r.id, kind: r.kind, family: r.family, description: r.description, pattern: r.pattern, literals: r.literals,
    ...(r.applies === undefined ? {} : { applies: r.applies }),
    ...(r.group === undefined ? {} : { group: r.group }),
    ...(r.anchor === undefined ? {} : { anchor: r.anchor }),
    decide(m, ctx) {
      const reason = typeof r.reason === 'string' ? r.reason : r.reason(m, ctx);
      return reason === undefined ? undefined : { action: 'report', reason };
    },
    examples: { positive: r.positive.map((p) => ({ ...ex(p), action: 'report' as const })), negative: r.negative.map(ex) },
  };
}

/** Files that use a Gen1 SDK (FileTraits.gen1Sdk): the mark, and the literals one of which it needs. */
export const GEN1_SDK_MARK = /azure\.datalake\.store|com\.microsoft\.azure\.datalake\.store|Microsoft\.Azure\.DataLake\.Store|azure-arm-datalake-store|ADLStoreClient|AdlsClient/;
/** Words one of which (exact case) every GEN1_SDK_MARK match contains. */
export const GEN1_SDK_WORDS: readonly string[] = ['azure.datalake.store', 'Microsoft.Azure.DataLake.Store', 'azure-arm-datalake-store', 'ADLStoreClient', 'AdlsClient'];
export const GEN1_SDK_LITERALS: readonly RuleLiteral[] = ['datalake', 'adlstoreclient', 'adlsclient'];

const py = (f: FileTraits): boolean => f.ext === 'py' || f.ext === 'ipynb';
const jvm = (f: FileTraits): boolean => ['java', 'scala', 'kt'].includes(f.ext);
const dotnet = (f: FileTraits): boolean => ['cs', 'fs', 'vb'].includes(f.ext);
const js = (f: FileTraits): boolean => ['js', 'mjs', 'cjs', 'ts', 'mts', 'cts'].includes(f.ext);

/** `store_name='acct'` (Python) -> the Gen2 account URL, when the mapping knows it. */
function accountUrlHint(ctx: RuleContext, name: string | undefined): string {
  if (name === undefined) return 'https://ACCOUNT2.dfs.core.windows.net';
  const t = gen2AccountFor(ctx.mapping, name.toLowerCase());
  return 'reason' in t ? 'https://ACCOUNT2.dfs.core.windows.net' : `https://${t.account}.dfs.${t.suffix}`;
}

const PY_GAPS: Readonly<Record<string, string>> = {
  concat: 'concat has no Gen2 equivalent: read and append into a new file, or keep the parts (cutover.md 2.3)',
  merge: 'merge (concat) has no Gen2 equivalent: read and append into a new file, or keep the parts',
  du: 'du (content summary) has no Gen2 equivalent: walk file_system_client.get_paths(recursive=True) and sum',
  df: 'df (content summary) has no Gen2 equivalent: walk get_paths and sum',
  set_expiry: "set_expiry -> file_client.set_file_expiry(expiry_options, expires_on); the option RelativeToCreationDate is RelativeToCreation on Gen2",
  remove_acl_entries: 'remove_acl_entries on one item has no Gen2 call: read the ACL, edit it, set_access_control(acl=...); recursive: remove_access_control_recursive',
  remove_default_acl: 'remove_default_acl has no single Gen2 call: read, edit and write back the ACL',
  remove_acl: 'remove_acl has no single Gen2 call: write back an ACL without the named entries',
  access: 'access (check access) has no Gen2 equivalent: evaluate the ACL yourself',
};

const JAVA_GAPS: Readonly<Record<string, string>> = {
  concatenateFiles: 'concatenateFiles has no Gen2 equivalent: read and append into a new file',
  getContentSummary: 'getContentSummary has no Gen2 equivalent: walk listPaths(recursive) and sum',
  setTimes: 'setTimes has no Gen2 equivalent (no set-mtime in the Gen2 SDKs)',
  removeAclEntries: 'removeAclEntries on one item: read the ACL, edit, setAccessControlList; recursive: removeAccessControlRecursive',
  removeDefaultAcls: 'removeDefaultAcls has no single Gen2 call: read, edit and write back the ACL',
  removeAllAcls: 'removeAllAcls has no single Gen2 call: write back a minimal ACL',
  setExpiryTime: 'setExpiryTime -> DataLakeFileClient.scheduleDeletion(FileScheduleDeletionOptions)',
  createFile: 'createFile(path, IfExists) -> DataLakeFileClient.create(overwrite); Gen2 create overwrites unless If-None-Match * is set',
};

const DOTNET_GAPS: Readonly<Record<string, string>> = {
  ConcurrentAppend: 'ConcurrentAppend has no Gen2 equivalent: one writer per file with explicit offsets (shard files per writer)',
  ConcatenateFiles: 'ConcatenateFiles has no Gen2 equivalent: read and append into a new file',
  GetContentSummary: 'GetContentSummary has no Gen2 equivalent: walk GetPathsAsync(recursive) and sum',
  SetExpiryTime: 'SetExpiryTime -> DataLakeFileClient.ScheduleDeletionAsync; RelativeToCreationDate is RelativeToCreation on Gen2',
  EnumerateDeletedItems: 'Gen1 trash -> Gen2 soft delete (must be enabled): DataLakeFileSystemClient.GetDeletedPathsAsync',
  RestoreDeletedItems: 'Gen1 trash restore -> UndeletePathAsync(deletedPath, deletionId) with soft delete enabled',
  BulkUpload: 'BulkUpload -> DataLakeFileClient.UploadAsync per file, or AzCopy for trees',
  BulkDownload: 'BulkDownload -> ReadToAsync per file, or AzCopy for trees',
};

const NODE_GAPS: Readonly<Record<string, string>> = {
  concurrentAppend: 'concurrentAppend has no Gen2 equivalent: one writer per file with explicit offsets',
  concat: 'concat has no Gen2 equivalent: read and append into a new file',
  msConcat: 'msConcat has no Gen2 equivalent: read and append into a new file',
  getContentSummary: 'getContentSummary has no Gen2 equivalent: walk listPaths({ recursive: true }) and sum',
  setFileExpiry: 'setFileExpiry -> DataLakeFileClient.setExpiry(mode, options)',
};

/** Gen1 PowerShell noun (after DataLakeStore) + verb -> Az.Storage counterpart (cutover.md 2.4). */
const PS_MAP: Readonly<Record<string, string>> = {
  'Get-ChildItem': 'Get-AzDataLakeGen2ChildItem -Context $ctx -FileSystem FS -Path P (-Recurse, -FetchProperty)',
  'Get-ChildItemSummary': 'no Gen2 cmdlet: walk Get-AzDataLakeGen2ChildItem -Recurse -FetchProperty and aggregate',
  'Export-ChildItemProperties': 'no Gen2 cmdlet: walk Get-AzDataLakeGen2ChildItem -Recurse -FetchProperty and export',
  'Get-Item': 'Get-AzDataLakeGen2Item', 'Get-ItemAclEntry': 'Get-AzDataLakeGen2Item (.ACL)', 'Get-ItemOwner': 'Get-AzDataLakeGen2Item (.Owner)', 'Get-ItemPermission': 'Get-AzDataLakeGen2Item (.Permissions)',
  'Test-Item': 'Get-AzDataLakeGen2Item (errors when missing)',
  'Get-ItemContent': 'Get-AzDataLakeGen2ItemContent', 'Export-Item': 'Get-AzDataLakeGen2ItemContent -Destination',
  'Import-Item': 'New-AzDataLakeGen2Item with a local source (one file per call) or AzCopy for trees',
  'New-Item': 'New-AzDataLakeGen2Item (-Directory for folders)',
  'Add-ItemContent': 'no Gen2 cmdlet: append with the SDK (append + flush)',
  'Join-Item': 'no Gen2 equivalent (concat): read and append into a new file',
  'Move-Item': 'Move-AzDataLakeGen2Item', 'Remove-Item': 'Remove-AzDataLakeGen2Item',
  'Set-ItemOwner': 'Update-AzDataLakeGen2Item -Owner/-Group', 'Set-ItemPermission': 'Update-AzDataLakeGen2Item -Permission', 'Set-ItemAcl': 'Update-AzDataLakeGen2Item -Acl',
  'Set-ItemAclEntry': 'Set-AzDataLakeGen2ItemAclObject then Update-AzDataLakeGen2Item -Acl (or Update-AzDataLakeGen2AclRecursive)',
  'Remove-ItemAclEntry': 'Remove-AzDataLakeGen2AclRecursive (recursive only) or write back the ACL', 'Remove-ItemAcl': 'write back the ACL with Update-AzDataLakeGen2Item -Acl',
  'Set-ItemExpiry': 'no Az.Storage cmdlet: az storage fs file set-expiry or the SDK',
  'Get-DeletedItem': 'Get-AzDataLakeGen2DeletedItem (soft delete must be enabled)', 'Restore-DeletedItem': 'Restore-AzDataLakeGen2DeletedItem',
  'New-Account': 'New-AzStorageAccount -Kind StorageV2 -EnableHierarchicalNamespace $true', 'Get-Account': 'Get-AzStorageAccount', 'Set-Account': 'Set-AzStorageAccount', 'Remove-Account': 'Remove-AzStorageAccount',
};

/** `az dls fs SUB` -> `az storage fs ...` (cutover.md 2.5). */
const AZ_MAP: Readonly<Record<string, string>> = {
  show: 'az storage fs file show / directory show', list: 'az storage fs file list', create: 'az storage fs file create / directory create',
  append: 'az storage fs file append --content', delete: 'az storage fs file delete / directory delete', upload: 'az storage fs file upload --source',
  download: 'az storage fs file download', test: 'az storage fs file exists / directory exists', preview: 'az storage fs file download (with a range)',
  join: 'no Gen2 equivalent (concat)', move: 'az storage fs file move / directory move', 'set-expiry': 'az storage fs file set-expiry', 'remove-expiry': 'az storage fs file set-expiry --expiry-options NeverExpire',
};

export const SDK_RULES: readonly Rule[] = [
  reportRule({
    id: 'sdk-python-import', kind: 'sdk', family: '2.1', description: 'Python Gen1 SDK imports (azure.datalake.store)',
    pattern: /^[ \t]*(?:from\s+azure\.datalake\.store(?:\.\w+)?\s+import\s+[^\n\r]+|import\s+azure\.datalake\.store\b[^\n\r]*)/gm,
    literals: ['azure.datalake.store'],
    reason: 'Gen1 Python SDK (azure-datalake-store): use azure-storage-file-datalake: from azure.storage.filedatalake import DataLakeServiceClient and from azure.identity import ClientSecretCredential (cutover.md 2.1)',
    positive: ['from azure.datalake.store import core, lib, multithread', 'import azure.datalake.store as adls'], negative: ['from azure.storage.filedatalake import DataLakeServiceClient'],
  }),
  reportRule({
    id: 'sdk-python-client', kind: 'sdk', family: '2.1', description: 'Python Gen1 client and auth: core.AzureDLFileSystem, lib.auth',
    pattern: /\b(?:core\.)?AzureDLFileSystem\s*\(([^)]*)\)?|\blib\.auth\s*\(/g, applies: py,
    literals: [{ exact: 'AzureDLFileSystem' }, ...GEN1_SDK_LITERALS],
    reason: (m, ctx) => {
      if (m[0].includes('auth')) return ctx.file.gen1Sdk ? 'lib.auth -> azure.identity.ClientSecretCredential(tenant_id, client_id, client_secret) (tokens for https://storage.azure.com/)' : undefined;
      const store = /store_name\s*=\s*['"]([A-Za-z0-9]+)['"]/.exec(m[1] ?? '')?.[1];
      return `AzureDLFileSystem -> DataLakeServiceClient(account_url='${accountUrlHint(ctx, store)}', credential=cred).get_file_system_client(FS); paths lose the Gen1 root and gain the filesystem`;
    },
    positive: [{ text: "adl = core.AzureDLFileSystem(token, store_name='contoso')", file: 'a.py' }, { text: 'from azure.datalake.store import lib\ntoken = lib.auth(tenant_id=t)', file: 'a.py' }],
    negative: [{ text: 'token = lib.auth(x)', file: 'other.py' }],
  }),
  reportRule({
    id: 'sdk-python-bulk', kind: 'sdk', family: '2.3', description: 'Python ADLUploader / ADLDownloader (chunked upload joined by concat)',
    pattern: /\b(?:multithread\.)?ADL(?:Uploader|Downloader)\s*\(/g, applies: py,
    literals: ['adluploader', 'adldownloader'],
    reason: 'ADLUploader/ADLDownloader (uploads in 256 MiB chunks joined by concat, which Gen2 lacks): use file_client.upload_data(data, overwrite=True) / download_file() per file, or AzCopy for trees',
    positive: [{ text: 'multithread.ADLUploader(adl, lpath="x", rpath="/raw/x", nthreads=16)', file: 'up.py' }], negative: [{ text: 'fs.upload_data(b)', file: 'up.py' }],
  }),
  reportRule({
    id: 'sdk-python-gap', kind: 'sdk', family: '2.2', description: 'Python Gen1 calls with no or a different Gen2 equivalent (concat, du, set_expiry, ACL removals, access)',
    pattern: /\.(concat|merge|du|df|set_expiry|remove_acl_entries|remove_default_acl|remove_acl|access)\s*\(/g, group: 1, applies: (f) => py(f) && f.gen1Sdk,
    literals: GEN1_SDK_LITERALS,
    reason: (m) => PY_GAPS[m[1] ?? ''],
    positive: [{ text: 'from azure.datalake.store import core\nadl.concat("/out", parts)', file: 'j.py' }, { text: 'from azure.datalake.store import core\nadl.du("/raw", total=True)', file: 'j.py' }],
    negative: [{ text: 'df.merge(other)', file: 'pandas.py' }],
  }),
  reportRule({
    id: 'sdk-java', kind: 'sdk', family: '2.1', description: 'Java Gen1 SDK: com.microsoft.azure.datalake.store imports and ADLStoreClient.createClient',
    pattern: /\bimport\s+com\.microsoft\.azure\.datalake\.store[\w.*]*;|\bADLStoreClient\.createClient\s*\(/g,
    literals: ['com.microsoft.azure.datalake.store', 'adlstoreclient.createclient'],
    reason: (m) => (m[0].startsWith('import')
      ? 'Gen1 Java SDK (azure-data-lake-store-sdk): use com.azure:azure-storage-file-datalake (com.azure.storage.file.datalake.*) with com.azure.identity'
      : 'ADLStoreClient.createClient -> new DataLakeServiceClientBuilder().endpoint("https://ACCOUNT2.dfs.core.windows.net").credential(new ClientSecretCredentialBuilder()...build()).buildClient()'),
    positive: ['import com.microsoft.azure.datalake.store.ADLStoreClient;', 'ADLStoreClient client = ADLStoreClient.createClient("contoso.azuredatalakestore.net", provider);'],
    negative: ['import com.azure.storage.file.datalake.DataLakeServiceClient;'],
  }),
  reportRule({
    id: 'sdk-java-auth', kind: 'sdk', family: '2.1', description: 'Java Gen1 token providers (com.microsoft.azure.datalake.store.oauth2.*TokenProvider) in Gen1 SDK code',
    pattern: /\bnew\s+(ClientCredsTokenProvider|RefreshTokenBasedTokenProvider|MsiTokenProvider|DeviceCodeTokenProvider|UserPasswordTokenProvider)\s*\(/g, group: 1, applies: (f) => jvm(f) && f.gen1Sdk,
    literals: GEN1_SDK_LITERALS,
    reason: 'Gen1 SDK token provider: use an @azure/identity-style credential from com.azure.identity (ClientSecretCredentialBuilder, ManagedIdentityCredentialBuilder, ...) with DataLakeServiceClientBuilder',
    positive: [{ text: 'import com.microsoft.azure.datalake.store.oauth2.ClientCredsTokenProvider;\nAccessTokenProvider p = new ClientCredsTokenProvider(ep, id, key);', file: 'A.java' }],
    negative: [{ text: 'conf.set("fs.azure.account.oauth.provider.type", ClientCredsTokenProvider.class.getName());', file: 'B.java' }],
  }),
  reportRule({
    id: 'sdk-java-gap', kind: 'sdk', family: '2.2', description: 'Java Gen1 calls with no or a different Gen2 equivalent',
    pattern: /\.(concatenateFiles|getContentSummary|setTimes|removeAclEntries|removeDefaultAcls|removeAllAcls|setExpiryTime|createFile)\s*\(/g, group: 1, applies: (f) => jvm(f) && f.gen1Sdk,
    literals: GEN1_SDK_LITERALS,
    reason: (m) => JAVA_GAPS[m[1] ?? ''],
    positive: [{ text: 'import com.microsoft.azure.datalake.store.*;\nclient.concatenateFiles("/o", list);', file: 'A.java' }], negative: [{ text: 'summary = fs.getContentSummary(p);', file: 'Hdfs.java' }],
  }),
  reportRule({
    id: 'sdk-dotnet', kind: 'sdk', family: '2.1', description: '.NET Gen1 SDKs: Microsoft.Azure.DataLake.Store, the management and uploader packages, AdlsClient.CreateClient',
    pattern: /\busing\s+Microsoft\.Azure\.(?:DataLake\.Store|Management\.DataLake\.Store(?:Uploader)?)\b[\w.]*;|\bAdlsClient\.CreateClient\s*\(|\b(?:DataLakeStoreFileSystemManagementClient|DataLakeStoreUploader)\b/g,
    literals: ['datalake.store', 'adlsclient.createclient', 'datalakestore'],
    reason: (m) => (m[0].includes('CreateClient')
      ? 'AdlsClient.CreateClient -> new DataLakeServiceClient(new Uri("https://ACCOUNT2.dfs.core.windows.net"), new ClientSecretCredential(tenant, app, secret))'
      : 'Gen1 .NET SDK: use Azure.Storage.Files.DataLake (data plane) and Azure.ResourceManager.Storage (management); the Gen1 packages are obsolete'),
    positive: ['using Microsoft.Azure.DataLake.Store;', 'var client = AdlsClient.CreateClient("contoso.azuredatalakestore.net", creds);', 'new DataLakeStoreFileSystemManagementClient(creds)'],
    negative: ['using Azure.Storage.Files.DataLake;'],
  }),
  reportRule({
    id: 'sdk-dotnet-auth', kind: 'sdk', family: '2.1', description: '.NET Gen1 SDK login (Microsoft.Rest.Azure.Authentication ApplicationTokenProvider / UserTokenProvider) in Gen1 SDK code',
    pattern: /\b(?:ApplicationTokenProvider|UserTokenProvider)\.Login\w*\s*\(/g, applies: (f) => dotnet(f) && f.gen1Sdk,
    literals: GEN1_SDK_LITERALS,
    reason: 'Gen1 SDK login (ms-rest credentials for https://datalake.azure.net/): use Azure.Identity (new ClientSecretCredential(tenant, app, secret)) with DataLakeServiceClient',
    positive: [{ text: 'using Microsoft.Azure.DataLake.Store;\nvar creds = await ApplicationTokenProvider.LoginSilentAsync(t, cc);', file: 'A.cs' }],
    negative: [{ text: 'var creds = await ApplicationTokenProvider.LoginSilentAsync(t, cc);', file: 'Mgmt.cs' }],
  }),
  reportRule({
    id: 'sdk-dotnet-gap', kind: 'sdk', family: '2.2', description: '.NET Gen1 calls with no or a different Gen2 equivalent',
    pattern: /\b(ConcurrentAppend|ConcatenateFiles|GetContentSummary|SetExpiryTime|EnumerateDeletedItems|RestoreDeletedItems|BulkUpload|BulkDownload)(?:Async)?\s*\(/g, group: 1, applies: (f) => dotnet(f) && f.gen1Sdk,
    literals: GEN1_SDK_LITERALS,
    reason: (m) => DOTNET_GAPS[m[1] ?? ''],
    positive: [{ text: 'using Microsoft.Azure.DataLake.Store;\nawait client.ConcurrentAppendAsync(p, true, buf, 0, n);', file: 'A.cs' }], negative: [{ text: 'x.BulkUpload(a);', file: 'Other.cs' }],
  }),
  reportRule({
    id: 'sdk-node', kind: 'sdk', family: '2.1', description: 'Node Gen1 SDK (azure-arm-datalake-store) and its clients',
    pattern: /\brequire\(\s*['"]azure-arm-datalake-store['"]\s*\)|\bfrom\s+['"]azure-arm-datalake-store['"]|\bDataLakeStore(?:FileSystem|Account)Client\b/g, applies: js,
    literals: ['azure-arm-datalake-store', 'datalakestore'],
    reason: 'Gen1 Node SDK (azure-arm-datalake-store, ms-rest-azure credentials): use @azure/storage-file-datalake: new DataLakeServiceClient("https://ACCOUNT2.dfs.core.windows.net", credential) with @azure/identity',
    positive: [{ text: "const adls = require('azure-arm-datalake-store');", file: 'a.js' }, { text: 'new adls.DataLakeStoreFileSystemClient(creds)', file: 'a.js' }],
    negative: [{ text: "import { DataLakeServiceClient } from '@azure/storage-file-datalake';", file: 'a.ts' }],
  }),
  reportRule({
    id: 'sdk-node-gap', kind: 'sdk', family: '2.2', description: 'Node Gen1 operations with no or a different Gen2 equivalent',
    pattern: /\.(concurrentAppend|msConcat|concat|getContentSummary|setFileExpiry)\s*\(/g, group: 1, applies: (f) => js(f) && f.gen1Sdk,
    literals: GEN1_SDK_LITERALS,
    reason: (m) => NODE_GAPS[m[1] ?? ''],
    positive: [{ text: "require('azure-arm-datalake-store');\nclient.fileSystem.concurrentAppend(acct, p, body)", file: 'a.js' }], negative: [{ text: 'arr.concat(b)', file: 'a.js' }],
  }),
  reportRule({
    id: 'powershell-gen1-cmdlet', kind: 'cli', family: '2.4', description: 'Az.DataLakeStore, AzureRM.DataLakeStore and *-AdlStore* cmdlets, with the Az.Storage counterpart',
    pattern: /\b([A-Z][a-z]+)-(?:AzDataLakeStore|AzureRmDataLakeStore|AdlStore)(\w*)/g,
    literals: ['-azdatalakestore', '-azurermdatalakestore', '-adlstore'],
    reason: (m) => {
      const key = `${m[1] ?? ''}-${m[2] ?? ''}`;
      const to = PS_MAP[key] ?? PS_MAP[key.replace(/Properties$|Property$/, 'Properties')];
      return `Gen1 cmdlet: ${to ?? 'see the Az.Storage Gen2 cmdlets (*-AzDataLakeGen2*)'}; Gen2 cmdlets take -Context (New-AzStorageContext -StorageAccountName ACCOUNT2 -UseConnectedAccount) and -FileSystem instead of -Account (cutover.md 2.4)`;
    },
    positive: ['Get-AzDataLakeStoreChildItem -Account contoso -Path /raw', 'Set-AdlStoreItemExpiry -Account contoso -Path /x -RelativeFileExpiryOption RelativeToNow', 'Join-AzureRmDataLakeStoreItem -Account a -Paths $p -Destination /o'],
    negative: ['Get-AzDataLakeGen2ChildItem -Context $ctx -FileSystem raw'],
  }),
  reportRule({
    id: 'cli-az-dls', kind: 'cli', family: '2.5', description: 'Azure CLI az dls fs / az dls account commands, with the az storage fs counterpart',
    pattern: /\baz\s+dls\s+(fs|account)\s+(?:(access)\s+)?([a-z-]+)/g,
    literals: ['dls'],
    reason: (m) => {
      if (m[1] === 'account') return 'Gen1 account command: use az storage account (create with --hns true) and its network-rule commands; trusted id providers have no Gen2 counterpart';
      if (m[2] === 'access') return `az dls fs access ${m[3] ?? ''} -> az storage fs access ${m[3] === 'show' ? 'show' : /remove/.test(m[3] ?? '') ? 'remove-recursive (recursive only)' : 'set (--acl, --permissions, --owner, --group)'} --account-name ACCOUNT2 -f FS --path P`;
      return `az dls fs ${m[3] ?? ''} -> ${AZ_MAP[m[3] ?? ''] ?? 'az storage fs ...'} --account-name ACCOUNT2 -f FS --path P (--auth-mode login|key)`;
    },
    positive: ['az dls fs upload --account contoso --source-path ./a --destination-path /raw/a', 'az dls fs access set-entry --account contoso --path /raw --acl-spec user:x:rwx', 'az dls account create --account contoso -g rg'],
    negative: ['az storage fs file upload --account-name contosoadls -f raw --path a --source ./a'],
  }),
  reportRule({
    id: 'dependency-gen1-package', kind: 'dependency', family: '1.11', description: 'Gen1 packages in dependency manifests and module imports (pip, Maven/Gradle, NuGet, npm, PowerShell modules)',
    pattern: /\bazure-datalake-store\b|\bazure-data-lake-store-sdk\b|\bhadoop-azure-datalake\b|\bazure-arm-datalake-store\b|(?:Include|PackageReference|package|id)\s*=\s*["']Microsoft\.Azure(?:\.Management)?\.DataLake\.Store(?:Uploader)?["']|\b(?:Install|Import)-Module\s+(?:-Name\s+)?(?:Az|AzureRM)\.DataLakeStore\b|#Requires\s+-Modules?\s+[^\n]*\b(?:Az|AzureRM)\.DataLakeStore\b/gi,
    literals: ['datalake', 'data-lake-store'],
    applies: (f) => !['py', 'js', 'ts', 'mjs', 'cjs'].includes(f.ext) || /requirements|setup|pyproject/.test(f.base),
    reason: (m) => {
      const t = m[0].toLowerCase();
      if (t.includes('azure-datalake-store')) return 'pip package azure-datalake-store -> azure-storage-file-datalake (and azure-identity)';
      if (t.includes('azure-data-lake-store-sdk')) return 'Maven com.microsoft.azure:azure-data-lake-store-sdk -> com.azure:azure-storage-file-datalake';
      if (t.includes('hadoop-azure-datalake')) return 'Maven org.apache.hadoop:hadoop-azure-datalake (ADL driver) -> org.apache.hadoop:hadoop-azure (ABFS driver)';
      if (t.includes('azure-arm-datalake-store')) return 'npm azure-arm-datalake-store -> @azure/storage-file-datalake and @azure/identity';
      if (t.includes('module')) return 'PowerShell module Az.DataLakeStore / AzureRM.DataLakeStore -> Az.Storage';
      return 'NuGet Microsoft.Azure.DataLake.Store (and the obsolete management/uploader packages) -> Azure.Storage.Files.DataLake';
    },
    positive: [{ text: 'azure-datalake-store==0.0.53', file: 'requirements.txt' }, { text: '<artifactId>azure-data-lake-store-sdk</artifactId>', file: 'pom.xml' }, { text: '<PackageReference Include="Microsoft.Azure.DataLake.Store" Version="1.1.24" />', file: 'app.csproj' }, { text: '"azure-arm-datalake-store": "^3.0.0"', file: 'package.json' }, { text: 'Install-Module -Name Az.DataLakeStore', file: 'setup.ps1' }],
    negative: [{ text: 'azure-storage-file-datalake==12.14.0', file: 'requirements.txt' }],
  }),
  reportRule({
    id: 'sdk-other-gen1-api', kind: 'sdk', family: '1.11', description: 'Other Gen1 APIs: Power Query DataLake.Contents, Azure ML register_azure_data_lake, Airflow AzureDataLakeHook and ADLS operators',
    pattern: /\bDataLake\.Contents\s*\(|\bregister_azure_data_lake\s*\(|\bAzureDataLakeHook\b|\bADLS(?:List|Delete)Operator\b/g,
    literals: ['datalake.contents', 'register_azure_data_lake', 'azuredatalakehook', 'adlslistoperator', 'adlsdeleteoperator'],
    reason: (m) => {
      if (m[0].startsWith('DataLake.Contents')) return 'Power Query DataLake.Contents (Gen1) -> AzureStorage.DataLake("https://ACCOUNT2.dfs.core.windows.net/FS/PATH")';
      if (m[0].startsWith('register_azure_data_lake')) return 'Azure ML Gen1 datastore -> Datastore.register_azure_data_lake_gen2(workspace, name, filesystem, account_name, ...)';
      return 'Airflow Gen1 hook/operator -> AzureDataLakeStorageV2Hook (apache-airflow-providers-microsoft-azure)';
    },
    positive: ['Source = DataLake.Contents("adl://contoso.azuredatalakestore.net/x", [PageSize=null])', 'Datastore.register_azure_data_lake(ws, "dl", "contoso", t, c, s)', 'hook = AzureDataLakeHook(azure_data_lake_conn_id="adl")'],
    negative: ['Datastore.register_azure_data_lake_gen2(ws, "dl", "raw", "contosoadls")', 'AzureDataLakeStorageV2Hook(adls_conn_id="x")'],
  }),
];
