import { SaxesParser } from 'saxes';
import { WireError } from './wire.js';

/**
 * A request XML body as a small element tree, parsed with saxes (a well-kept, conformant XML
 * parser): element names, their text and children. Malformed XML becomes 400 InvalidXmlDocument.
 */

export interface XmlElement { name: string; text: string; children: XmlElement[] }

/** Parses `xml`; throws WireError 400 InvalidXmlDocument when it is not well-formed or empty. */
export function parseXmlTree(xml: string): XmlElement {
  const parser = new SaxesParser();
  const root: XmlElement = { name: '', text: '', children: [] };
  const stack: XmlElement[] = [root];
  let failure: string | undefined;
  parser.on('error', (e) => {
    failure ??= e.message;
  });
  parser.on('opentag', (tag) => {
    const el: XmlElement = { name: tag.name, text: '', children: [] };
    stack[stack.length - 1]?.children.push(el);
    stack.push(el);
  });
  parser.on('closetag', () => {
    stack.pop();
  });
  const addText = (t: string): void => {
    const top = stack[stack.length - 1];
    if (top !== undefined && top !== root) top.text += t;
  };
  parser.on('text', addText);
  parser.on('cdata', addText);
  try {
    parser.write(xml.replace(/^\uFEFF/, '')).close();
  } catch (e) {
    failure ??= e instanceof Error ? e.message : String(e);
  }
  const top = root.children[0];
  if (failure !== undefined || top === undefined) {
    throw new WireError(400, 'InvalidXmlDocument', `XML specified is not syntactically valid: ${failure ?? 'the body has no root element'}.`);
  }
  return top;
}

/** The first child element called `name`, undefined when absent. */
export const child = (el: XmlElement, name: string): XmlElement | undefined => el.children.find((c) => c.name === name);
