import { joinPath, pathSegments } from '../core/entry.js';
import type { Store } from '../core/store.js';

/**
 * The gateway's view of Gen1 paths: the same mapping rules as `migrate --map PREFIX=FS/PATH`, read
 * backwards. A Gen1 path under a rule's source prefix lives at destPath + the rest in that rule's
 * store (the longest matching prefix wins, as nested data sets do in migrate). Ancestors of prefixes
 * that no rule covers are virtual, read-only directories (so `LISTSTATUS /` shows the data sets).
 */

export interface GatewayRule {
  /** Gen1 prefix without leading or trailing '/' ('' = everything). */
  sourcePrefix: string;
  store: Store;
  /** Path inside the store ('' = its root). */
  destPath: string;
}

export type Resolved =
  | { kind: 'mapped'; rule: GatewayRule; store: Store; path: string }
  | { kind: 'virtual'; children: string[] }
  | { kind: 'unmapped' };

export class PathMapper {
  private readonly rules: { rule: GatewayRule; segments: string[] }[];

  constructor(rules: readonly GatewayRule[]) {
    this.rules = rules
      .map((rule) => ({ rule, segments: pathSegments(rule.sourcePrefix.replace(/^\/+|\/+$/g, '')) }))
      .sort((a, b) => b.segments.length - a.segments.length);
  }

  /** Where Gen1 path `segments` lives. */
  resolve(segments: readonly string[]): Resolved {
    for (const { rule, segments: prefix } of this.rules) {
      if (prefix.length <= segments.length && prefix.every((s, i) => segments[i] === s)) {
        return { kind: 'mapped', rule, store: rule.store, path: joinPath(rule.destPath, ...segments.slice(prefix.length)) };
      }
    }
    const children = new Set<string>();
    for (const { segments: prefix } of this.rules) {
      if (prefix.length > segments.length && segments.every((s, i) => prefix[i] === s)) children.add(prefix[segments.length] ?? '');
    }
    return children.size > 0 ? { kind: 'virtual', children: [...children].sort() } : { kind: 'unmapped' };
  }

  /** Distinct stores of all rules (to close them). */
  stores(): Store[] {
    return [...new Set(this.rules.map((r) => r.rule.store))];
  }
}
