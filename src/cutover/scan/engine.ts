import { redactUri } from '../../core/uri.js';
import type { CutoverMapping } from '../mapping.js';
import { prefilterPattern, textPasses, type PrefilterLiterals } from './prefilter-batch.js';
import { ruleMatches } from './rule-matches.js';
import { ALL_RULES } from './rules.js';
import { GEN1_SDK_MARK, GEN1_SDK_WORDS } from './rules-sdk.js';
import type { FileTraits, Finding, Hit, Rule, RuleLiteral, TextEdit } from './types.js';

export type { PrefilterLiterals } from './prefilter-batch.js';

/**
 * Short substrings most Gen1 literals contain: the prefilter looks for one of these instead of the
 * longer literal (it occurs wherever the literal does), which keeps the alternation short and fast.
 */
const SHORT_KEYS = ['adl', 'lake'];

/**
 * The prefilter's literals: the union of every rule's `literals` (each shortened to a SHORT_KEYS
 * entry it contains), less each literal that contains another one (the shorter one occurs wherever
 * the longer one does). A text with none of them holds nothing any rule would find.
 */
export function prefilterLiterals(rules: readonly Rule[] = ALL_RULES): PrefilterLiterals {
  const any = new Set<string>();
  const exact = new Set<string>();
  for (const r of rules) {
    for (const l of r.literals) {
      if (typeof l !== 'string') exact.add(l.exact);
      else any.add(SHORT_KEYS.find((k) => l.toLowerCase().includes(k)) ?? l.toLowerCase());
    }
  }
  const anyCase = [...any].filter((l) => ![...any].some((o) => o !== l && l.includes(o))).sort();
  const exactOnly = [...exact].filter((l) => !anyCase.some((o) => l.toLowerCase().includes(o)) && ![...exact].some((o) => o !== l && l.includes(o))).sort();
  for (const l of [...anyCase, ...exactOnly]) if (l === '' || /[\r\n]/.test(l)) throw new Error(`prefilter literal '${l}' is empty or spans lines`);
  return { anyCase, exact: exactOnly };
}

/** The combined prefilter's literals (from every rule). */
export const PREFILTER_LITERALS: PrefilterLiterals = prefilterLiterals();

/**
 * The any-case literals as one regular expression (prefilterPattern), for texts seen on their own: a
 * UTF-16 file, a file larger than a read chunk, a rewrite hook's bytes, and chunks where WebAssembly
 * SIMD is missing. Chunks of files are searched by the SIMD finder (prefilter-batch.ts); the exact
 * literals with indexOf. U-SQL scripts (.usql) always go to the rules (they may hold only relative paths).
 */
export const PREFILTER = prefilterPattern(PREFILTER_LITERALS);

/** True when a file's text (or Latin-1 view) must go through the rules. */
export function passesPrefilter(view: string, path: string): boolean {
  return textPasses(view, path, PREFILTER_LITERALS, PREFILTER);
}

/** True when the text holds one of the rule's literals (`lower` is text.toLowerCase()). */
export function hasLiteral(rule: Rule, text: string, lower: string): boolean {
  return rule.literals.some((l) => (typeof l === 'string' ? lower.includes(l.toLowerCase()) : text.includes(l.exact)));
}

const lowerLiterals = new Map<string, string>();

/**
 * Which rule literals one text holds, each searched for once (44 rules name 41 distinct literals 78
 * times); the same answers as hasLiteral.
 */
class LiteralPresence {
  private readonly found = new Map<string, boolean>();
  constructor(private readonly text: string, private readonly lower: string) {}

  has(rule: Rule): boolean {
    return rule.literals.some((l) => this.holds(l));
  }

  private holds(l: RuleLiteral): boolean {
    const key = typeof l === 'string' ? l : `=${l.exact}`;
    let yes = this.found.get(key);
    if (yes === undefined) {
      if (typeof l === 'string') {
        let low = lowerLiterals.get(l);
        if (low === undefined) lowerLiterals.set(l, (low = l.toLowerCase()));
        yes = this.lower.includes(low);
      } else {
        yes = this.text.includes(l.exact);
      }
      this.found.set(key, yes);
    }
    return yes;
  }
}

/**
 * A mark that needs one of `words` (exact case) to match: the words are looked for first (indexOf is
 * several times faster than these alternations, which start with `\b`), the pattern only where one is.
 */
function markTest(pattern: RegExp, words: readonly string[], text: string): boolean {
  return words.some((w) => text.includes(w)) && pattern.test(text);
}

const USQL_MARK = /\bUSING\s+(?:Extractors|Outputters)\.|\bOUTPUT\s+@\w+\s+TO\b/;
const USQL_WORDS = ['USING', 'OUTPUT'];
const FSSPEC_MARK = /\b(?:fsspec|adlfs|dask|storage_options|AzureDatalakeFileSystem)\b/;
const FSSPEC_WORDS = ['fsspec', 'adlfs', 'dask', 'storage_options', 'AzureDatalakeFileSystem'];

const FORMAT_BY_EXT: Readonly<Record<string, FileTraits['format']>> = {
  json: 'json', jsonc: 'json', ipynb: 'notebook', xml: 'xml', yaml: 'yaml', yml: 'yaml', tf: 'hcl', hcl: 'hcl', tfvars: 'hcl',
};

/** Traits of one file, from its name and (cheaply) its text. */
export function fileTraits(path: string, text: string): FileTraits {
  const base = (path.split('/').pop() ?? path).toLowerCase();
  const dot = base.lastIndexOf('.');
  const ext = dot > 0 ? base.slice(dot + 1) : '';
  return {
    path,
    base,
    ext,
    format: FORMAT_BY_EXT[ext] ?? 'text',
    usql: ext === 'usql' || markTest(USQL_MARK, USQL_WORDS, text),
    fsspec: markTest(FSSPEC_MARK, FSSPEC_WORDS, text),
    gen1Sdk: markTest(GEN1_SDK_MARK, GEN1_SDK_WORDS, text),
  };
}

/**
 * Runs every applicable rule over a text; hits are in offset order. A rule none of whose literals is in
 * the text is not run (it can find nothing there). `everywhere` runs every rule, each pattern at every
 * offset instead of through its anchor (same hits, slower; the tests compare the two).
 */
export function runRules(text: string, file: FileTraits, mapping: CutoverMapping | undefined, rules: readonly Rule[] = ALL_RULES, everywhere = false): Hit[] {
  const hits: Hit[] = [];
  const ctx = { text, file, mapping };
  // ASCII letters lower-case to ASCII and nothing else lower-cases to ASCII, so a literal present in
  // any case in `text` is present in `lower`.
  const present = new LiteralPresence(text, text.toLowerCase());
  for (const rule of rules) {
    if (rule.applies !== undefined && !rule.applies(file)) continue;
    if (!everywhere && !present.has(rule)) continue;
    for (const m of ruleMatches(rule, text, everywhere)) {
      const outcome = rule.decide(m, ctx);
      if (outcome === undefined) continue;
      let start = m.index;
      let found = m[0];
      if (rule.group !== undefined && m[rule.group] !== undefined) {
        const g = m[rule.group] ?? '';
        start = m.index + m[0].indexOf(g);
        found = g;
      }
      found = found.replace(/[.:]+$/, (tail) => (rule.kind === 'uri' ? '' : tail));
      hits.push({ rule, start, end: start + found.length, text: found, outcome });
    }
  }
  hits.sort((a, b) => a.start - b.start || b.end - a.end);
  return hits;
}

/** The edit a rewrite hit makes (its own span unless the rule widened it). */
export function editOf(hit: Hit): TextEdit | undefined {
  if (hit.outcome.action !== 'rewrite') return undefined;
  return hit.outcome.edit ?? { start: hit.start, end: hit.end, text: hit.outcome.replacement };
}

/**
 * Drops rewrites whose edits overlap an earlier one (they become reports: apply, then run again).
 * Returns the hits and the non-overlapping edits in offset order.
 */
export function resolveOverlaps(hits: readonly Hit[]): { hits: Hit[]; edits: TextEdit[] } {
  const edits: TextEdit[] = [];
  const out: Hit[] = [];
  let lastEnd = -1;
  for (const hit of hits) {
    const edit = editOf(hit);
    if (edit === undefined) {
      out.push(hit);
      continue;
    }
    if (edit.start < lastEnd) {
      out.push({ ...hit, outcome: { action: 'report', reason: 'overlaps another rewrite on the same text; apply the rewrite and run again' } });
      continue;
    }
    edits.push(edit);
    lastEnd = Math.max(edit.end, edit.start + 1);
    out.push(hit);
  }
  edits.sort((a, b) => a.start - b.start);
  return { hits: out, edits };
}

/** Applies non-overlapping edits (sorted by start) to a text. */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  let out = '';
  let at = 0;
  for (const e of edits) {
    out += text.slice(at, e.start) + e.text;
    at = e.end;
  }
  return out + text.slice(at);
}

/** Line starts of a text, for offset -> line/column. */
export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

/** 1-based line and column of an offset. */
export function position(starts: readonly number[], offset: number): { line: number; column: number } {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((starts[mid] ?? 0) <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: offset - (starts[lo] ?? 0) + 1 };
}

/** Findings for the hits of one file. */
export function toFindings(file: string, text: string, hits: readonly Hit[]): Finding[] {
  if (hits.length === 0) return [];
  const starts = lineStarts(text);
  return hits.map((h) => {
    const { line, column } = position(starts, h.start);
    const f: Finding = { file, line, column, rule: h.rule.id, kind: h.rule.kind, text: redactUri(h.text), action: h.outcome.action };
    if (h.outcome.action === 'rewrite') f.replacement = h.outcome.replacement;
    else f.reason = h.outcome.reason;
    return f;
  });
}
