import { parseXmlDocument, XmlSyntaxError } from '../kit/xml.js';
import { WireError } from './wire.js';

/**
 * The Put Block List body: `<BlockList>` with `<Committed>`, `<Uncommitted>` and `<Latest>` entries in
 * commit order. `<BlockList/>` (what the SDKs send for an empty list) is a valid, empty list.
 */

export type BlockKind = 'Committed' | 'Uncommitted' | 'Latest';
export interface WantedBlock { kind: BlockKind; id: string }

/** Azure's limit on blocks in one committed blob. */
export const MAX_BLOCKS = 50_000;

const invalidXml = (why: string): WireError => new WireError(400, 'InvalidXmlDocument', `XML specified is not syntactically valid: ${why}`);

const isKind = (name: string): name is BlockKind => name === 'Committed' || name === 'Uncommitted' || name === 'Latest';

/**
 * Parses a block list. Throws 400 InvalidXmlDocument when the body is not well-formed XML or its root is
 * not BlockList, 400 UnsupportedXmlNode for an element other than the three entry kinds, 400
 * InvalidBlockList for more than MAX_BLOCKS entries.
 */
export function parseBlockList(xml: string): WantedBlock[] {
  let root;
  try {
    root = parseXmlDocument(xml, { maxDepth: 4, maxElements: MAX_BLOCKS * 2 + 1 });
  } catch (e) {
    if (e instanceof XmlSyntaxError) throw invalidXml(`${e.message} Send <BlockList> with Committed, Uncommitted or Latest entries.`);
    throw e;
  }
  if (root.name !== 'BlockList') throw invalidXml(`the root element is '${root.name}'; it must be BlockList.`);
  const out: WantedBlock[] = [];
  for (const child of root.children) {
    const kind = child.name;
    if (!isKind(kind) || child.children.length > 0) {
      throw new WireError(400, 'UnsupportedXmlNode', `One of the XML nodes specified in the request is not supported: '${child.name}' in BlockList. Use Committed, Uncommitted or Latest with a block id.`);
    }
    out.push({ kind, id: child.text.trim() });
  }
  if (out.length > MAX_BLOCKS) throw new WireError(400, 'InvalidBlockList', `The specified block list is invalid: it names ${out.length} blocks; a blob holds at most ${MAX_BLOCKS}.`);
  return out;
}
