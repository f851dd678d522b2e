import type { AclStatus } from '../core/acl-types.js';
import type { Store } from '../core/store.js';
import { translateAcl, type IdentityMap } from '../engine/acl-translate.js';
import type { Plan } from '../plan/plan-schema.js';
import { rootSourceOf, type RootAcl } from './model.js';

/**
 * Reads, for each plan filesystem, the Gen1 directory whose access control goes onto that filesystem's
 * root (the data set mapped to the root, else the Gen1 account root: the same one migrate applies) and
 * translates it through the identity map. One GETACLSTATUS per filesystem.
 */
export async function readRootAcls(source: Store, plan: Plan, identityMap: IdentityMap | undefined, unmapped?: Set<string>): Promise<Map<string, RootAcl>> {
  const out = new Map<string, RootAcl>();
  const cache = new Map<string, AclStatus>();
  for (const fs of [...new Set(plan.datasets.map((d) => d.target.filesystem))].sort()) {
    const path = rootSourceOf(plan, fs);
    let status = cache.get(path);
    if (status === undefined) {
      status = await source.getAcl(path);
      cache.set(path, status);
    }
    const t = translateAcl(status, 'directory', { identityMap, ...(unmapped === undefined ? {} : { unmapped }) });
    out.set(fs, { owner: t.owner, group: t.group, permissions: t.permissions, entries: t.entries });
  }
  return out;
}

/** The plan's identity map (resolved entries) merged with a --identity-map file (the file wins). */
export function mergedIdentityMap(plan: Plan, file: ReadonlyMap<string, string> | undefined): Map<string, string> | undefined {
  const merged = new Map<string, string>();
  for (const e of plan.identityMap) if (e.target !== null) merged.set(e.source, e.target);
  for (const [k, v] of file ?? new Map<string, string>()) merged.set(k, v);
  return merged.size === 0 ? undefined : merged;
}
