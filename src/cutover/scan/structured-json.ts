import { parse, parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';
import { parseGen1Location, type CutoverMapping } from '../mapping.js';
import { gen2AccountFor, mapLocation } from './resolve.js';
import type { FileTraits, FindingKind, Hit } from './types.js';

/**
 * The JSON pass (jsonc-parser: a tolerant parser that gives every node's offset, so edits are made in
 * place and the file's formatting, key order and comments stay as they are). It rewrites ADF/Synapse
 * Gen1 linked services and datasets together: AzureDataLakeStore -> AzureBlobFS with `url`, and
 * AzureDataLakeStoreLocation -> AzureBlobFSLocation with the `fileSystem` the mapping gives, the ARM
 * parameter values that feed them, and leaves everything else to the text rules.
 */

const OPTS = { allowTrailingComma: true, disallowComments: false } as const;

/** Why `after` no longer parses when `before` did (undefined: fine). */
export function checkJson(before: string, after: string, _notebook: boolean): string | undefined {
  const e2: ParseError[] = [];
  parse(after, e2, OPTS);
  const first = e2[0];
  if (first === undefined) return undefined;
  const e1: ParseError[] = [];
  parse(before, e1, OPTS);
  return e1.length > 0 ? undefined : `JSON ${printParseErrorCode(first.error)} at offset ${first.offset}`;
}

function props(obj: Node | undefined): Map<string, Node> {
  const out = new Map<string, Node>();
  if (obj?.type !== 'object') return out;
  for (const p of obj.children ?? []) {
    const [k, v] = p.children ?? [];
    if (k !== undefined && v !== undefined && typeof k.value === 'string') out.set(k.value, v);
  }
  return out;
}

function* objects(node: Node): Generator<Node> {
  if (node.type === 'object') yield node;
  for (const c of node.children ?? []) yield* objects(c);
}

const rule = (id: string, kind: FindingKind = 'pipeline') => ({ id, kind });

/** A hit replacing the inside of a string node. */
function stringHit(id: string, node: Node, text: string, replacement: string): Hit {
  return { rule: rule(id), start: node.offset + 1, end: node.offset + node.length - 1, text, outcome: { action: 'rewrite', replacement } };
}

function reportHit(id: string, node: Node, text: string, reason: string): Hit {
  return { rule: rule(id), start: node.offset + 1, end: node.offset + node.length - 1, text, outcome: { action: 'report', reason } };
}

/** `https://ACCOUNT2.dfs.core.windows.net` for a Gen1 URI literal, or why not. */
function accountUrl(value: string, mapping: CutoverMapping | undefined): { url: string; account: string } | { reason: string } {
  const loc = parseGen1Location(value);
  if (loc === undefined) return { reason: `'${value}' is not a literal Gen1 URI (an expression or parameter): set url to https://ACCOUNT2.dfs.core.windows.net where it is defined` };
  const t = gen2AccountFor(mapping, loc.account);
  if ('reason' in t) return t;
  return { url: `https://${t.account}.dfs.${t.suffix}`, account: loc.account };
}

/** The line indentation before an offset when the node starts its own line, for inserted properties. */
function insertionBefore(text: string, offset: number, property: string): string {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const lead = text.slice(lineStart, offset);
  if (/^[ \t]*$/.test(lead)) return `${property},${text.slice(lineStart - 2, lineStart - 1) === '\r' ? '\r\n' : '\n'}${lead}`;
  return `${property}, `;
}

/**
 * Refines the text rules' hits for one JSON document. Hits inside the nodes this pass rewrites are
 * replaced by its own; all other hits are kept.
 */
export function adjustJson(text: string, hits: Hit[], file: FileTraits, mapping: CutoverMapping | undefined): Hit[] {
  if (file.format === 'json' && !/AzureDataLakeStore|dataLakeStoreUri/.test(text)) return hits;
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, OPTS);
  if (root === undefined || errors.length > 0) return hits;
  const own: Hit[] = [];
  const replaced: Node[] = [];
  const lsAccounts = new Set<string>();
  const gen1Accounts = new Set(mapping?.rules.map((r) => r.gen1.account) ?? []);

  for (const obj of objects(root)) {
    const p = props(obj);
    const type = p.get('type');
    if (type?.value === 'AzureDataLakeStore') {
      const tp = props(p.get('typeProperties'));
      const uriNode = tp.get('dataLakeStoreUri');
      if (uriNode === undefined) continue;
      const keyNode = uriNode.parent?.children?.[0];
      const value = typeof uriNode.value === 'string' ? uriNode.value : '';
      const expression = /^\[|^@/.test(value);
      const target = expression ? undefined : accountUrl(value, mapping);
      if (target !== undefined && 'reason' in target) {
        own.push(reportHit('adf-linked-service', type, 'AzureDataLakeStore', `Gen1 linked service: ${target.reason}; then type AzureBlobFS and url https://ACCOUNT2.dfs.core.windows.net`));
        replaced.push(type, uriNode);
        continue;
      }
      if (target !== undefined) lsAccounts.add(target.account);
      own.push(stringHit('adf-linked-service', type, 'AzureDataLakeStore', 'AzureBlobFS'));
      if (keyNode !== undefined) own.push(stringHit('adf-linked-service', keyNode, 'dataLakeStoreUri', 'url'));
      if (target !== undefined) own.push(stringHit('adf-linked-service', uriNode, value, target.url));
      for (const k of ['subscriptionId', 'resourceGroupName']) {
        const n = tp.get(k);
        const kn = n?.parent?.children?.[0];
        if (kn !== undefined) own.push(reportHit('adf-linked-service', kn, k, `AzureBlobFS linked services take no ${k}: remove it after the rewrite`));
      }
      replaced.push(type, uriNode);
    }
    for (const [key, node] of p) {
      if (!key.endsWith('_dataLakeStoreUri')) continue;
      const valueNode = node.type === 'string' ? node : (props(node).get('defaultValue') ?? props(node).get('value'));
      if (valueNode?.type !== 'string' || typeof valueNode.value !== 'string') continue;
      const target = accountUrl(valueNode.value, mapping);
      if ('reason' in target) own.push(reportHit('adf-arm-parameter', valueNode, valueNode.value, `ARM parameter ${key}: ${target.reason}`));
      else own.push(stringHit('adf-arm-parameter', valueNode, valueNode.value, target.url));
      replaced.push(valueNode);
    }
  }
  const single = lsAccounts.size === 1 ? [...lsAccounts][0] : gen1Accounts.size === 1 ? [...gen1Accounts][0] : undefined;
  for (const obj of objects(root)) {
    const p = props(obj);
    const type = p.get('type');
    if (type?.value !== 'AzureDataLakeStoreLocation') continue;
    const folder = p.get('folderPath');
    replaced.push(type);
    if (folder !== undefined) replaced.push(folder);
    if (folder !== undefined && folder.type !== 'string') {
      own.push(reportHit('adf-dataset', type, 'AzureDataLakeStoreLocation', 'Gen1 dataset whose folderPath is an expression: set type AzureBlobFSLocation, add fileSystem and make folderPath relative to it by hand'));
      continue;
    }
    if (single === undefined) {
      own.push(reportHit('adf-dataset', type, 'AzureDataLakeStoreLocation', 'Gen1 dataset: lakeshift cannot tell which Gen1 account its linked service names (several in the mapping, none in this file); set type AzureBlobFSLocation, fileSystem and folderPath by hand'));
      continue;
    }
    const folderText = typeof folder?.value === 'string' ? folder.value : '';
    const mapped = mapLocation(mapping, { account: single, path: `/${folderText.replace(/^\/+/, '')}` });
    if (mapped.action === 'report') {
      own.push(reportHit('adf-dataset', type, 'AzureDataLakeStoreLocation', `Gen1 dataset folder /${folderText}: ${mapped.reason}`));
      continue;
    }
    own.push(stringHit('adf-dataset', type, 'AzureDataLakeStoreLocation', 'AzureBlobFSLocation'));
    const fsProp = `"fileSystem": ${JSON.stringify(mapped.target.filesystem)}`;
    const anchor = folder?.parent ?? type.parent;
    if (anchor !== undefined) own.push({ rule: rule('adf-dataset'), start: anchor.offset, end: anchor.offset, text: 'fileSystem', outcome: { action: 'rewrite', replacement: mapped.target.filesystem, edit: { start: anchor.offset, end: anchor.offset, text: insertionBefore(text, anchor.offset, fsProp) } } });
    if (folder !== undefined) own.push(stringHit('adf-dataset', folder, folderText, mapped.target.path.replace(/^\/+/, '')));
  }
  if (own.length === 0) return hits;
  const covered = (h: Hit): boolean => replaced.some((n) => h.start >= n.offset && h.end <= n.offset + n.length);
  return [...hits.filter((h) => !covered(h)), ...own].sort((a, b) => a.start - b.start || b.end - a.end);
}
