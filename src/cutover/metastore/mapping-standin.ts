// TEMPORARY stand-in for src/cutover/mapping.ts (branch `cutover`), same API; deleted after merging it.
export interface Gen1Parsed { account: string; path: string; short: boolean }
export interface Mapping { rules: Array<{ account: string; prefix: string; target: string }> }
export type MapResult = { action: 'rewrite'; target: string; uri: string } | { action: 'report'; reason: string };

export function parseGen1Location(text: string): Gen1Parsed | undefined {
  const m = /^(?:adl|swebhdfs):\/\/([^/]*)(\/.*)?$/i.exec(text) ?? /^https:\/\/([^/]+)\/webhdfs\/v1(\/.*)?$/i.exec(text);
  if (m === null) return undefined;
  const host = (m[1] ?? '').toLowerCase();
  const acct = /^([a-z0-9]{3,24})\.azuredatalakestore\.net$/.exec(host)?.[1];
  return { account: acct ?? host, path: m[2] ?? '/', short: acct === undefined };
}

export function loadMapping(o: { map?: string[]; mapFile?: string; plan?: string }): Mapping {
  const rules = (o.map ?? []).map((spec) => {
    const i = spec.indexOf('=');
    const p = parseGen1Location(spec.slice(0, i));
    if (i < 0 || p === undefined) throw new Error(`bad --map ${spec}`);
    return { account: p.account, prefix: p.path.replace(/\/$/, ''), target: spec.slice(i + 1).replace(/\/$/, '') };
  });
  return { rules };
}

export function mapGen1Location(mapping: Mapping, loc: Gen1Parsed): MapResult {
  if (loc.short) return { action: 'report', reason: 'HDInsight short form without a cluster mapping' };
  const rule = mapping.rules
    .filter((r) => r.account === loc.account && (loc.path === r.prefix || loc.path.startsWith(`${r.prefix}/`)))
    .sort((a, b) => b.prefix.length - a.prefix.length)[0];
  if (rule === undefined) return { action: 'report', reason: 'outside every mapping' };
  return { action: 'rewrite', target: rule.target, uri: rule.target + loc.path.slice(rule.prefix.length) };
}
