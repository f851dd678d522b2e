import { encodeUriPath, gen1AccountOfHost, type Gen1Location } from '../mapping.js';
import { fromMapping, gen2AccountFor, mapLocation } from './resolve.js';
import type { Rule, RuleContext, RuleOutcome } from './types.js';

/** URI and endpoint rules: shared/docs/cutover.md section 1.1 (U1-U12). */

// A host may be a placeholder (`<<name>>`, `{acct}`, `${ACCOUNT}`, `$account`); a path stops at quotes,
// whitespace, markup and list separators, and keeps `{*}`-style file sets and template segments.
const HOST = String.raw`[A-Za-z0-9\${}<>_-]+`;
const PATH = String.raw`(?:\/[^\s"'\`<>\\|,;)\]]*)?`;
const USQL_REASON = 'U-SQL runs only on Data Lake Analytics, which cannot read Gen2 (retired 29 Feb 2024): port the job to Spark, Synapse or Databricks and give it the Gen2 path then (cutover.md 1.9)';

function decodePath(raw: string): string | undefined {
  try {
    const p = decodeURIComponent(raw);
    return p === '' ? '/' : p;
  } catch {
    return undefined;
  }
}

/** Drops sentence punctuation that ended up at the end of a path in prose. */
function trimPathEnd(path: string): string {
  return path.replace(/[.:]+$/, '');
}

function placeholderReport(host: string): RuleOutcome {
  return { action: 'report', reason: `the account '${host}' is a placeholder or variable: lakeshift cannot tell which Gen1 account it is; change it by hand to abfss://FS@ACCOUNT2.dfs.core.windows.net/PATH` };
}

/** Maps `scheme://HOST/PATH` where HOST is a Gen1 account, keeping "no path" and a trailing slash. */
function rewriteGen1(ctx: RuleContext, account: string, rawPath: string, format: (uri: string) => string = (u) => u): RuleOutcome {
  const path = decodePath(rawPath);
  if (path === undefined) return { action: 'report', reason: `the path '${rawPath}' is not valid percent-encoding; fix it by hand` };
  const loc: Gen1Location = { account, path };
  const out = fromMapping(mapLocation(ctx.mapping, loc), format);
  if (out.action === 'rewrite' && rawPath === '') return { ...out, replacement: out.replacement.replace(/\/$/, '') };
  return out;
}

/** The match position of the path group (for trimming), as text. */
function pathOf(m: RegExpExecArray, group: number): string {
  return trimPathEnd(m[group] ?? '');
}

const NOT_USQL = (ctx: RuleContext): boolean => !ctx.file.usql;

export const URI_RULES: readonly Rule[] = [
  {
    id: 'uri-adl',
    kind: 'uri',
    family: 'U1/U2',
    description: 'adl://ACCOUNT.azuredatalakestore.net/PATH (and the account root) becomes abfss://FS@ACCOUNT2.dfs.core.windows.net/PATH through the mapping',
    pattern: new RegExp(String.raw`\badl:\/\/(${HOST})\.azuredatalakestore\.net(?::\d+)?(${PATH})`, 'gi'),
    literals: ['.azuredatalakestore'],
    decide(m, ctx) {
      const host = m[1] ?? '';
      if (ctx.file.usql) return { action: 'report', reason: USQL_REASON };
      const account = gen1AccountOfHost(`${host}.azuredatalakestore.net`);
      if (account === undefined) return placeholderReport(host);
      return rewriteGen1(ctx, account, pathOf(m, 2));
    },
    examples: {
      positive: [
        { text: 'df = spark.read.parquet("adl://contoso.azuredatalakestore.net/raw/sales/2024")', action: 'rewrite', found: 'adl://contoso.azuredatalakestore.net/raw/sales/2024', replacement: 'abfss://raw@contosoadls.dfs.core.windows.net/sales/2024' },
        { text: "LOCATION 'adl://contoso.azuredatalakestore.net/'", action: 'rewrite', replacement: 'abfss://gen1@contosoadls.dfs.core.windows.net/' },
        { text: 'source = adl://contoso.azuredatalakestore.net', action: 'rewrite', replacement: 'abfss://gen1@contosoadls.dfs.core.windows.net' },
        { text: 'see adl://contoso.azuredatalakestore.net/raw/x.csv.', action: 'rewrite', replacement: 'abfss://raw@contosoadls.dfs.core.windows.net/x.csv' },
        { text: '"adl://<<adlsGen1Name>>.azuredatalakestore.net/AdventureWorks"', action: 'report', reason: /placeholder/ },
        { text: 'x = "adl://fabrikam.azuredatalakestore.net/data"', action: 'report', reason: /'fabrikam' is not in the mapping/ },
        { text: 'x = "adl://contoso.azuredatalakestore.net/data"', map: [], action: 'report', reason: /no mapping given/ },
        { text: 'EXTRACT a string FROM "adl://contoso.azuredatalakestore.net/raw/in.tsv" USING Extractors.Tsv();', file: 'job.usql', action: 'report', reason: /U-SQL/ },
      ],
      negative: [
        { text: 'df = spark.read.parquet("abfss://raw@contosoadls.dfs.core.windows.net/sales/2024")' },
        { text: 'path = "/mnt/raw/sales"' },
        { text: 'badl://contoso.azuredatalakestore.net/x' },
      ],
    },
  },
  {
    id: 'uri-swebhdfs',
    kind: 'uri',
    family: 'U7',
    description: 'swebhdfs:// (and webhdfs://) on a Gen1 host becomes the abfss:// URI; in U-SQL and AdlCopy it is reported',
    pattern: new RegExp(String.raw`\bs?webhdfs:\/\/(${HOST})\.azuredatalakestore\.net(?::\d+)?(${PATH})`, 'gi'),
    literals: ['.azuredatalakestore'],
    decide(m, ctx) {
      const host = m[1] ?? '';
      if (ctx.file.usql) return { action: 'report', reason: USQL_REASON };
      const line = ctx.text.slice(ctx.text.lastIndexOf('\n', m.index) + 1, m.index);
      if (/\badlcopy\b/i.test(line)) return { action: 'report', reason: 'AdlCopy writes only to Gen1: copy with AzCopy v10 to https://ACCOUNT2.dfs.core.windows.net/FS/PATH (or lakeshift migrate)' };
      const account = gen1AccountOfHost(`${host}.azuredatalakestore.net`);
      if (account === undefined) return placeholderReport(host);
      return rewriteGen1(ctx, account, pathOf(m, 2));
    },
    examples: {
      positive: [
        { text: 'hdfs dfs -ls swebhdfs://contoso.azuredatalakestore.net/raw/logs/', action: 'rewrite', replacement: 'abfss://raw@contosoadls.dfs.core.windows.net/logs/' },
        { text: 'AdlCopy /source https://x.blob.core.windows.net/c/ /dest swebhdfs://contoso.azuredatalakestore.net/raw/ /sourcekey KEY', action: 'report', reason: /AzCopy/ },
      ],
      negative: [{ text: 'webhdfs://namenode.example.com:50070/raw' }],
    },
  },
  {
    id: 'uri-adl-home',
    kind: 'uri',
    family: 'U3/U4',
    description: 'HDInsight default-storage forms adl://home/PATH and adl:///PATH: rewritten when the mapping file gives the cluster home (hostname and mountpoint), else reported',
    pattern: new RegExp(String.raw`\badl:\/\/(home(?![A-Za-z0-9_.-])|(?=\/))(${PATH})`, 'gi'),
    literals: ['adl:/'],
    decide(m, ctx) {
      if (ctx.file.usql) return { action: 'report', reason: USQL_REASON };
      const home = ctx.mapping?.home;
      const raw = pathOf(m, 2);
      if (home === undefined) {
        return { action: 'report', reason: 'HDInsight default-storage path: it resolves through the cluster\'s dfs.adls.home.hostname and dfs.adls.home.mountpoint; give them as home: in the mapping file, or change it by hand to the new cluster\'s default file system' };
      }
      const rel = raw.replace(/^\/+/, '');
      const full = `${home.mountpoint === '/' ? '' : home.mountpoint}/${rel}`;
      return rewriteGen1(ctx, home.account, encodeUriPath(full));
    },
    examples: {
      positive: [
        { text: '<value>adl://home</value>', action: 'report', reason: /dfs\.adls\.home\.hostname/ },
        { text: "LOCATION 'adl:///example/data/'", action: 'report', reason: /HDInsight/ },
      ],
      negative: [{ text: 'adl://homework.azuredatalakestore.net/x' }, { text: 'adl://homes/x' }],
    },
  },
  {
    id: 'uri-adl-short',
    kind: 'uri',
    family: 'U5/U10',
    description: 'adl://NAME/PATH without a domain: the fsspec/adlfs grammar in Python data code (reported with the adlfs abfs:// form), else the HDInsight short form of adl://NAME.azuredatalakestore.net (rewritten when NAME is a mapped account)',
    pattern: new RegExp(String.raw`\badl:\/\/(?!home(?![A-Za-z0-9_.-]))([A-Za-z0-9\${}<>_-]+)(?![A-Za-z0-9_.@-])(${PATH})`, 'gi'),
    literals: ['adl:/'],
    decide(m, ctx) {
      const name = m[1] ?? '';
      if (ctx.file.usql) return { action: 'report', reason: USQL_REASON };
      const account = gen1AccountOfHost(`${name}.azuredatalakestore.net`);
      if (ctx.file.fsspec) {
        const target = account === undefined ? undefined : mapLocation(ctx.mapping, { account, path: decodePath(pathOf(m, 2)) ?? '/' });
        const hint = target?.action === 'rewrite' ? `abfs://${target.target.filesystem}${encodeUriPath(target.target.path)} with storage_options={'account_name': '${target.target.account}', ...}` : 'abfs://FS/PATH with storage_options={\'account_name\': ACCOUNT2, ...}';
        return { action: 'report', reason: `fsspec/adlfs Gen1 URI (adl://STORE/PATH, store name and credentials in storage_options): use ${hint}; the tenant_id/client_id/client_secret options stay, the store name moves to account_name` };
      }
      if (account === undefined) return placeholderReport(name);
      return rewriteGen1(ctx, account, pathOf(m, 2));
    },
    examples: {
      positive: [
        { text: 'hadoop fs -ls adl://contoso/raw/in', action: 'rewrite', replacement: 'abfss://raw@contosoadls.dfs.core.windows.net/in' },
        { text: "import dask.dataframe as dd\ndf = dd.read_csv('adl://contoso/raw/*.csv', storage_options={'tenant_id': T})", file: 'load.py', action: 'report', reason: /account_name': 'contosoadls'/ },
        { text: 'hadoop fs -ls adl://unknownacct/x', action: 'report', reason: /not in the mapping/ },
      ],
      negative: [{ text: 'adl://contoso.azuredatalakestore.net/x' }, { text: 'adl://bronze@contoso.azuredatalakestore.net/x' }],
    },
  },
  {
    id: 'uri-webhdfs-rest',
    kind: 'uri',
    family: 'U8',
    description: 'https://ACCOUNT.azuredatalakestore.net/webhdfs/v1/PATH becomes https://ACCOUNT2.dfs.core.windows.net/FS/PATH; a REST call (?op=...) is reported: it needs the DFS API',
    pattern: new RegExp(String.raw`\bhttps?:\/\/(${HOST})\.azuredatalakestore\.net(?::\d+)?\/webhdfs\/v1(?![A-Za-z0-9_])(${PATH.replace('[^', '[^?#')})(\?[^\s"'\`<>\\|)\]]*)?`, 'gi'),
    literals: ['.azuredatalakestore'],
    decide(m, ctx) {
      const host = m[1] ?? '';
      if (ctx.file.usql) return { action: 'report', reason: USQL_REASON };
      const account = gen1AccountOfHost(`${host}.azuredatalakestore.net`);
      if (account === undefined) return placeholderReport(host);
      const out = rewriteGen1(ctx, account, pathOf(m, 2), (uri) => {
        const u = /^abfss:\/\/([^@]+)@([^/]+)(\/.*)?$/.exec(uri);
        return u === null ? uri : `https://${u[2] ?? ''}/${u[1] ?? ''}${u[3] === '/' ? '' : (u[3] ?? '')}`;
      });
      if (m[3] !== undefined && /[?&]op=/i.test(m[3])) {
        return { action: 'report', reason: `WebHDFS REST call (${/op=([A-Za-z]+)/i.exec(m[3])?.[1] ?? 'op'}): Gen2 speaks the DFS REST API, not WebHDFS; move the client to the Gen2 SDK${out.action === 'rewrite' ? ` with ${out.replacement}` : ''} (cutover.md 2.2)` };
      }
      return out;
    },
    examples: {
      positive: [
        { text: '"dataLakeStoreUri": "https://contoso.azuredatalakestore.net/webhdfs/v1/raw/in"', file: 'notes.txt', action: 'rewrite', replacement: 'https://contosoadls.dfs.core.windows.net/raw/in' },
        { text: "CREDENTIAL [https://contoso.azuredatalakestore.net/webhdfs/v1]", action: 'rewrite', replacement: 'https://contosoadls.dfs.core.windows.net/gen1' },
        { text: 'curl "https://contoso.azuredatalakestore.net/webhdfs/v1/raw/a.csv?op=OPEN"', action: 'report', reason: /OPEN/ },
      ],
      negative: [{ text: 'https://contosoadls.dfs.core.windows.net/raw/in' }, { text: 'http://127.0.0.1:9870/webhdfs/v1/raw' }],
    },
  },
  {
    id: 'uri-webhdfsext',
    kind: 'uri',
    family: 'U9',
    description: 'Gen1 extension endpoint /WebHdfsExt/ (concurrent append, expiry, ...): no single Gen2 equivalent, reported',
    pattern: new RegExp(String.raw`\bhttps?:\/\/(${HOST})\.azuredatalakestore\.net(?::\d+)?\/webhdfsext\b[^\s"'\`<>\\|)\]]*`, 'gi'),
    literals: ['.azuredatalakestore'],
    decide: () => ({ action: 'report', reason: 'Gen1 extension API (WebHdfsExt: CONCURRENTAPPEND, SETEXPIRY, MSCONCAT, ...): Gen2 has no single equivalent; concurrent append and concat have none at all (cutover.md 2.3)' }),
    examples: {
      positive: [{ text: 'POST https://contoso.azuredatalakestore.net/WebHdfsExt/logs/a.log?op=CONCURRENTAPPEND', action: 'report', reason: /CONCURRENTAPPEND/ }],
      negative: [{ text: 'https://contoso.azuredatalakestore.net/webhdfs/v1/x' }],
    },
  },
  {
    id: 'uri-gen1-malformed',
    kind: 'uri',
    family: 'U12',
    description: 'Wrong-but-real forms: Gen2 grammar on a Gen1 scheme (adl://FS@ACCOUNT.azuredatalakestore.net), the typos azuredatalakestorage.net and azuredatalake.net: reported, never rewritten',
    pattern: /\b(?:adl|abfss?|s?webhdfs|https?):\/\/[A-Za-z0-9${}<>_-]+@[A-Za-z0-9${}<>_-]+\.azuredatalakestore\.net[^\s"'`<>\\|,;)\]]*|[A-Za-z0-9${}<>_:/.-]*\.azuredatalake(?:storage)?\.net\b[^\s"'`<>\\|,;)\]]*/gi,
    literals: ['.azuredatalake'],
    anchor: { literal: /\.azuredatalake/gi, back: /[A-Za-z0-9${}<>_:/.@-]/ },
    decide: (m) => ({
      action: 'report',
      reason: m[0].includes('@')
        ? 'Gen2 grammar (FS@ACCOUNT) on a Gen1 host: this URI never worked as written; find out which store was meant and write abfss://FS@ACCOUNT2.dfs.core.windows.net/PATH'
        : 'misspelled Gen1 domain (the Gen1 suffix is azuredatalakestore.net): find out which store was meant and write the Gen2 URI by hand',
    }),
    examples: {
      positive: [
        { text: 'dbutils.fs.mount("adl://bronze@adlsdev.azuredatalakestore.net/", "/mnt/bronze")', action: 'report', reason: /Gen2 grammar/ },
        { text: 'swebhdfs://store.azuredatalakestorage.net/out', action: 'report', reason: /misspelled/ },
        { text: "LOCATION = 'adl://myacct.azuredatalake.net'", action: 'report', reason: /misspelled/ },
      ],
      negative: [{ text: 'adl://contoso.azuredatalakestore.net/x' }, { text: 'https://contoso.azuredatalakeanalytics.net' }],
    },
  },
  {
    id: 'endpoint-gen1-host',
    kind: 'endpoint',
    family: 'U11',
    description: 'A bare Gen1 host (allow-lists, proxy rules, private DNS, config values) becomes ACCOUNT2.dfs.core.windows.net; in Gen1 SDK code it is reported with the client call',
    pattern: /(?<![A-Za-z0-9_.@/$-])([A-Za-z0-9]+)\.azuredatalakestore\.net\b(?!\/webhdfs)/gi,
    literals: ['.azuredatalakestore'],
    anchor: { literal: /\.azuredatalakestore/gi, back: /[A-Za-z0-9]/ },
    applies: (f) => !f.usql,
    decide(m, ctx) {
      const account = gen1AccountOfHost(m[0]);
      if (account === undefined) return undefined;
      const t = gen2AccountFor(ctx.mapping, account);
      if (ctx.file.gen1Sdk) return { action: 'report', reason: `Gen1 account host passed to a Gen1 SDK client: the Gen2 client takes the URL https://${'reason' in t ? 'ACCOUNT2' : t.account}.dfs.core.windows.net (see the client finding for the call)` };
      if ('reason' in t) return { action: 'report', reason: t.reason };
      return { action: 'rewrite', replacement: `${t.account}.dfs.${t.suffix}` };
    },
    examples: {
      positive: [
        { text: 'allow: contoso.azuredatalakestore.net:443', action: 'rewrite', found: 'contoso.azuredatalakestore.net', replacement: 'contosoadls.dfs.core.windows.net' },
        { text: '<value>contoso.azuredatalakestore.net</value>', action: 'rewrite', replacement: 'contosoadls.dfs.core.windows.net' },
        { text: 'host fabrikam.azuredatalakestore.net', action: 'report', reason: /not in the mapping/ },
      ],
      negative: [{ text: 'adl://contoso.azuredatalakestore.net/x' }, { text: 'contoso.dfs.core.windows.net' }, { text: '*.azuredatalakestore.net' }],
    },
  },
  {
    id: 'endpoint-gen1-host-template',
    kind: 'endpoint',
    family: 'U11',
    description: 'A Gen1 host built from a variable or placeholder (${name}.azuredatalakestore.net, {acct}..., <<name>>...) outside a URI: reported',
    pattern: /(?<![A-Za-z0-9_.@/${<-])(?:\$\{[^}\s]{1,60}\}|\{[A-Za-z0-9_]{1,40}\}|<<?[A-Za-z0-9_ -]{1,40}>>?|\$[A-Za-z_][A-Za-z0-9_]{0,40})\.azuredatalakestore\.net\b/g,
    literals: ['.azuredatalakestore'],
    decide: () => ({ action: 'report', reason: 'Gen1 host name built from a variable: lakeshift cannot tell the account; change it to ACCOUNT2.dfs.core.windows.net (the Gen2 account) where the variable is set' }),
    examples: {
      positive: [{ text: "output endpoint string = '${lake.name}.azuredatalakestore.net'", action: 'report', reason: /variable/ }, { text: 'host = f"{account}.azuredatalakestore.net"', action: 'report' }],
      negative: [{ text: 'adl://${acct}.azuredatalakestore.net/x' }, { text: '${acct}.dfs.core.windows.net' }],
    },
  },
  {
    id: 'endpoint-gen1-wildcard',
    kind: 'endpoint',
    family: 'U11',
    description: 'A wildcard allow-list entry for every Gen1 account: reported (Gen2 needs *.dfs.core.windows.net and *.blob.core.windows.net)',
    pattern: /\*\.azuredatalakestore\.net\b/gi,
    literals: ['*.azuredatalakestore'],
    decide: () => ({ action: 'report', reason: 'wildcard for every Gen1 account: allow *.dfs.core.windows.net and *.blob.core.windows.net (the SDKs call both) instead, or the exact Gen2 hosts' }),
    examples: { positive: [{ text: 'proxy_bypass = *.azuredatalakestore.net', action: 'report', reason: /blob/ }], negative: [{ text: '*.dfs.core.windows.net' }] },
  },
  {
    id: 'endpoint-adla',
    kind: 'usql',
    family: '1.9',
    description: 'Data Lake Analytics endpoint (ACCOUNT.azuredatalakeanalytics.net): no Gen2 counterpart, reported',
    pattern: /\b[A-Za-z0-9${}<>_-]*\.azuredatalakeanalytics\.net\b/gi,
    literals: ['.azuredatalakeanalytics'],
    anchor: { literal: /\.azuredatalakeanalytics/gi, back: /[A-Za-z0-9${}<>_-]/ },
    decide: () => ({ action: 'report', reason: USQL_REASON }),
    examples: { positive: [{ text: 'https://myadla.azuredatalakeanalytics.net/jobs', action: 'report', reason: /Data Lake Analytics/ }], negative: [{ text: 'azuredatalakestore.net' }] },
  },
  {
    id: 'token-audience-gen1',
    kind: 'credential',
    family: '1.1',
    description: 'Gen1 data-plane token resource https://datalake.azure.net/: Gen2 tokens are for https://storage.azure.com/',
    pattern: /https:\/\/datalake\.azure\.net\/?/gi,
    literals: ['://datalake.azure.net'],
    decide: () => ({ action: 'report', reason: 'token audience of the Gen1 data plane: request tokens for https://storage.azure.com/ and give the identity Storage Blob Data roles or ACLs on the Gen2 account' }),
    examples: { positive: [{ text: 'resource = "https://datalake.azure.net/"', action: 'report', reason: /storage\.azure\.com/ }], negative: [{ text: 'https://storage.azure.com/' }] },
  },
];

export { NOT_USQL };
