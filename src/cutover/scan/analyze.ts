import type { CutoverMapping } from '../mapping.js';
import { applyEdits, fileTraits, resolveOverlaps, runRules, toFindings } from './engine.js';
import { adjustJson, checkJson } from './structured-json.js';
import { checkXml, adjustXml } from './structured-xml.js';
import { checkYaml } from './structured-yaml.js';
import type { FileTraits, Finding, Hit, TextEdit } from './types.js';

/** What one file's scan found, and the text it rewrites to (undefined: nothing to rewrite). */
export interface TextAnalysis {
  findings: Finding[];
  edits: TextEdit[];
  rewritten: string | undefined;
}

/** Per format: does the rewritten text still parse as the original did? (undefined = yes, else why not) */
function checkFormat(traits: FileTraits, before: string, after: string): string | undefined {
  switch (traits.format) {
    case 'json':
    case 'notebook':
      return checkJson(before, after, traits.format === 'notebook' || traits.ext === 'jsonc');
    case 'xml':
      return checkXml(before, after);
    case 'yaml':
      return checkYaml(before, after);
    default:
      return undefined;
  }
}

/**
 * Runs the rules over one file's text, lets the structured pass of its format refine the hits (ADF
 * JSON, Hadoop XML), drops overlapping rewrites, and checks that the rewritten text still parses in
 * its format; if it would not, every rewrite in the file becomes a report (the file is left alone).
 */
export function analyzeText(text: string, display: string, mapping: CutoverMapping | undefined, options: { /** rule by rule at every offset (tests) */ everywhere?: boolean } = {}): TextAnalysis {
  const traits = fileTraits(display, text);
  let hits: Hit[] = runRules(text, traits, mapping, undefined, options.everywhere === true);
  if (traits.format === 'json' || traits.format === 'notebook') hits = adjustJson(text, hits, traits, mapping);
  else if (traits.format === 'xml') hits = adjustXml(text, hits, traits, mapping);
  const resolved = resolveOverlaps(hits);
  hits = resolved.hits;
  let edits = resolved.edits;
  let rewritten = edits.length === 0 ? undefined : applyEdits(text, edits);
  if (rewritten !== undefined) {
    const broken = checkFormat(traits, text, rewritten);
    if (broken !== undefined) {
      hits = hits.map((h) => (h.outcome.action === 'rewrite' ? { ...h, outcome: { action: 'report', reason: `lakeshift would rewrite this to ${h.outcome.replacement}, but the rewritten file would not parse (${broken}); change it by hand` } } : h));
      edits = [];
      rewritten = undefined;
    }
  }
  return { findings: toFindings(display, text, hits), edits, rewritten };
}
