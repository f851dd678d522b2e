import { SaxesParser } from 'saxes';
import type { CutoverMapping } from '../mapping.js';
import { providerTypeSettings } from './rules-hadoop.js';
import type { FileTraits, Hit } from './types.js';

/**
 * The XML pass (saxes: a small, strict, well-kept streaming parser that reports positions). In Hadoop
 * configuration files (core-site.xml, hdfs-site.xml, hive-site.xml, ...) it finds each
 * `<property><name>..</name><value>..</value></property>` with the offsets of its name and value, so a
 * Gen1 token provider type becomes the two ABFS properties (the element is duplicated with its own
 * indentation and line ending). Key and URI renames inside names and values are the text rules' edits;
 * after all edits the file must still parse (checkXml), or nothing in it is rewritten.
 */

interface Span {
  text: string;
  start: number;
  end: number;
}

interface XmlProperty {
  start: number;
  end: number;
  name?: Span;
  value?: Span;
}

/** The `<property>` elements of a Hadoop configuration document, or undefined if it does not parse. */
export function hadoopProperties(xml: string): XmlProperty[] | undefined {
  const out: XmlProperty[] = [];
  const parser = new SaxesParser({ position: true });
  let current: XmlProperty | undefined;
  let field: { name: 'name' | 'value'; start: number } | undefined;
  let text = '';
  let failed = false;
  parser.on('error', () => {
    failed = true;
  });
  parser.on('opentag', (tag) => {
    if (tag.name === 'property') current = { start: xml.lastIndexOf('<', parser.position - 1), end: -1 };
    else if (current !== undefined && (tag.name === 'name' || tag.name === 'value')) {
      field = { name: tag.name, start: parser.position };
      text = '';
    }
  });
  parser.on('text', (t) => {
    if (field !== undefined) text += t;
  });
  parser.on('closetag', (tag) => {
    if (current !== undefined && field !== undefined && tag.name === field.name) {
      const end = xml.lastIndexOf('</', parser.position - 1);
      if (xml.slice(field.start, end) === text) current[field.name] = { text, start: field.start, end };
      field = undefined;
    } else if (tag.name === 'property' && current !== undefined) {
      current.end = parser.position;
      out.push(current);
      current = undefined;
    }
  });
  try {
    parser.write(xml).close();
  } catch {
    return undefined;
  }
  return failed ? undefined : out;
}

/** Why `after` no longer parses as XML when `before` did (undefined: fine). */
export function checkXml(before: string, after: string): string | undefined {
  const parses = (xml: string): string | undefined => {
    const parser = new SaxesParser();
    let message: string | undefined;
    // Stop at the first error: the rest of a broken document is not needed.
    parser.on('error', (e) => {
      message ??= e.message;
      throw e;
    });
    try {
      parser.write(xml).close();
    } catch (e) {
      message ??= e instanceof Error ? e.message : String(e);
    }
    return message;
  };
  const broken = parses(after);
  if (broken === undefined || parses(before) !== undefined) return undefined;
  return `XML: ${broken}`;
}

/** Replaces the token-provider-type reports inside `<property>` elements with the element rewrite. */
export function adjustXml(text: string, hits: Hit[], _file: FileTraits, mapping: CutoverMapping | undefined): Hit[] {
  if (!/oauth2\.access\.token\.provider\.type/.test(text)) return hits;
  const properties = hadoopProperties(text);
  if (properties === undefined) return hits;
  const own: Hit[] = [];
  const dropped = new Set<Hit>();
  for (const p of properties) {
    const { name, value } = p;
    if (name === undefined || value === undefined || !/oauth2\.access\.token\.provider\.type\s*$/.test(name.text)) continue;
    const keyHit = hits.find((h) => h.rule.id === 'hadoop-adl-key' && h.start >= name.start && h.end <= name.end);
    if (keyHit === undefined) continue;
    const s = providerTypeSettings(name.text, value.text, mapping);
    if ('reason' in s) {
      dropped.add(keyHit);
      own.push({ ...keyHit, outcome: { action: 'report', reason: s.reason } });
      continue;
    }
    const element = (k: string, v: string): string => `${text.slice(p.start, name.start)}${k}${text.slice(name.end, value.start)}${v}${text.slice(value.end, p.end)}`;
    const lineStart = text.lastIndexOf('\n', p.start - 1) + 1;
    const lead = text.slice(lineStart, p.start);
    const eol = text.slice(lineStart - 2, lineStart) === '\r\n' ? '\r\n' : '\n';
    const joiner = /^[ \t]*$/.test(lead) && lineStart > 0 ? `${eol}${lead}` : '';
    dropped.add(keyHit);
    for (const h of hits) if (h.start >= p.start && h.end <= p.end) dropped.add(h);
    own.push({ ...keyHit, outcome: { action: 'rewrite', replacement: `${s.k1} ${s.v1}, ${s.k2} ${s.v2}`, edit: { start: p.start, end: p.end, text: `${element(s.k1, s.v1)}${joiner}${element(s.k2, s.v2)}` } } });
  }
  if (own.length === 0) return hits;
  return [...hits.filter((h) => !dropped.has(h)), ...own].sort((a, b) => a.start - b.start || b.end - a.end);
}
