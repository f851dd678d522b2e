import { describe, expect, it } from 'vitest';
import { aclForNewChild, formatPermissions, formatScope, isAllowed, parseAclSpec, parsePermissions, parseScope, updateAcl, type AclScope } from './acl.js';
import { WireError } from './wire.js';

const scope = (text: string): AclScope => {
  const s = parseScope(text);
  if (!s) throw new Error('empty');
  return s;
};

describe('POSIX ACL model', () => {
  it('parses and formats canonically, computing the mask for named entries', () => {
    const pair = updateAcl({ access: scope('user::rwx,group::r-x,other::---'), def: undefined }, 'set', parseAclSpec('other::r--,group:g2:rw-,user::rwx,user:u1:r-x,group::r--', true), true, false);
    expect(formatScope(pair.access)).toBe('user::rwx,user:u1:r-x,group::r--,group:g2:rw-,mask::rwx,other::r--');
    expect(formatPermissions(pair.access, false)).toBe('rwxrwxr--+');
  });
  it('modify merges entries and creates default base entries from the access ACL', () => {
    const pair = updateAcl({ access: scope('user::rwx,group::r-x,other::--x'), def: undefined }, 'modify', parseAclSpec('default:user:u9:rwx', true), true, false);
    expect(formatScope(pair.def, true)).toBe('default:user::rwx,default:user:u9:rwx,default:group::r-x,default:mask::rwx,default:other::--x');
  });
  it('remove drops named entries, recomputes the mask and refuses base entries', () => {
    const start = { access: scope('user::rwx,user:u1:rwx,group::r--,mask::rwx,other::---'), def: undefined };
    const pair = updateAcl(start, 'remove', parseAclSpec('user:u1', false), false, false);
    expect(formatScope(pair.access)).toBe('user::rwx,group::r--,mask::r--,other::---');
    expect(() => updateAcl(start, 'remove', parseAclSpec('user::', false), false, false)).toThrow(WireError);
  });
  it('rejects malformed specs, default entries on files and more than 32 entries', () => {
    expect(() => parseAclSpec('user:x:rwz', true)).toThrow(WireError);
    expect(() => parseAclSpec('owner::rwx', true)).toThrow(WireError);
    const base = { access: scope('user::rw-,group::r--,other::---'), def: undefined };
    expect(() => updateAcl(base, 'modify', parseAclSpec('default:user::rwx', true), false, false)).toThrow(/default ACL/);
    expect(formatScope(updateAcl(base, 'modify', parseAclSpec('default:user::rwx', true), false, true).access)).toBe('user::rw-,group::r--,other::---');
    const many = Array.from({ length: 29 }, (_, i) => `user:u${i}:r--`).join(',');
    expect(() => updateAcl(base, 'set', parseAclSpec(`user::rwx,${many},group::r--,other::---`, true), false, false)).toThrow(/at most 32/);
    const fits = Array.from({ length: 28 }, (_, i) => `user:u${i}:r--`).join(',');
    expect(updateAcl(base, 'set', parseAclSpec(`user::rwx,${fits},group::r--,other::---`, true), false, false).access.named).toHaveLength(28);
  });
  it('parses symbolic and octal permissions with the sticky bit', () => {
    expect(parsePermissions('rwxr-x--T')).toEqual({ mode: 0o750, sticky: true });
    expect(parsePermissions('rwxrwxrwt')).toEqual({ mode: 0o777, sticky: true });
    expect(parsePermissions('1755')).toEqual({ mode: 0o755, sticky: true });
    expect(() => parsePermissions('rwx')).toThrow(WireError);
  });
  it('inherits default ACLs with umask 007, else applies the umask', () => {
    const def = scope('user::rwx,user:u1:rwx,group::r-x,mask::rwx,other::rwx');
    const file = aclForNewChild(def, false, undefined, 0o027);
    expect(formatScope(file.access)).toBe('user::rw-,user:u1:rwx,group::r-x,mask::rw-,other::---');
    expect(file.def).toBeUndefined();
    expect(aclForNewChild(def, true, undefined, 0o027).def).toEqual(def);
    expect(formatScope(aclForNewChild(undefined, true, undefined, 0o027).access)).toBe('user::rwx,group::r-x,other::---');
    expect(formatScope(aclForNewChild(undefined, false, 0o666, 0o022).access)).toBe('user::rw-,group::r--,other::r--');
  });
  it('checks access as POSIX: owner, named user under mask, groups, then other', () => {
    const acl = scope('user::r--,user:u1:rwx,group::rw-,group:g2:--x,mask::r-x,other::-w-');
    expect(isAllowed({ oid: 'own', groups: [] }, 'own', 'grp', acl, 2)).toBe(false);
    expect(isAllowed({ oid: 'u1', groups: [] }, 'own', 'grp', acl, 5)).toBe(true);
    expect(isAllowed({ oid: 'u1', groups: [] }, 'own', 'grp', acl, 2)).toBe(false);
    expect(isAllowed({ oid: 'x', groups: ['grp'] }, 'own', 'grp', acl, 4)).toBe(true);
    expect(isAllowed({ oid: 'x', groups: ['grp'] }, 'own', 'grp', acl, 2)).toBe(false);
    expect(isAllowed({ oid: 'x', groups: ['g2'] }, 'own', 'grp', acl, 1)).toBe(true);
    expect(isAllowed({ oid: 'x', groups: [] }, 'own', 'grp', acl, 2)).toBe(true);
  });
});
