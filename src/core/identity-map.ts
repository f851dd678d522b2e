import { StorageError } from './errors.js';

/**
 * Parses an identity map: object-ID translation for cross-tenant moves.
 * Accepts JSON (`{"<source-oid>": "<target-oid>", ...}` or `[{"source": "...", "target": "..."}]`) or
 * CSV lines `source,target` (a header line `source,target` and `#` comments are allowed).
 * An empty target means "known, but has no counterpart" and is kept as ''.
 * Throws StorageError('invalid-argument') naming the file and line.
 */
export function parseIdentityMap(text: string, fileName: string): Map<string, string> {
  const map = new Map<string, string>();
  const trimmed = text.trim();
  const fail = (where: string, why: string): never => {
    throw new StorageError('invalid-argument', `${fileName}${where}: ${why}. Write CSV lines 'source,target' or a JSON object {"source": "target"}.`);
  };
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    let data: unknown;
    try {
      data = JSON.parse(trimmed);
    } catch (e) {
      return fail('', `not valid JSON (${e instanceof Error ? e.message : String(e)})`);
    }
    if (Array.isArray(data)) {
      data.forEach((row: unknown, i) => {
        if (typeof row !== 'object' || row === null) return fail(`[${i}]`, 'must be an object with source and target');
        const r = row as Record<string, unknown>;
        if (typeof r['source'] !== 'string' || r['source'] === '') return fail(`[${i}].source`, 'must be a non-empty string');
        if (typeof r['target'] !== 'string') return fail(`[${i}].target`, 'must be a string');
        add(r['source'], r['target'], `[${i}]`);
      });
    } else if (typeof data === 'object' && data !== null) {
      for (const [k, v] of Object.entries(data)) {
        if (typeof v !== 'string') fail(`.${k}`, 'must be a string');
        add(k, v as string, `.${k}`);
      }
    }
    return map;
  }
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const parts = line.split(',').map((p) => p.trim().replace(/^"(.*)"$/, '$1'));
    if (i === 0 && parts[0]?.toLowerCase() === 'source') return;
    if (parts.length !== 2 || parts[0] === undefined || parts[0] === '') fail(`:${i + 1}`, `expected 'source,target', got '${line}'`);
    add(parts[0] as string, parts[1] ?? '', `:${i + 1}`);
  });
  return map;

  function add(source: string, target: string, where: string): void {
    if (map.has(source) && map.get(source) !== target) fail(where, `'${source}' is mapped twice to different targets`);
    map.set(source, target);
  }
}
