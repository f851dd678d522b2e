import { createHash } from 'node:crypto';
import type { AclEntry, AclStatus } from '../core/acl-types.js';
import type { Entry } from '../core/entry.js';
import { aclEquivalent } from '../core/acl.js';

/** The kinds of difference validate reports. */
export type DifferenceKind =
  | 'missing'
  | 'extra'
  | 'type'
  | 'size'
  | 'checksum'
  | 'owner'
  | 'group'
  | 'permissions'
  | 'acl'
  | 'times'
  | 'error';

export interface Difference {
  path: string;
  kind: DifferenceKind;
  /** What the source has (translated where relevant), as text. */
  expected?: string;
  /** What the destination has, as text. */
  actual?: string;
  detail: string;
}

/** Maps an identity through the identity map (unchanged when absent from it). */
export function mapIdentity(id: string, identityMap: ReadonlyMap<string, string> | undefined): string {
  return identityMap?.get(id) ?? id;
}

/** The source ACL as the destination should hold it: ids mapped, default entries dropped for files. */
export function expectedAcl(source: AclStatus, kind: Entry['kind'], identityMap: ReadonlyMap<string, string> | undefined): AclEntry[] {
  return source.entries
    .filter((e) => kind === 'directory' || e.scope === 'access')
    .map((e) => (e.id === '' ? e : { ...e, id: mapIdentity(e.id, identityMap) }));
}

/** Compares owner, group and permission bits carried in two entries or ACL statuses. */
export function compareOwnership(
  path: string,
  source: { owner?: string; group?: string; permissions?: number },
  dest: { owner?: string; group?: string; permissions?: number },
  options: { identityMap: ReadonlyMap<string, string> | undefined; owner: boolean; permissions: boolean; stickyBit: boolean },
): Difference[] {
  const out: Difference[] = [];
  if (options.owner) {
    if (source.owner !== undefined && dest.owner !== undefined) {
      const want = mapIdentity(source.owner, options.identityMap);
      if (want !== dest.owner) out.push({ path, kind: 'owner', expected: want, actual: dest.owner, detail: `owner is ${dest.owner}, expected ${want}` });
    }
    if (source.group !== undefined && dest.group !== undefined) {
      const want = mapIdentity(source.group, options.identityMap);
      if (want !== dest.group) out.push({ path, kind: 'group', expected: want, actual: dest.group, detail: `group is ${dest.group}, expected ${want}` });
    }
  }
  if (options.permissions && source.permissions !== undefined && dest.permissions !== undefined) {
    const mask = options.stickyBit ? 0o1777 : 0o777;
    const want = source.permissions & mask;
    const got = dest.permissions & mask;
    if (want !== got) {
      out.push({ path, kind: 'permissions', expected: want.toString(8).padStart(3, '0'), actual: got.toString(8).padStart(3, '0'), detail: `permissions are ${got.toString(8)}, expected ${want.toString(8)}` });
    }
  }
  return out;
}

/** Compares full ACLs (after translation of the source). */
export function compareAcl(path: string, kind: Entry['kind'], source: AclStatus, dest: AclStatus, identityMap: ReadonlyMap<string, string> | undefined): Difference[] {
  const want = expectedAcl(source, kind, identityMap);
  if (aclEquivalent(want, dest.entries)) return [];
  const fmt = (es: AclEntry[]): string =>
    es.map((e) => `${e.scope === 'default' ? 'default:' : ''}${e.type}:${e.id}:${(e.perms & 4 ? 'r' : '-') + (e.perms & 2 ? 'w' : '-') + (e.perms & 1 ? 'x' : '-')}`).join(',');
  return [{ path, kind: 'acl', expected: fmt(want), actual: fmt(dest.entries), detail: 'the ACL differs' }];
}

/** Deterministic sampling: the same path is always in or out for a given percentage. */
export function inSample(path: string, percent: number): boolean {
  if (percent >= 100) return true;
  if (percent <= 0) return false;
  const h = createHash('sha1').update(path).digest();
  return h.readUInt32BE(0) % 10_000 < Math.round(percent * 100);
}
