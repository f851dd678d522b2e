import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseXmlDocument, XmlSyntaxError } from './xml.js';

describe('parseXmlDocument', () => {
  it('reads elements, attributes, text, CDATA and entities; a self-closing root is an empty element', () => {
    expect(parseXmlDocument('<BlockList/>')).toEqual({ name: 'BlockList', attributes: {}, children: [], text: '' });
    const root = parseXmlDocument('\uFEFF<?xml version="1.0"?><a k="v"><b>x&amp;y</b><c><![CDATA[<raw>]]></c></a>');
    expect(root.attributes).toEqual({ k: 'v' });
    expect(root.children.map((c) => [c.name, c.text])).toEqual([['b', 'x&y'], ['c', '<raw>']]);
  });

  it('refuses what is not one well-formed document, a DOCTYPE, too deep or too many elements', () => {
    for (const bad of ['', '   ', 'text', '<a>', '<a></b>', '<a/><b/>', '<a>&undefined;</a>', '<!DOCTYPE a><a/>', '<a x="1" x="2"/>']) {
      expect(() => parseXmlDocument(bad), bad).toThrow(XmlSyntaxError);
    }
    expect(() => parseXmlDocument('<a><a><a></a></a></a>', { maxDepth: 2 })).toThrow(/deeper than 2/);
    expect(() => parseXmlDocument('<a><b/><b/><b/></a>', { maxElements: 3 })).toThrow(/more than 3/);
  });

  it('never throws anything but XmlSyntaxError, whatever the input', () => {
    const pieces = fc.constantFrom('<', '>', '/', '<BlockList>', '</BlockList>', '<Latest>', '</Latest>', '<![CDATA[', ']]>', '&amp;', '&', '<!--', '-->', '<?xml version="1.0"?>', 'AAA=', ' ', '"', '=', '\uFEFF', '\u0000');
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.array(pieces, { maxLength: 30 }).map((a) => a.join(''))), (text) => {
        try {
          const root = parseXmlDocument(text);
          expect(typeof root.name).toBe('string');
        } catch (e) {
          expect(e).toBeInstanceOf(XmlSyntaxError);
        }
      }),
      { numRuns: 500 },
    );
  });
});
