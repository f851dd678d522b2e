import type { AclEntry, AclStatus } from '../core/acl-types.js';
import type { Entry } from '../core/entry.js';
import { CappedList } from './bounded.js';
import { ACL_NEAR_LIMIT, ACL_RULES, type AclSubject } from './rules.js';
import type { RuleCounter } from './rule-counter.js';
import type { AssessReport, PrincipalReport } from './report-schema.js';

/** Most distinct principals kept (the identity-map template lists them all up to this cap). */
export const MAX_PRINCIPALS = 100_000;
const EXAMPLES_PER_PRINCIPAL = 3;

interface PrincipalState {
  user: boolean;
  group: boolean;
  asOwner: number;
  asGroup: number;
  namedAccess: number;
  namedDefault: number;
  examples: string[];
}

/**
 * Aggregates ACL facts path by path: distinct principals and where they appear, entries per path,
 * default ACLs, sticky bits, paths near the 32-entry limit, principals missing from an identity map.
 * `$superuser` and empty ids are not principals (they need no mapping).
 */
export class AclCollector {
  private readonly principals = new Map<string, PrincipalState>();
  private principalsTruncated = false;
  private readonly entriesPerPath = new Map<number, number>();
  private readonly nearLimit = new CappedList<{ path: string; scope: 'access' | 'default'; entries: number }>(20);
  private readonly sticky = new CappedList<string>(20);
  pathsWithExtendedAcl = 0;
  aclRequests = 0;
  defaultAclPaths = 0;
  rootHasExtendedAcl = false;

  constructor(
    private readonly rules: RuleCounter,
    private readonly identityMap: ReadonlySet<string> | null,
  ) {}

  /** Records a path whose ACL is only the three base entries (derived from the listing). */
  addBaseOnly(entry: Entry): void {
    if (entry.permissions === undefined && entry.owner === undefined && entry.group === undefined) return;
    if (entry.permissions !== undefined && (entry.permissions & 0o1000) !== 0) this.sticky.add(entry.path);
    this.record(entry.path, entry.owner ?? '', entry.group ?? '', [], 3, 0);
  }

  /** Records a path's full ACL as getAcl returned it. */
  addFull(path: string, status: AclStatus): void {
    this.aclRequests++;
    this.pathsWithExtendedAcl++;
    if (path === '') this.rootHasExtendedAcl = true;
    if ((status.permissions & 0o1000) !== 0) this.sticky.add(path);
    const access = status.entries.filter((e) => e.scope === 'access');
    const defaults = status.entries.filter((e) => e.scope === 'default');
    if (defaults.length > 0) this.defaultAclPaths++;
    // A listing that omits base entries still has them: count at least 3 access entries.
    this.record(path, status.owner, status.group, status.entries, Math.max(access.length, 3), defaults.length);
  }

  private record(path: string, owner: string, group: string, entries: AclEntry[], accessCount: number, defaultCount: number): void {
    const total = accessCount + defaultCount;
    this.entriesPerPath.set(total, (this.entriesPerPath.get(total) ?? 0) + 1);
    if (accessCount >= ACL_NEAR_LIMIT) this.nearLimit.add({ path, scope: 'access', entries: accessCount });
    if (defaultCount >= ACL_NEAR_LIMIT) this.nearLimit.add({ path, scope: 'default', entries: defaultCount });

    const ids: string[] = [];
    this.note(owner, path, 'owner', ids);
    this.note(group, path, 'group', ids);
    for (const e of entries) {
      if (e.id === '' || (e.type !== 'user' && e.type !== 'group')) continue;
      this.note(e.id, path, e.type === 'user' ? (e.scope === 'access' ? 'named-user' : 'default-user') : e.scope === 'access' ? 'named-group' : 'default-group', ids);
    }
    const unmapped = this.identityMap === null ? null : ids.filter((id) => !this.identityMap?.has(id));
    const subject: AclSubject = { path, accessEntries: accessCount, defaultEntries: defaultCount, principals: ids, unmapped };
    for (const rule of ACL_RULES) if (rule.test(subject)) this.rules.hit(rule.id, path);
  }

  private note(id: string, path: string, role: 'owner' | 'group' | 'named-user' | 'named-group' | 'default-user' | 'default-group', ids: string[]): void {
    if (id === '' || id === '$superuser') return;
    if (!ids.includes(id)) ids.push(id);
    let state = this.principals.get(id);
    if (state === undefined) {
      if (this.principals.size >= MAX_PRINCIPALS) {
        this.principalsTruncated = true;
        return;
      }
      state = { user: false, group: false, asOwner: 0, asGroup: 0, namedAccess: 0, namedDefault: 0, examples: [] };
      this.principals.set(id, state);
    }
    if (role === 'owner' || role === 'named-user' || role === 'default-user') state.user = true;
    else state.group = true;
    if (role === 'owner') state.asOwner++;
    else if (role === 'group') state.asGroup++;
    else if (role === 'named-user' || role === 'named-group') state.namedAccess++;
    else state.namedDefault++;
    if (state.examples.length < EXAMPLES_PER_PRINCIPAL && !state.examples.includes(path)) state.examples.push(path);
  }

  /** The report's `acl` section. */
  build(): AssessReport['acl'] {
    const list: PrincipalReport[] = [...this.principals.entries()]
      .map(([id, s]) => ({
        id,
        kind: s.user && s.group ? ('user-or-group' as const) : s.group ? ('group' as const) : ('user' as const),
        asOwner: s.asOwner,
        asGroup: s.asGroup,
        namedAccess: s.namedAccess,
        namedDefault: s.namedDefault,
        examplePaths: s.examples,
      }))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const missing = this.identityMap === null ? [] : list.filter((p) => !this.identityMap?.has(p.id)).map((p) => p.id);
    return {
      pathsWithExtendedAcl: this.pathsWithExtendedAcl,
      aclRequests: this.aclRequests,
      defaultAclPaths: this.defaultAclPaths,
      stickyBitPaths: { count: this.sticky.count, examples: this.sticky.items },
      entriesPerPath: [...this.entriesPerPath.entries()].sort((a, b) => a[0] - b[0]).map(([entries, paths]) => ({ entries, paths })),
      nearLimit: { threshold: ACL_NEAR_LIMIT, count: this.nearLimit.count, examples: this.nearLimit.items },
      principals: { distinct: this.principals.size, truncated: this.principalsTruncated, list },
      identityMap: { given: this.identityMap !== null, missing: missing.length, missingExamples: missing.slice(0, 20) },
    };
  }

  get stickyCount(): number {
    return this.sticky.count;
  }

  get stickyExamples(): string[] {
    return this.sticky.items;
  }
}
