import type { AclEntry } from '../core/acl-types.js';
import { Random, hashString } from './random.js';

/** The seeded tenant: deterministic object IDs for users, service principals and groups. */
export interface Principals {
  users: string[];
  groups: string[];
  /** The ingestion service principal (owner of raw/ and curated/ data). */
  etl: string;
  dataEngineers: string;
  analysts: string;
  finance: string;
}

export function seedPrincipals(): Principals {
  const random = new Random(hashString('lakeshift-seed-principals'));
  const users = Array.from({ length: 40 }, () => random.objectId());
  const groups = Array.from({ length: 16 }, () => random.objectId());
  const at = (list: string[], i: number): string => list[i] ?? '';
  return { users, groups, etl: random.objectId(), dataEngineers: at(groups, 0), analysts: at(groups, 1), finance: at(groups, 2) };
}

export interface NamedGrant {
  type: 'user' | 'group';
  id: string;
  perms: number;
}

/**
 * A complete ACL: base entries from `mode`, the named grants, a mask (union of named and group
 * permissions) and, for directories with `withDefault`, the same block as default entries.
 */
export function buildAcl(mode: number, named: NamedGrant[], withDefault: boolean): AclEntry[] {
  const block = (scope: 'access' | 'default'): AclEntry[] => {
    const groupPerms = (mode >> 3) & 7;
    const mask = named.reduce((m, g) => m | g.perms, groupPerms);
    const entries: AclEntry[] = [{ scope, type: 'user', id: '', perms: (mode >> 6) & 7 }];
    for (const g of named.filter((n) => n.type === 'user')) entries.push({ scope, type: 'user', id: g.id, perms: g.perms });
    entries.push({ scope, type: 'group', id: '', perms: groupPerms });
    for (const g of named.filter((n) => n.type === 'group')) entries.push({ scope, type: 'group', id: g.id, perms: g.perms });
    if (named.length > 0) entries.push({ scope, type: 'mask', id: '', perms: mask });
    entries.push({ scope, type: 'other', id: '', perms: mode & 7 });
    return entries;
  };
  return withDefault ? [...block('access'), ...block('default')] : block('access');
}
