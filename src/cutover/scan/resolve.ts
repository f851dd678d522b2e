import { mapGen1Location, type CutoverMapping, type Gen1Location, type MappingResult } from '../mapping.js';
import type { RuleOutcome } from './types.js';

/** The advice when no mapping was given at all. */
export const NO_MAPPING = 'no mapping given: run with --map adl://ACCOUNT.azuredatalakestore.net/PREFIX=abfss://FS@ACCOUNT2.dfs.core.windows.net/PATH, --map FILE or --plan plan.yaml so lakeshift can rewrite it';

/** Maps a Gen1 location, or says why it cannot. */
export function mapLocation(mapping: CutoverMapping | undefined, loc: Gen1Location): MappingResult {
  if (mapping === undefined) return { action: 'report', reason: NO_MAPPING };
  return mapGen1Location(mapping, loc);
}

/** The one Gen2 account (and DNS suffix) a Gen1 account maps to, or the reason there is none. */
export function gen2AccountFor(mapping: CutoverMapping | undefined, gen1Account: string): { account: string; suffix: string } | { reason: string } {
  if (mapping === undefined) return { reason: NO_MAPPING };
  const targets = new Map<string, { account: string; suffix: string }>();
  for (const r of mapping.rules) {
    if (r.gen1.account !== gen1Account) continue;
    const suffix = r.gen2.dnsSuffix ?? 'core.windows.net';
    targets.set(`${r.gen2.account}.${suffix}`, { account: r.gen2.account, suffix });
  }
  const list = [...targets.values()];
  if (list.length === 1 && list[0] !== undefined) return list[0];
  if (list.length === 0) return { reason: `Gen1 account '${gen1Account}' is not in the mapping; add a --map for it` };
  return { reason: `Gen1 account '${gen1Account}' maps to several Gen2 accounts (${[...targets.keys()].join(', ')}); choose one by hand` };
}

/** A rewrite outcome, or a report with the mapping's reason. */
export function fromMapping(result: MappingResult, format: (uri: string) => string = (u) => u): RuleOutcome {
  return result.action === 'rewrite' ? { action: 'rewrite', replacement: format(result.uri) } : { action: 'report', reason: result.reason };
}

/** The line (without its end-of-line) around an offset, and where it starts and ends. */
export function lineAround(text: string, offset: number): { start: number; end: number; eol: string } {
  const start = text.lastIndexOf('\n', offset - 1) + 1;
  let end = text.indexOf('\n', offset);
  if (end < 0) end = text.length;
  let eol = end < text.length ? '\n' : '';
  if (end > start && text.charCodeAt(end - 1) === 13) {
    end -= 1;
    eol = '\r\n';
  }
  if (eol === '') eol = /\r\n/.test(text) ? '\r\n' : '\n';
  return { start, end, eol };
}
