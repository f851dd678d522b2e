import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseYamlText } from '../plan/yaml-text.js';
import { z } from 'zod';
import { StorageError, isStorageError } from '../core/errors.js';
import { parseLocation } from '../core/uri.js';
import { loadPlan } from '../plan/load-plan.js';

/**
 * The cutover mapping: which Gen1 account and path prefix became which Gen2 account, filesystem and
 * path. Built from `--map` values, a mapping file, and/or a `lakeshift plan` file; the scanner asks it
 * for every Gen1 reference it finds. A reference outside every rule is reported, never guessed.
 */

export interface Gen1Location {
  /** Lower-case account name, e.g. 'contoso' (from contoso.azuredatalakestore.net). */
  account: string;
  /** Absolute, decoded, starts with '/'; a trailing '/' is kept when the reference had one. */
  path: string;
}

export interface Gen2Target {
  account: string;
  filesystem: string;
  /** Absolute path inside the filesystem, starts with '/' ('/' = the filesystem root). */
  path: string;
  /** DNS suffix after `dfs.`, when not the public cloud's `core.windows.net`. */
  dnsSuffix?: string;
}

export type MappingResult =
  | { action: 'rewrite'; target: Gen2Target; uri: string /* abfss://FS@ACCOUNT.dfs.core.windows.net/PATH */ }
  | { action: 'report'; reason: string };

export interface MappingRule {
  gen1: { account: string; /** '/' or '/a/b' (no trailing slash) */ prefix: string };
  gen2: Gen2Target;
  /** `root-files` (from a plan data set): only files directly under the prefix map with this rule. */
  include: 'subtree' | 'root-files';
  /** Where the rule came from, for messages: `--map[0]`, `map.yaml: mappings[2]`, `plan.yaml: datasets[1] (raw)`. */
  origin: string;
}

/** HDInsight default storage: `adl://home/X` and `adl:///X` mean `adl://HOSTNAME/MOUNTPOINT/X`. */
export interface HomeMapping {
  account: string;
  /** '/clusters/NAME' (no trailing slash) or '/'. */
  mountpoint: string;
  origin: string;
}

export interface CutoverMapping {
  readonly rules: readonly MappingRule[];
  /** Set when the mapping file has a `home:` entry (resolves the HDInsight short forms U3/U4). */
  readonly home?: HomeMapping;
}

export interface LoadMappingOptions {
  map?: readonly string[];
  mapFile?: string;
  plan?: string;
  /** Gen2 account for a plan: an account name or a Gen2 URI; default: the plan's `destination`. */
  gen2Account?: string;
  /** Gen1 account for a plan whose `source` is not an azuredatalakestore.net URI (an emulator URL). */
  gen1Account?: string;
}

const GEN1_SUFFIX = 'azuredatalakestore.net';
const ACCOUNT_NAME = /^[a-z0-9]{3,24}$/;
const GEN1_URI = /^(?:adl|swebhdfs|webhdfs):\/\/([^/?#]+)([^?#]*)/i;
const GEN1_HTTPS = /^https?:\/\/([^/?#]+)\/webhdfs\/v1(?=\/|$|[?#])([^?#]*)/i;

function invalid(message: string): StorageError {
  return new StorageError('invalid-argument', message);
}

/** Decodes a URI path; returns undefined for broken percent-encoding or dot segments. */
function decodePath(raw: string): string | undefined {
  let path: string;
  try {
    path = decodeURIComponent(raw);
  } catch {
    return undefined;
  }
  if (path.split('/').some((s) => s === '.' || s === '..')) return undefined;
  path = path.replace(/\/{2,}/g, '/');
  return path.startsWith('/') ? path : `/${path}`;
}

/** The account of a Gen1 host (`contoso.azuredatalakestore.net`, any case), else undefined. */
export function gen1AccountOfHost(host: string): string | undefined {
  const lower = host.toLowerCase();
  if (!lower.endsWith(`.${GEN1_SUFFIX}`)) return undefined;
  const account = lower.slice(0, -GEN1_SUFFIX.length - 1);
  return ACCOUNT_NAME.test(account) ? account : undefined;
}

/**
 * Parses a fully qualified Gen1 reference: `adl://ACCT.azuredatalakestore.net[/PATH]`,
 * `swebhdfs://ACCT.azuredatalakestore.net/PATH` or `https://ACCT.azuredatalakestore.net/webhdfs/v1[/PATH]`.
 * Returns undefined for anything else (short HDInsight forms, fsspec store names, typos, Gen2 grammar on a
 * Gen1 scheme): those need the scanner's context, not a guess.
 */
export function parseGen1Location(text: string): Gen1Location | undefined {
  const t = text.trim();
  const m = GEN1_URI.exec(t) ?? GEN1_HTTPS.exec(t);
  if (m === null) return undefined;
  const host = (m[1] ?? '').replace(/:\d+$/, '');
  if (host.includes('@')) return undefined;
  const account = gen1AccountOfHost(host);
  if (account === undefined) return undefined;
  const path = decodePath(m[2] ?? '');
  return path === undefined ? undefined : { account, path };
}

/** Encodes the characters a URI path cannot carry literally; keeps the rest as written. */
export function encodeUriPath(path: string): string {
  // eslint-disable-next-line no-control-regex
  return path.replace(/[%\s#?\u0000-\u001f\u007f]/g, (c) => encodeURIComponent(c));
}

/** `abfss://FS@ACCOUNT.dfs.core.windows.net/PATH` for a target. */
export function formatGen2Uri(target: Gen2Target): string {
  return `abfss://${target.filesystem}@${target.account}.dfs.${target.dnsSuffix ?? 'core.windows.net'}${encodeUriPath(target.path)}`;
}

function joinPath(base: string, rest: string): string {
  const b = base.replace(/\/+$/, '');
  const r = rest.replace(/^\/+/, '');
  if (r === '') return b === '' ? '/' : b;
  return `${b}/${r}`;
}

function trimPrefix(path: string): string {
  const p = `/${path.replace(/^\/+|\/+$/g, '')}`;
  return p.replace(/\/{2,}/g, '/');
}

/**
 * Maps one Gen1 location. The longest matching prefix of the same account wins (whole path segments
 * only: `/raw` matches `/raw/x`, not `/rawdata`). A location outside every rule is reported with the
 * reason, never guessed. A trailing '/' on the input is kept on the output.
 */
export function mapGen1Location(mapping: CutoverMapping, location: Gen1Location): MappingResult {
  const trailing = location.path.length > 1 && location.path.endsWith('/');
  const path = trimPrefix(location.path);
  let best: MappingRule | undefined;
  for (const rule of mapping.rules) {
    if (rule.gen1.account !== location.account) continue;
    const prefix = rule.gen1.prefix;
    const inside = prefix === '/' || path === prefix || path.startsWith(`${prefix}/`);
    if (!inside) continue;
    if (rule.include === 'root-files') {
      const rest = prefix === '/' ? path.slice(1) : path.slice(prefix.length + 1);
      if (rest.includes('/')) continue;
    }
    if (best === undefined || prefix.length > best.gen1.prefix.length) best = rule;
  }
  if (best === undefined) {
    const accounts = [...new Set(mapping.rules.map((r) => r.gen1.account))];
    const why = accounts.includes(location.account)
      ? `no mapping covers ${location.path} in Gen1 account '${location.account}'`
      : `Gen1 account '${location.account}' is not in the mapping${accounts.length > 0 ? ` (it maps ${accounts.join(', ')})` : ''}`;
    return { action: 'report', reason: `${why}; add a --map (or a mapping-file entry) for it` };
  }
  const rest = best.gen1.prefix === '/' ? path : path.slice(best.gen1.prefix.length);
  let targetPath = joinPath(best.gen2.path, rest);
  if (trailing && !targetPath.endsWith('/')) targetPath += '/';
  const target: Gen2Target = { ...best.gen2, path: targetPath };
  return { action: 'rewrite', target, uri: formatGen2Uri(target) };
}

/** Parses the Gen2 side of a rule (abfss://FS@ACCOUNT.dfs.core.windows.net/PATH or https://ACCOUNT.dfs.../FS/PATH). */
function parseGen2Side(text: string, where: string): Gen2Target {
  let loc;
  try {
    loc = parseLocation(text.trim());
  } catch (error) {
    if (isStorageError(error)) throw invalid(`${where}: ${error.message}`);
    throw error;
  }
  if (loc.kind !== 'gen2' || loc.pathStyle) {
    throw invalid(`${where}: '${text}' is not a Gen2 location. Write abfss://FILESYSTEM@ACCOUNT.dfs.core.windows.net/PATH.`);
  }
  const host = new URL(loc.dfsEndpoint).host;
  const suffix = host.slice(host.indexOf('.dfs.') + 5);
  return { account: loc.account, filesystem: loc.filesystem, path: `/${loc.path}`, ...(suffix === 'core.windows.net' ? {} : { dnsSuffix: suffix }) };
}

function parseGen1Side(text: string, where: string): Gen1Location {
  const loc = parseGen1Location(text);
  if (loc === undefined) {
    throw invalid(`${where}: '${text}' is not a Gen1 location. Write adl://ACCOUNT.azuredatalakestore.net/PREFIX (an account of 3-24 lowercase letters and digits).`);
  }
  return loc;
}

/** Parses one `--map adl://ACCOUNT.azuredatalakestore.net/PREFIX=abfss://FS@ACCOUNT2.dfs.core.windows.net/PATH`. */
export function parseMapValue(text: string, where: string): MappingRule {
  const splits = [...text.matchAll(/=(?=(?:abfss?|https?):\/\/)/gi)];
  const at = splits[splits.length - 1]?.index;
  if (at === undefined) {
    throw invalid(`${where}: '${text}' must look like adl://ACCOUNT.azuredatalakestore.net/PREFIX=abfss://FS@ACCOUNT2.dfs.core.windows.net/PATH.`);
  }
  const gen1 = parseGen1Side(text.slice(0, at), `${where} (left of '=')`);
  const gen2 = parseGen2Side(text.slice(at + 1), `${where} (right of '=')`);
  return { gen1: { account: gen1.account, prefix: trimPrefix(gen1.path) }, gen2, include: 'subtree', origin: where };
}

const str = z.string({ error: () => 'must be a string' }).min(1, 'must not be empty');
const mappingFileSchema = z.strictObject(
  {
    version: z.literal(1, { error: () => 'must be 1' }).optional(),
    mappings: z.array(z.strictObject({ gen1: str, gen2: str }, { error: () => 'must be an object with gen1 and gen2' }), { error: () => 'must be a list' }),
    home: z.strictObject({ hostname: str, mountpoint: str }, { error: () => 'must be an object with hostname and mountpoint' }).optional(),
  },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? `unknown field(s) ${issue.keys.join(', ')}` : 'must be an object with a mappings list') },
);

function formatIssuePath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : out === '' ? String(key) : `.${String(key)}`;
  return out === '' ? '(root)' : out;
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new StorageError('invalid-argument', `${path}: cannot read the ${what} (${code}).`, { cause: error });
  }
}

/** Parses a mapping file's text (YAML, of which JSON is a subset). Errors name the file and the field. */
export function parseMappingFile(text: string, name: string): { rules: MappingRule[]; home?: HomeMapping } {
  const parsed = mappingFileSchema.safeParse(parseYamlText(text, name, 'YAML or JSON'));
  if (!parsed.success) {
    const lines = parsed.error.issues.slice(0, 10).map((i) => `${name}: ${formatIssuePath(i.path)}: ${i.message}`);
    throw invalid(`${lines.join('\n')}\nA mapping file looks like:\nmappings:\n  - gen1: adl://ACCOUNT.azuredatalakestore.net/PREFIX\n    gen2: abfss://FS@ACCOUNT2.dfs.core.windows.net/PATH`);
  }
  const rules = parsed.data.mappings.map((m, i) => {
    const where = `${name}: mappings[${i}]`;
    const gen1 = parseGen1Side(m.gen1, `${where}.gen1`);
    return { gen1: { account: gen1.account, prefix: trimPrefix(gen1.path) }, gen2: parseGen2Side(m.gen2, `${where}.gen2`), include: 'subtree' as const, origin: where };
  });
  const h = parsed.data.home;
  if (h === undefined) return { rules };
  const account = gen1AccountOfHost(h.hostname.trim());
  if (account === undefined) throw invalid(`${name}: home.hostname: '${h.hostname}' is not ACCOUNT.azuredatalakestore.net (the cluster's dfs.adls.home.hostname).`);
  if (!h.mountpoint.startsWith('/')) throw invalid(`${name}: home.mountpoint: '${h.mountpoint}' must start with '/' (the cluster's dfs.adls.home.mountpoint, e.g. /clusters/NAME).`);
  return { rules, home: { account, mountpoint: trimPrefix(h.mountpoint), origin: `${name}: home` } };
}

/** Rules from a `lakeshift plan` file: every data set's Gen1 prefix to its filesystem and path. */
async function rulesFromPlan(planFile: string, options: LoadMappingOptions): Promise<MappingRule[]> {
  const plan = await loadPlan(planFile);
  const name = basename(planFile);
  let gen1Account = options.gen1Account?.trim().toLowerCase();
  let root = '/';
  const fromSource = parseGen1Location(plan.source);
  if (fromSource !== undefined) {
    root = trimPrefix(fromSource.path);
    gen1Account ??= fromSource.account;
  } else {
    try {
      const loc = parseLocation(plan.source);
      if (loc.kind === 'gen1') root = trimPrefix(loc.path);
    } catch {
      // The plan loader already accepted it; the account must then come from the option.
    }
  }
  if (gen1Account === undefined) throw invalid(`${name}: source: '${plan.source}' names no Gen1 account (not an azuredatalakestore.net URI); give --gen1-account ACCOUNT.`);
  if (!ACCOUNT_NAME.test(gen1Account)) throw invalid(`--gen1-account: '${gen1Account}' is not a Gen1 account name (3-24 lowercase letters and digits).`);
  const gen2Text = options.gen2Account ?? plan.destination ?? undefined;
  if (gen2Text === undefined) throw invalid(`${name}: destination: is null, so the plan names no Gen2 account; give --gen2-account ACCOUNT (or an abfss:// URI).`);
  let gen2: Gen2Target;
  if (ACCOUNT_NAME.test(gen2Text.trim())) gen2 = { account: gen2Text.trim(), filesystem: '', path: '/' };
  else gen2 = parseGen2Side(gen2Text, options.gen2Account === undefined ? `${name}: destination` : '--gen2-account');
  return plan.datasets.map((d, i) => ({
    gen1: { account: gen1Account, prefix: trimPrefix(joinPath(root, d.sourcePath)) },
    gen2: { account: gen2.account, filesystem: d.target.filesystem, path: joinPath('/', d.target.path), ...(gen2.dnsSuffix === undefined ? {} : { dnsSuffix: gen2.dnsSuffix }) },
    include: d.include,
    origin: `${name}: datasets[${i}] (${d.name})`,
  }));
}

/**
 * Builds the mapping from --map values, a mapping file (YAML or JSON) and/or a plan file; rules from all
 * three are combined (longest prefix wins when they overlap; an exact duplicate prefix with a different
 * target is refused). Throws StorageError('invalid-argument') naming the field, or 'not-found' for a
 * missing file.
 */
export async function loadMapping(options: LoadMappingOptions): Promise<CutoverMapping> {
  if (options.plan === undefined) {
    // These only say how to read a plan; without one they would be silently ignored.
    if (options.gen2Account !== undefined) throw invalid(`--gen2-account '${options.gen2Account}' applies only with --plan; with --map, write the Gen2 account in each abfss:// target.`);
    if (options.gen1Account !== undefined) throw invalid(`--gen1-account '${options.gen1Account}' applies only with --plan; with --map, write the Gen1 account in each adl:// prefix.`);
  }
  const rules: MappingRule[] = [];
  let home: HomeMapping | undefined;
  (options.map ?? []).forEach((m, i) => rules.push(parseMapValue(m, `--map[${i}] '${m}'`)));
  if (options.mapFile !== undefined) {
    const parsed = parseMappingFile(await readText(options.mapFile, 'mapping file'), basename(options.mapFile));
    rules.push(...parsed.rules);
    home = parsed.home;
  }
  if (options.plan !== undefined) rules.push(...(await rulesFromPlan(options.plan, options)));
  const seen = new Map<string, MappingRule>();
  for (const rule of rules) {
    const key = `${rule.gen1.account}:${rule.gen1.prefix}:${rule.include}`;
    const other = seen.get(key);
    if (other !== undefined && formatGen2Uri(other.gen2) !== formatGen2Uri(rule.gen2)) {
      throw invalid(`${rule.origin}: adl://${rule.gen1.account}.${GEN1_SUFFIX}${rule.gen1.prefix} is already mapped by ${other.origin} to ${formatGen2Uri(other.gen2)}; keep one.`);
    }
    seen.set(key, rule);
  }
  return home === undefined ? { rules } : { rules, home };
}
