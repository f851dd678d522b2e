import type { Rule, RuleAnchor } from './types.js';

interface Compiled {
  /** The pattern with the global flag. */
  global: RegExp;
  /** The pattern with the sticky flag instead (anchored rules). */
  sticky: RegExp | undefined;
  literal: RegExp | undefined;
  /** ASCII characters allowed between a match's start and its literal (anchored rules). */
  backAscii: Uint8Array | undefined;
  back: RegExp | undefined;
}

const compiled = new WeakMap<Rule, Compiled>();

function compile(rule: Rule): Compiled {
  let c = compiled.get(rule);
  if (c !== undefined) return c;
  const flags = rule.pattern.flags.replace(/[gy]/g, '');
  const a: RuleAnchor | undefined = rule.anchor;
  let backAscii: Uint8Array | undefined;
  if (a?.back !== undefined) {
    const back = a.back;
    backAscii = new Uint8Array(128);
    for (let i = 0; i < 128; i++) backAscii[i] = back.test(String.fromCharCode(i)) ? 1 : 0;
  }
  c = {
    global: new RegExp(rule.pattern.source, `${flags}g`),
    sticky: a === undefined ? undefined : new RegExp(rule.pattern.source, `${flags}y`),
    literal: a === undefined ? undefined : new RegExp(a.literal.source, a.literal.flags.includes('g') ? a.literal.flags : `${a.literal.flags}g`),
    backAscii,
    back: a?.back,
  };
  compiled.set(rule, c);
  return c;
}

/** Every match of the rule's pattern over the whole text, as a global regular expression finds them. */
function everyMatch(c: Compiled, text: string, out: RegExpExecArray[]): void {
  const re = c.global;
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (m[0] === '') {
      re.lastIndex += 1;
      continue;
    }
    out.push(m);
  }
}

/**
 * The same matches through the rule's anchor: for each occurrence of the literal at or after the end
 * of the last match, the pattern is tried (sticky) at each start from the beginning of the run of
 * `back` characters before it up to the literal itself, in offset order. A match starting anywhere
 * else would break the anchor's promise, so the leftmost match from each position is the one the
 * global search finds.
 */
function anchoredMatches(c: Compiled, text: string, out: RegExpExecArray[]): void {
  const literal = c.literal as RegExp;
  const sticky = c.sticky as RegExp;
  const backAscii = c.backAscii;
  const back = c.back;
  const isBack = (code: number): boolean => (code < 128 ? backAscii?.[code] === 1 : back !== undefined && back.test(String.fromCharCode(code)));
  /** Every start below this has been tried or lies inside a match. */
  let from = 0;
  literal.lastIndex = 0;
  for (let l = literal.exec(text); l !== null; l = literal.exec(text)) {
    const q = l.index;
    let p = q;
    if (backAscii !== undefined) while (p > from && isBack(text.charCodeAt(p - 1))) p -= 1;
    let next = q + 1;
    for (; p <= q; p += 1) {
      sticky.lastIndex = p;
      const m = sticky.exec(text);
      if (m === null || m[0] === '') continue;
      out.push(m);
      next = p + m[0].length;
      break;
    }
    from = Math.max(from, next);
    literal.lastIndex = from;
  }
}

/**
 * The matches of one rule over a text, in offset order, exactly as `pattern` (made global) finds them
 * from the start of the text; an anchored rule finds them faster unless `everywhere` is set (the
 * rule-by-rule path the tests compare against).
 */
export function ruleMatches(rule: Rule, text: string, everywhere = false): RegExpExecArray[] {
  const c = compile(rule);
  const out: RegExpExecArray[] = [];
  if (c.sticky === undefined || everywhere) everyMatch(c, text, out);
  else anchoredMatches(c, text, out);
  return out;
}
