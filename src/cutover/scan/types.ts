import type { CutoverMapping } from '../mapping.js';

/** What the scanner found, exactly as `lakeshift cutover scan --output json` prints it (docs/cutover-scan.md). */
export interface Finding {
  file: string;
  /** 1-based line. */
  line: number;
  /** 1-based column, in UTF-16 code units from the start of the line (as editors count). */
  column: number;
  rule: string;
  kind: FindingKind;
  /** The text found (a URI, key, call or type name; never a secret value). */
  text: string;
  action: 'rewrite' | 'report';
  /** What the text becomes (rewrite only). */
  replacement?: string;
  /** Why a person must act, and what to do (report only). */
  reason?: string;
}

export const FINDING_KINDS = ['uri', 'hadoop-config', 'databricks-mount', 'pipeline', 'iac', 'sdk', 'cli', 'dependency', 'metastore', 'usql', 'credential', 'endpoint'] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];

/** A file that was not scanned, and why. */
export interface SkippedFile {
  file: string;
  reason: string;
}

/** Traits of a file the rules may depend on (computed once per file). */
export interface FileTraits {
  /** Path as reported. */
  path: string;
  /** Lower-case base name. */
  base: string;
  /** Lower-case extension without the dot ('' if none). */
  ext: string;
  format: 'json' | 'notebook' | 'xml' | 'yaml' | 'hcl' | 'text';
  /** U-SQL script (or a file with U-SQL statements): URIs there are reported, never rewritten. */
  usql: boolean;
  /** fsspec/adlfs/dask/pandas context: `adl://STORE/...` is the fsspec grammar there. */
  fsspec: boolean;
  /** The file uses a Gen1 SDK (Python, Java, .NET, Node): host names there are SDK arguments. */
  gen1Sdk: boolean;
}

export interface RuleContext {
  text: string;
  file: FileTraits;
  mapping: CutoverMapping | undefined;
}

/** A replacement of text[start, end). */
export interface TextEdit {
  start: number;
  end: number;
  text: string;
}

export type RuleOutcome =
  | { action: 'rewrite'; replacement: string; /** edit wider than the match (e.g. a duplicated line) */ edit?: TextEdit }
  | { action: 'report'; reason: string };

export interface RuleExample {
  text: string;
  /** File name the example is scanned as (default `example.txt`). */
  file?: string;
  /** Mapping given for the example (`--map` values); default: the test mapping. */
  map?: readonly string[];
}

export interface PositiveExample extends RuleExample {
  /** Text of the finding (default: the whole match is checked for presence only). */
  found?: string;
  action: 'rewrite' | 'report';
  /** For rewrites: the expected replacement text of the finding. */
  replacement?: string;
  /** For reports: a pattern the reason must match. */
  reason?: RegExp;
}

/**
 * A promise about every match of a rule's pattern, so the engine tries the pattern only near a cheap
 * literal instead of at every offset: each match contains an occurrence of `literal`, and every
 * character from the match's start up to that occurrence is in `back` (one character class; omit it
 * when matches start at the literal). The matches and their order are exactly those of the pattern
 * run over the whole text (src/cutover/scan/anchor.test.ts checks each anchored rule against it).
 */
export interface RuleAnchor {
  /** A literal (global, the rule's case sensitivity) that every match contains. */
  literal: RegExp;
  /** The characters that may come between a match's start and the literal. */
  back?: RegExp;
}

/** A literal of Rule.literals: ASCII, no line break; any letter case, or exactly this case. */
export type RuleLiteral = string | { exact: string };

/**
 * One data-driven rule. `pattern` is a global regular expression run over a file's text once the
 * combined prefilter has matched; `decide` turns a match into an outcome (or undefined: not this rule's
 * case after all). The examples are the rule's own tests (src/cutover/scan/rules.test.ts).
 */
export interface Rule {
  id: string;
  kind: FindingKind;
  /** Section of shared/docs/cutover.md the rule implements, e.g. 'U1', '1.2', '2.4'. */
  family: string;
  description: string;
  pattern: RegExp;
  /**
   * The rule's promise to the prefilter: every text in which this rule finds something contains at
   * least one of these ASCII literals (in any letter case). Usually a literal that every match of
   * `pattern` contains; for a rule that `applies` only to files with a trait, the trait's literals may
   * stand in. The combined prefilter is built from these (engine.ts), a file with none of any rule's
   * literals is never decoded, and a rule whose literals are absent from a file is not run on it.
   * A literal given as `{ exact }` counts only in that letter case (for case-sensitive patterns whose
   * literal would be common in other cases). rules.test.ts checks every positive example and every
   * match in the test corpora against it.
   */
  literals: readonly RuleLiteral[];
  /** Only files for which this is true (default: every file). */
  applies?: (file: FileTraits) => boolean;
  /** Index of the capture group that is the finding's text (default: the whole match). */
  group?: number;
  /** Where matches can start (speed only; see RuleAnchor). */
  anchor?: RuleAnchor;
  decide: (match: RegExpExecArray, ctx: RuleContext) => RuleOutcome | undefined;
  examples: { positive: readonly PositiveExample[]; negative: readonly RuleExample[] };
}

/** A finding with its offsets and edit, before line and column are computed. */
export interface Hit {
  rule: Rule | { id: string; kind: FindingKind };
  start: number;
  end: number;
  text: string;
  outcome: RuleOutcome;
}
