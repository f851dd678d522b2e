import { loadMapping, mapGen1Location, parseGen1Location, type CutoverMapping, type Gen2Target, type LoadMappingOptions } from '../mapping.js';

/** What the metastore step does with one stored location. */
export type LocationVerdict =
  | { kind: 'not-gen1' }
  | { kind: 'gen1'; action: 'rewrite'; replacement: string }
  | { kind: 'gen1'; action: 'report'; reason: string };

/** Decides, for each location text, whether it is Gen1 and what it becomes. */
export interface LocationMapper {
  classify(location: string): LocationVerdict;
}

/** Where the mapping comes from: the cutover mapping's own inputs (--map, --map-file, --plan). */
export type MappingInput = LoadMappingOptions;

/**
 * The text patterns a Gen1 location can start with or contain, lower-cased, for the SQL prefilter
 * (LOWER(col) LIKE ...). A superset: the mapping decides what is really Gen1.
 */
export const GEN1_LIKE_PATTERNS = ['adl:%', 'swebhdfs:%', '%azuredatalake%'] as const;

const SCHEME_HOST = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)/i;

/** True when the location's scheme or host is Gen1's (a path that merely mentions it is not). */
export function looksGen1(location: string): boolean {
  const m = SCHEME_HOST.exec(location.trim());
  if (m === null) return false;
  const scheme = (m[1] ?? '').toLowerCase();
  const host = (m[2] ?? '').toLowerCase();
  return scheme === 'adl' || scheme === 'swebhdfs' || /azuredatalake/.test(host);
}

const HOME_FORM = /^adl:\/\/(?:home(?=\/|$)|(?=\/))(.*)$/i;

/**
 * Hive keeps locations as Hadoop Path strings, not URIs: a space, a '%' or a non-ASCII letter is the
 * file name itself (Hive writes its own escapes, such as %2F in partition values, literally). So the
 * path text is carried over verbatim: '%' is protected from the mapping's percent-decoding, and the
 * target is written without percent-encoding.
 */
function hadoopLocation(target: Gen2Target): string {
  return `abfss://${target.filesystem}@${target.account}.dfs.${target.dnsSuffix ?? 'core.windows.net'}${target.path}`;
}

function fromMapping(mapping: CutoverMapping | undefined): LocationMapper {
  return {
    classify(location) {
      if (!looksGen1(location)) return { kind: 'not-gen1' };
      const home = HOME_FORM.exec(location.trim());
      let text = location.trim();
      if (home !== null) {
        if (mapping?.home === undefined) {
          return { kind: 'gen1', action: 'report', reason: "HDInsight default-storage path (adl://home, adl:///): it resolves through the cluster's dfs.adls.home.hostname and mountpoint; give them as home: in the mapping file" };
        }
        const rel = (home[1] ?? '').replace(/^\/+/, '');
        text = `adl://${mapping.home.account}.azuredatalakestore.net${mapping.home.mountpoint === '/' ? '' : mapping.home.mountpoint}/${rel}`;
      }
      const parsed = parseGen1Location(text.replace(/%/g, '%25'));
      if (parsed === undefined) return { kind: 'gen1', action: 'report', reason: 'not a Gen1 location lakeshift can map (malformed, or no ACCOUNT.azuredatalakestore.net host); change it by hand' };
      if (mapping === undefined) return { kind: 'gen1', action: 'report', reason: 'no --map, --map-file or --plan given' };
      const r = mapGen1Location(mapping, parsed);
      return r.action === 'rewrite' ? { kind: 'gen1', action: 'rewrite', replacement: hadoopLocation(r.target) } : { kind: 'gen1', action: 'report', reason: r.reason };
    },
  };
}

/** Loads the cutover mapping (or none, when no input names one: every Gen1 location is reported). */
export async function loadLocationMapper(input: MappingInput): Promise<LocationMapper> {
  const given = (input.map?.length ?? 0) > 0 || input.mapFile !== undefined || input.plan !== undefined;
  if (!given) return fromMapping(undefined);
  const mapping = await loadMapping(input);
  return fromMapping(mapping);
}

/** A mapper from a function (tests and the decommission check, which needs no mapping). */
export function mapperFrom(classify: (location: string) => LocationVerdict): LocationMapper {
  return { classify };
}
