import { describe, expect, it } from 'vitest';
import { applyMode, deserializeAcl, effectivePerm, formatEntry, modeFromAccess, normalizeScope, parseAclSpec, serializeAcl, type Caller } from './acl.js';
import { Gen1Error } from './errors.js';

const caller = (oid: string, groups: string[] = []): Caller => ({ oid, groups: new Set(groups), isSuperuser: false });

describe('parseAclSpec', () => {
  it('parses scopes, named entries and permissions', () => {
    const e = parseAclSpec('user::rwx,user:u1:r-x,group::r--,default:other::--x,mask::rw-', true);
    expect(e.map(formatEntry)).toEqual(['user::rwx', 'user:u1:r-x', 'group::r--', 'default:other::--x', 'mask::rw-']);
    expect(e[1]).toEqual({ isDefault: false, tag: 'user', id: 'u1', perm: 5 });
  });

  it('accepts entries without permissions only for removal', () => {
    expect(parseAclSpec('user:u1,default:group:g1', false).map((e) => [e.tag, e.id, e.isDefault])).toEqual([['user', 'u1', false], ['group', 'g1', true]]);
    expect(() => parseAclSpec('user:u1', true)).toThrow(/user:u1/);
  });

  it('rejects malformed entries with a 400 that names them', () => {
    for (const [spec, named] of [['user::rwX', 'user::rwX'], ['owner::rwx', 'owner::rwx'], ['mask:m:rwx', 'mask:m:rwx'], ['user::rwx,,other::---', 'comma'], ['a:b:c:d:e', 'a:b:c:d:e']] as const) {
      let err: unknown;
      try {
        parseAclSpec(spec, true);
      } catch (e) {
        err = e;
      }
      expect(err, spec).toBeInstanceOf(Gen1Error);
      expect((err as Gen1Error).status).toBe(400);
      expect((err as Gen1Error).message).toContain(named);
    }
  });
});

describe('masks and modes', () => {
  it('normalizeScope adds the mask as the union of the group class', () => {
    const scope = normalizeScope(parseAclSpec('user::rwx,user:a:r--,group::--x,group:g:-w-,other::---', true), false, false);
    expect(scope.map(formatEntry)).toEqual(['user::rwx', 'user:a:r--', 'group::--x', 'group:g:-w-', 'mask::rwx', 'other::---']);
    expect(modeFromAccess(scope)).toBe(0o770);
  });

  it('applyMode changes the mask, not group::, when a mask exists; serialization round-trips', () => {
    const acl = { access: normalizeScope(parseAclSpec('user::rwx,user:a:rwx,group::rwx,other::---', true), false, false), defaults: [] };
    const changed = applyMode(acl, 0o741);
    expect(changed.access.map(formatEntry)).toEqual(['user::rwx', 'user:a:rwx', 'group::rwx', 'mask::r--', 'other::--x']);
    expect(deserializeAcl(0o741, serializeAcl(changed))).toEqual(changed);
    expect(serializeAcl({ access: deserializeAcl(0o750, '').access, defaults: [] })).toBe('');
  });
});

describe('effectivePerm', () => {
  const acl = { access: normalizeScope(parseAclSpec('user::rwx,user:named:rwx,group::r-x,group:team:-w-,other::--x,mask::r-x', true), false, true), defaults: [] };
  it('follows owner → named user (masked) → groups (masked union) → other', () => {
    expect(effectivePerm(caller('own'), 'own', 'grp', acl)).toBe(7);
    expect(effectivePerm(caller('named'), 'own', 'grp', acl)).toBe(5);
    expect(effectivePerm(caller('x', ['grp']), 'own', 'grp', acl)).toBe(5);
    expect(effectivePerm(caller('x', ['team']), 'own', 'grp', acl)).toBe(0);
    expect(effectivePerm(caller('x', ['team', 'grp']), 'own', 'grp', acl)).toBe(5);
    expect(effectivePerm(caller('stranger'), 'own', 'grp', acl)).toBe(1);
  });
});
