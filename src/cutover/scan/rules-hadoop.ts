import type { CutoverMapping } from '../mapping.js';
import { gen2AccountFor, lineAround } from './resolve.js';
import { jsonStringLineAround } from './json-string-line.js';
import type { Rule, RuleContext, RuleOutcome } from './types.js';

/** Hadoop and Spark configuration keys in every wrapper: shared/docs/cutover.md sections 1.2 and 1.3. */

const ABFS = 'org.apache.hadoop.fs.azurebfs';

/** ADL key suffix (after `fs.adl.` / `dfs.adls.` / `fs.adl.account.ACCT.`) -> ABFS suffix after `fs.azure.account.`, or why not. */
const KEY_MAP: Readonly<Record<string, string | { report: string }>> = {
  'oauth2.client.id': 'oauth2.client.id',
  'oauth2.credential': 'oauth2.client.secret',
  'oauth2.refresh.url': 'oauth2.client.endpoint',
  'oauth2.refresh.token': 'oauth2.refresh.token',
  'oauth2.msi.tenantguid': 'oauth2.msi.tenant',
  'oauth2.msi.port': { report: 'ABFS has no MSI port key (it has fs.azure.account.oauth2.msi.endpoint and msi.authority): remove the setting, check the managed identity works without it' },
  'oauth2.devicecode.clientapp.id': { report: 'device-code login has no ABFS token provider: use a service principal, managed identity or refresh token' },
  'oauth2.access.token.provider': { report: `a custom Gen1 token provider class (AzureADTokenProvider) needs new code for ABFS: implement ${ABFS}.extensions.CustomTokenProviderAdaptee and set fs.azure.account.auth.type Custom and fs.azure.account.oauth.provider.type to the class` },
  'oauth2.access.token.custom.provider': { report: 'Databricks credential passthrough: set fs.azure.account.auth.type CustomAccessToken and fs.azure.account.custom.token.provider.class spark.conf.get("spark.databricks.passthrough.adls.gen2.tokenProviderClassName")' },
  'home.hostname': { report: 'HDInsight default storage on Gen1: a Gen2 cluster is a new cluster whose default file system is abfs[s]://FS@ACCOUNT2.dfs.core.windows.net/; remove this key there' },
  'home.mountpoint': { report: 'HDInsight default storage on Gen1 (cluster root): the new cluster\'s default file system replaces it; remove this key there' },
};

/** Token provider types -> ABFS provider classes (cutover.md 1.2). */
const PROVIDER_CLASS: Readonly<Record<string, string | { report: string }>> = {
  clientcredential: `${ABFS}.oauth2.ClientCredsTokenProvider`,
  refreshtoken: `${ABFS}.oauth2.RefreshTokenBasedTokenProvider`,
  msi: `${ABFS}.oauth2.MsiTokenProvider`,
  devicecode: { report: 'DeviceCode has no ABFS token provider (built-ins: ClientCreds, UserPassword, Msi, RefreshTokenBased, WorkloadIdentity): choose another login' },
  custom: { report: `a Custom Gen1 token provider needs new code: implement ${ABFS}.extensions.CustomTokenProviderAdaptee, set fs.azure.account.auth.type Custom` },
  customaccesstokenprovider: { report: 'Databricks credential passthrough: set fs.azure.account.auth.type CustomAccessToken and fs.azure.account.custom.token.provider.class spark.conf.get("spark.databricks.passthrough.adls.gen2.tokenProviderClassName")' },
};

/** The ABFS key for an ADL suffix, global or with the Gen2 account as suffix. */
function abfsKey(suffix: string, perAccount: { account: string; suffix: string } | undefined): string {
  return perAccount === undefined ? `fs.azure.account.${suffix}` : `fs.azure.account.${suffix}.${perAccount.account}.dfs.${perAccount.suffix}`;
}

// A quote may be JSON-escaped (a notebook cell line inside a JSON string), and the line itself may be a JSON string element.
const LINE_BEFORE_KEY = /^\s*"?(?:\.?[\w.()[\]]*\(\s*)?(?:\\?["'])?(?:[\w.-]+\.)?$/;
const LINE_AFTER_VALUE = /^(?:\\?["'])?\s*[)\]},;]*\s*(?:\\n",?|\\|#.*|\/\/.*)?\s*$/;

/**
 * The two ABFS settings that replace one Gen1 provider-type setting (`KEY VALUE`), or why there are none.
 * Used by the text rule and by the XML pass (core-site.xml properties).
 */
export function providerTypeSettings(key: string, value: string, mapping: CutoverMapping | undefined): { k1: string; v1: string; k2: string; v2: string } | { reason: string } {
  const m = /(?:fs\.adl|dfs\.adls)\.(?:account\.([A-Za-z0-9${}<>_-]+)\.)?oauth2\.access\.token\.provider\.type$/.exec(key.trim());
  if (m === null) return { reason: 'not a Gen1 token provider type key' };
  let perAccount: { account: string; suffix: string } | undefined;
  if (m[1] !== undefined) {
    const t = gen2AccountFor(mapping, m[1].toLowerCase());
    if ('reason' in t) return { reason: `per-account key (the account moves to a suffix on Gen2): ${t.reason}` };
    perAccount = t;
  }
  const cls = PROVIDER_CLASS[value.trim().toLowerCase()];
  if (cls === undefined) return { reason: `unknown Gen1 token provider type '${value.trim()}': set fs.azure.account.auth.type OAuth and fs.azure.account.oauth.provider.type to the ABFS provider class` };
  if (typeof cls !== 'string') return { reason: cls.report };
  return { k1: abfsKey('auth.type', perAccount), v1: 'OAuth', k2: abfsKey('oauth.provider.type', perAccount), v2: cls };
}

/**
 * `...provider.type = ClientCredential` becomes two settings, `fs.azure.account.auth.type OAuth` and
 * `fs.azure.account.oauth.provider.type CLASS`, in the same wrapper: the line is duplicated (config
 * files, dict entries, spark.conf.set), or the `-D`/`--conf` token is. Anything else is reported.
 */
function providerType(m: RegExpExecArray, ctx: RuleContext, perAccount: { account: string; suffix: string } | undefined): RuleOutcome {
  const keyStart = m.index;
  const keyEnd = keyStart + m[0].length;
  const after = /^((?:\\?["'])?\s*(?:[:=,]\s*|\s+)(?:\\?["'])?)([A-Za-z]+)\b/.exec(ctx.text.slice(keyEnd, keyEnd + 200));
  const manual = `set fs.azure.account.auth.type${perAccount === undefined ? '' : '.ACCOUNT2.dfs.core.windows.net'} OAuth and fs.azure.account.oauth.provider.type to the ABFS provider class`;
  if (after === null) return { action: 'report', reason: `token provider type whose value is not next to the key: ${manual}` };
  const value = after[2] ?? '';
  const cls = PROVIDER_CLASS[value.toLowerCase()];
  if (cls === undefined) return { action: 'report', reason: `unknown Gen1 token provider type '${value}': ${manual}` };
  if (typeof cls !== 'string') return { action: 'report', reason: cls.report };
  const valueStart = keyEnd + (after[1] ?? '').length;
  const valueEnd = valueStart + value.length;
  const k1 = abfsKey('auth.type', perAccount);
  const k2 = abfsKey('oauth.provider.type', perAccount);
  const pair = (k: string, v: string, from: number, to: number): string => `${ctx.text.slice(from, keyStart)}${k}${ctx.text.slice(keyEnd, valueStart)}${v}${ctx.text.slice(valueEnd, to)}`;
  const line = lineAround(ctx.text, keyStart);
  const before = ctx.text.slice(line.start, keyStart);
  const tokenStart = line.start + Math.max(before.lastIndexOf(' '), before.lastIndexOf('\t')) + 1;
  const token = ctx.text.slice(tokenStart, keyStart);
  const replacement = `${k1} OAuth, ${k2} ${cls}`;
  if (/^["']?-D/.test(token) || /--conf\s+$/.test(ctx.text.slice(line.start, tokenStart))) {
    const joiner = token.startsWith('-D') || token.startsWith('"-D') || token.startsWith("'-D") ? ` ${token}` : ` --conf ${token}`;
    const end = valueEnd + (/^["']/.test(ctx.text.slice(valueEnd)) && /^["']/.test(token) ? 1 : 0);
    const first = pair(k1, 'OAuth', keyStart, end);
    return { action: 'rewrite', replacement, edit: { start: keyStart, end, text: `${first}${joiner}${pair(k2, cls, keyStart, end)}` } };
  }
  if (!LINE_BEFORE_KEY.test(before) || !LINE_AFTER_VALUE.test(ctx.text.slice(valueEnd, line.end))) {
    // In a notebook or JSON file the setting may be one source line of several in a JSON string: the
    // copies then stay inside that string, joined by a `\n` escape (the JSON stays valid).
    const inner = ctx.file.format === 'notebook' || ctx.file.format === 'json' ? jsonStringLineAround(ctx.text, keyStart) : undefined;
    if (inner !== undefined && valueEnd <= inner.end && LINE_BEFORE_KEY.test(ctx.text.slice(inner.start, keyStart)) && LINE_AFTER_VALUE.test(ctx.text.slice(valueEnd, inner.end))) {
      return { action: 'rewrite', replacement, edit: { start: inner.start, end: inner.end, text: `${pair(k1, 'OAuth', inner.start, inner.end)}\\n${pair(k2, cls, inner.start, inner.end)}` } };
    }
    return { action: 'report', reason: `token provider type on a line with other settings: ${manual} (${cls})` };
  }
  // In JSON (a notebook's source array) the first copy needs the comma the last element lacks.
  const comma = (ctx.file.format === 'notebook' || ctx.file.format === 'json') && /"\s*$/.test(ctx.text.slice(line.start, line.end)) ? ',' : '';
  return { action: 'rewrite', replacement, edit: { start: line.start, end: line.end, text: `${pair(k1, 'OAuth', line.start, line.end)}${comma}${line.eol}${pair(k2, cls, line.start, line.end)}` } };
}

export const HADOOP_RULES: readonly Rule[] = [
  {
    id: 'hadoop-adl-key',
    kind: 'hadoop-config',
    family: '1.2/1.3',
    description: 'fs.adl.* and dfs.adls.* keys after any prefix (spark.hadoop., -D, spark.conf.set, hadoopConfiguration().set, Alluxio options) become fs.azure.account.* keys; per-account keys move the account to a .ACCOUNT2.dfs.core.windows.net suffix; keys without an ABFS equivalent are reported',
    pattern: /(?:(?<=-D)|(?<![A-Za-z0-9_]))(?<!apache\.hadoop\.)(?:fs\.adl|dfs\.adls)\.(?:account\.([A-Za-z0-9${}<>_-]+)\.)?([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)/g,
    literals: ['fs.adl'],
    anchor: { literal: /fs\.adl/g, back: /d/ },
    decide(m, ctx) {
      const acct = m[1];
      const suffix = (m[2] ?? '').toLowerCase();
      let perAccount: { account: string; suffix: string } | undefined;
      if (acct !== undefined) {
        if (!/^[a-z0-9]{3,24}$/.test(acct.toLowerCase())) return { action: 'report', reason: `per-account key whose account '${acct}' is a placeholder: write fs.azure.account.${typeof KEY_MAP[suffix] === 'string' ? KEY_MAP[suffix] : '...'}.ACCOUNT2.dfs.core.windows.net by hand` };
        const t = gen2AccountFor(ctx.mapping, acct.toLowerCase());
        if ('reason' in t) return { action: 'report', reason: `per-account key (the account moves to a suffix on Gen2): ${t.reason}` };
        perAccount = t;
      }
      if (suffix === 'oauth2.access.token.provider.type') return providerType(m, ctx, perAccount);
      if (suffix === 'impl' && acct === undefined) return { action: 'rewrite', replacement: 'fs.abfss.impl' };
      const mapped = KEY_MAP[suffix];
      if (mapped === undefined) return { action: 'report', reason: `ADL key '${m[0]}' has no known ABFS equivalent; remove it or find the ABFS setting (cutover.md 1.2)` };
      if (typeof mapped !== 'string') return { action: 'report', reason: mapped.report };
      return { action: 'rewrite', replacement: abfsKey(mapped, perAccount) };
    },
    examples: {
      positive: [
        { text: '<name>fs.adl.oauth2.client.id</name>', file: 'core-site.xml', action: 'rewrite', found: 'fs.adl.oauth2.client.id', replacement: 'fs.azure.account.oauth2.client.id' },
        { text: 'spark.hadoop.dfs.adls.oauth2.credential {{secrets/kv/spn}}', action: 'rewrite', replacement: 'fs.azure.account.oauth2.client.secret' },
        { text: 'spark.conf.set("fs.adl.oauth2.refresh.url", "https://login.microsoftonline.com/t/oauth2/token")', action: 'rewrite', replacement: 'fs.azure.account.oauth2.client.endpoint' },
        { text: 'sc._jsc.hadoopConfiguration().set("fs.adl.account.contoso.oauth2.client.id", cid)', action: 'rewrite', replacement: 'fs.azure.account.oauth2.client.id.contosoadls.dfs.core.windows.net' },
        { text: 'alluxio.master.mount.table.root.option.fs.adl.account.contoso.oauth2.credential=x', action: 'rewrite', replacement: 'fs.azure.account.oauth2.client.secret.contosoadls.dfs.core.windows.net' },
        { text: '  "fs.adl.oauth2.access.token.provider.type": "ClientCredential",', action: 'rewrite', replacement: `fs.azure.account.auth.type OAuth, fs.azure.account.oauth.provider.type ${ABFS}.oauth2.ClientCredsTokenProvider` },
        { text: 'hadoop distcp -Dfs.adl.oauth2.access.token.provider.type=RefreshToken -Dx=y a b', action: 'rewrite' },
        { text: 'spark.conf.set("fs.adl.oauth2.access.token.provider.type", "DeviceCode")', action: 'report', reason: /DeviceCode/ },
        { text: 'fs.adl.oauth2.msi.port=50342', action: 'report', reason: /MSI port/ },
        { text: '<name>dfs.adls.home.mountpoint</name>', action: 'report', reason: /HDInsight/ },
        { text: 'fs.adl.account.fabrikam.oauth2.client.id=x', action: 'report', reason: /not in the mapping/ },
        { text: 'fs.adl.impl=org.apache.hadoop.fs.adl.AdlFileSystem', action: 'rewrite', found: 'fs.adl.impl', replacement: 'fs.abfss.impl' },
      ],
      negative: [
        { text: 'fs.azure.account.oauth2.client.id.contosoadls.dfs.core.windows.net' },
        { text: 'ifs.adlx = 1' },
        { text: 'fs.AbstractFileSystem.abfss.impl' },
      ],
    },
  },
  {
    id: 'hadoop-adl-class',
    kind: 'hadoop-config',
    family: '1.2',
    description: 'ADL driver classes (AdlFileSystem, Adl) become the ABFS classes; a custom AzureADTokenProvider is reported',
    pattern: /\borg\.apache\.hadoop\.fs\.adl\.([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)/g,
    literals: ['org.apache.hadoop.fs.adl.'],
    decide(m) {
      const cls = m[1] ?? '';
      if (cls === 'AdlFileSystem') return { action: 'rewrite', replacement: `${ABFS}.SecureAzureBlobFileSystem` };
      if (cls === 'Adl') return { action: 'rewrite', replacement: `${ABFS}.Abfss` };
      return { action: 'report', reason: `ADL driver class ${cls}: ABFS has no drop-in replacement (custom providers implement ${ABFS}.extensions.CustomTokenProviderAdaptee)` };
    },
    examples: {
      positive: [
        { text: '<value>org.apache.hadoop.fs.adl.AdlFileSystem</value>', action: 'rewrite', replacement: `${ABFS}.SecureAzureBlobFileSystem` },
        { text: 'fs.AbstractFileSystem.adl.impl=org.apache.hadoop.fs.adl.Adl', action: 'rewrite', found: 'org.apache.hadoop.fs.adl.Adl', replacement: `${ABFS}.Abfss` },
        { text: 'class P extends org.apache.hadoop.fs.adl.oauth2.AzureADTokenProvider', action: 'report', reason: /CustomTokenProviderAdaptee/ },
      ],
      negative: [{ text: `${ABFS}.SecureAzureBlobFileSystem` }],
    },
  },
  {
    id: 'hadoop-adl-abstract-impl',
    kind: 'hadoop-config',
    family: '1.2',
    description: 'fs.AbstractFileSystem.adl.impl becomes fs.AbstractFileSystem.abfss.impl',
    pattern: /\bfs\.AbstractFileSystem\.adl\.impl\b/g,
    literals: ['fs.abstractfilesystem.adl.impl'],
    decide: () => ({ action: 'rewrite', replacement: 'fs.AbstractFileSystem.abfss.impl' }),
    examples: { positive: [{ text: '<name>fs.AbstractFileSystem.adl.impl</name>', action: 'rewrite', replacement: 'fs.AbstractFileSystem.abfss.impl' }], negative: [{ text: 'fs.AbstractFileSystem.abfs.impl' }] },
  },
  {
    id: 'hadoop-adl-tuning-key',
    kind: 'hadoop-config',
    family: '1.2',
    description: 'adl.* driver tuning keys: the latency tracker becomes fs.azure.abfs.latency.track; the others have no ABFS equivalent and are reported',
    pattern: /(?<![A-Za-z0-9_])adl\.(feature\.[A-Za-z0-9_.]*[A-Za-z0-9_]|(?:dfs\.)?enable\.client\.latency\.tracker|debug\.override\.localuserasfileowner|events\.tracking\.cluster(?:name|type))\b/g,
    literals: ['adl.'],
    decide(m) {
      const k = m[1] ?? '';
      if (k.endsWith('latency.tracker')) return { action: 'rewrite', replacement: 'fs.azure.abfs.latency.track' };
      if (k === 'feature.ownerandgroup.enableupn') return { action: 'report', reason: 'owner/group as UPNs: ABFS uses the identity transformer keys fs.azure.identity.transformer.* instead (domain.md 1.4)' };
      return { action: 'report', reason: `ADL tuning key adl.${k} has no ABFS equivalent (ABFS read/write tuning uses fs.azure.read.request.size and fs.azure.write.request.size): remove it` };
    },
    examples: {
      positive: [
        { text: 'spark.hadoop.adl.enable.client.latency.tracker false', action: 'rewrite', replacement: 'fs.azure.abfs.latency.track' },
        { text: '<name>adl.feature.client.cache.readahead</name>', action: 'report', reason: /no ABFS equivalent/ },
      ],
      negative: [{ text: 'fs.azure.abfs.latency.track' }, { text: 'fs.adl.oauth2.client.id' }],
    },
  },
  {
    id: 'credential-jceks-alias',
    kind: 'credential',
    family: '1.2',
    description: 'Gen1 secrets kept as JCEKS aliases (hadoop credential create fs.adl.*/dfs.adls.*): the keystore cannot be edited, the alias must be re-created under the ABFS name',
    pattern: /\bhadoop\s+credential\s+create\s+((?:fs\.adl|dfs\.adls)\.[A-Za-z0-9_.]+)/g,
    literals: ['fs.adl'],
    group: 1,
    decide: (m) => ({ action: 'report', reason: `JCEKS alias ${m[1] ?? ''}: create the secret again under its ABFS name (e.g. hadoop credential create fs.azure.account.oauth2.client.secret -provider ...) and keep hadoop.security.credential.provider.path pointing at the keystore` }),
    examples: {
      positive: [{ text: 'hadoop credential create dfs.adls.oauth2.credential -value "$S" -provider localjceks://file/home/u/adls.jceks', action: 'report', found: 'dfs.adls.oauth2.credential', reason: /JCEKS alias/ }],
      negative: [{ text: 'hadoop credential create fs.azure.account.oauth2.client.secret -provider localjceks://file/x.jceks' }],
    },
  },
];
