import { SaxesParser } from 'saxes';

/**
 * Request-body XML for the emulators, read with saxes (a strict, well-kept XML 1.0 parser) into a small
 * element tree. Only what request bodies need: element names, attributes, children in order and the
 * text directly inside an element. Entities beyond the five predefined ones and character references
 * are refused by saxes (no DTD is ever read), so nothing is fetched or expanded.
 */

export interface XmlElement {
  name: string;
  attributes: Readonly<Record<string, string>>;
  children: XmlElement[];
  /** Concatenated text and CDATA directly inside this element (not its children's). */
  text: string;
}

/** The document is not well-formed XML, or exceeds the limits; `message` says where and why. */
export class XmlSyntaxError extends Error {}

export interface XmlLimits {
  /** Deepest nesting accepted (default 32). */
  maxDepth?: number;
  /** Most elements accepted (default 200 000: a block list holds at most 100 000 entries). */
  maxElements?: number;
}

/**
 * Parses a whole XML document and returns its root element. A leading UTF-8 byte order mark is
 * allowed. Throws XmlSyntaxError when the text is not well-formed (including an empty body) or
 * exceeds `limits`; never anything else.
 */
export function parseXmlDocument(text: string, limits: XmlLimits = {}): XmlElement {
  const maxDepth = limits.maxDepth ?? 32;
  const maxElements = limits.maxElements ?? 200_000;
  const parser = new SaxesParser({ position: true });
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let count = 0;
  let failure: string | undefined;
  const fail = (why: string): void => {
    failure ??= why;
  };
  parser.on('error', (e) => fail(e.message));
  parser.on('opentag', (tag) => {
    if (failure !== undefined) return;
    count += 1;
    if (count > maxElements) return fail(`more than ${maxElements} elements`);
    if (stack.length >= maxDepth) return fail(`elements nested deeper than ${maxDepth}`);
    const attributes: Record<string, string> = {};
    for (const [k, v] of Object.entries(tag.attributes)) attributes[k] = typeof v === 'string' ? v : v.value;
    const el: XmlElement = { name: tag.name, attributes, children: [], text: '' };
    const parent = stack[stack.length - 1];
    if (parent === undefined) root = el;
    else parent.children.push(el);
    stack.push(el);
  });
  const addText = (t: string): void => {
    const top = stack[stack.length - 1];
    if (top !== undefined) top.text += t;
  };
  parser.on('text', addText);
  parser.on('cdata', addText);
  parser.on('closetag', () => {
    stack.pop();
  });
  parser.on('doctype', () => fail('a DOCTYPE is not accepted in a request body'));
  try {
    parser.write(text.startsWith('\uFEFF') ? text.slice(1) : text).close();
  } catch (e) {
    fail(e instanceof Error ? e.message : String(e));
  }
  if (failure !== undefined) throw new XmlSyntaxError(failure);
  if (root === undefined) throw new XmlSyntaxError('the document has no root element');
  return root;
}
