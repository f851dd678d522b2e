import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { AclEntry, AclScope } from './acl-types.js';
import { isStorageError } from './errors.js';
import {
  aclEquivalent, aclFromMode, applyMode, computeMask, formatAclSpec, formatOctalMode, formatPermissions,
  formatSymbolicMode, hasExtendedAcl, inheritOnCreate, mergeAclEntries, modeFromAcl, parseAclSpec, parseMode,
  parsePermissions, removeAclEntries, sortAclEntries, validateAcl, withMask,
} from './acl.js';

const idArb = fc.stringMatching(/^[a-z0-9][a-z0-9.@-]{0,11}$/);
const permsArb = fc.integer({ min: 0, max: 7 });

/** A valid ACL for one scope: base entries, distinct named users and groups, mask when named entries exist. */
function scopeArb(scope: AclScope): fc.Arbitrary<AclEntry[]> {
  return fc
    .record({
      user: permsArb, group: permsArb, other: permsArb, mask: permsArb,
      users: fc.uniqueArray(fc.tuple(idArb, permsArb), { maxLength: 12, selector: (t) => t[0] }),
      groups: fc.uniqueArray(fc.tuple(idArb, permsArb), { maxLength: 12, selector: (t) => t[0] }),
    })
    .map((r) => {
      const out: AclEntry[] = [
        { scope, type: 'user', id: '', perms: r.user },
        { scope, type: 'group', id: '', perms: r.group },
        { scope, type: 'other', id: '', perms: r.other },
        ...r.users.map(([id, perms]): AclEntry => ({ scope, type: 'user', id, perms })),
        ...r.groups.map(([id, perms]): AclEntry => ({ scope, type: 'group', id, perms })),
      ];
      if (r.users.length + r.groups.length > 0) out.push({ scope, type: 'mask', id: '', perms: r.mask });
      return out;
    });
}

const dirAclArb = fc
  .tuple(scopeArb('access'), fc.option(scopeArb('default'), { nil: undefined }))
  .chain(([a, d]) => fc.shuffledSubarray([...a, ...(d ?? [])], { minLength: a.length + (d?.length ?? 0) }));

function expectInvalid(fn: () => unknown, ...fragments: string[]): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(isStorageError(caught, 'invalid-argument'), String(caught)).toBe(true);
  for (const f of fragments) expect((caught as Error).message).toContain(f);
}

describe('ACL spec text', () => {
  it('round trips parse(format(x)) for generated ACLs', () => {
    fc.assert(fc.property(dirAclArb, (acl) => {
      expect(parseAclSpec(formatAclSpec(acl))).toEqual(acl);
    }));
  });

  it('round trips the permission-less REMOVEACLENTRIES form', () => {
    fc.assert(fc.property(dirAclArb, (acl) => {
      const stripped = acl.map((e) => ({ ...e, perms: 0 }));
      expect(parseAclSpec(formatAclSpec(acl, { withoutPermissions: true }), { withoutPermissions: true })).toEqual(stripped);
    }));
    expect(parseAclSpec('user:bob,default:group:g1', { withoutPermissions: true })).toEqual([
      { scope: 'access', type: 'user', id: 'bob', perms: 0 },
      { scope: 'default', type: 'group', id: 'g1', perms: 0 },
    ]);
  });

  it('formats the canonical Gen1 text', () => {
    const acl = parseAclSpec('other::---,user:b:r-x,mask::r-x,group::r-x,user::rwx,default:user::rwx,default:group::---,default:other::---');
    expect(formatAclSpec(sortAclEntries(acl))).toBe(
      'user::rwx,user:b:r-x,group::r-x,mask::r-x,other::---,default:user::rwx,default:group::---,default:other::---',
    );
  });

  it('parses and formats permission triples', () => {
    for (let bits = 0; bits < 8; bits++) expect(parsePermissions(formatPermissions(bits))).toBe(bits);
    expect(parsePermissions('r-x')).toBe(5);
    expectInvalid(() => parsePermissions('rwz'), "'rwz'");
    expectInvalid(() => parsePermissions('rw'), "'rw'");
  });

  it.each([
    ['user::rwz,group::r-x,other::---', "entry 1 'user::rwz'", "'rwz'"],
    ['user::rwx,,other::---', 'entry 2', 'empty'],
    ['user::rwx,group::r-x,other::---,', 'entry 4', 'empty'],
    ['user::rwx,mask:bob:rwx,other::---', "entry 2 'mask:bob:rwx'", 'cannot name an identity'],
    ['user::rwx,owner::rwx', "entry 2 'owner::rwx'", 'not an entry type'],
    ['user::rwx,group:r-x', "entry 2 'group:r-x'", 'colons'],
  ])('rejects the malformed spec %j naming the entry', (spec, ...fragments) => {
    expectInvalid(() => parseAclSpec(spec), ...fragments);
  });
});

describe('modes', () => {
  it('parses octal and symbolic forms', () => {
    expect(parseMode('750')).toBe(0o750);
    expect(parseMode('0750')).toBe(0o750);
    expect(parseMode('1770')).toBe(0o1770);
    expect(parseMode('rwxr-x---')).toBe(0o750);
    expect(parseMode('rwxr-x--t')).toBe(0o1751);
    expect(parseMode('rwxr-x--T')).toBe(0o1750);
    expect(parseMode('rwxr-x---+')).toBe(0o750);
    expectInvalid(() => parseMode('4755'), 'setuid');
    expectInvalid(() => parseMode('rwsr-x---'), 'character 3');
    expectInvalid(() => parseMode('rwx'), "'rwx'");
    expectInvalid(() => parseMode('789'));
  });

  it('round trips formatSymbolicMode and formatOctalMode through parseMode', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 0o1777 }), fc.boolean(), (mode, ext) => {
      const sym = formatSymbolicMode(mode, ext);
      expect(sym).toHaveLength(ext ? 10 : 9);
      expect(parseMode(sym)).toBe(mode);
      expect(parseMode(formatOctalMode(mode))).toBe(mode);
    }));
    expect(formatOctalMode(0o770)).toBe('770');
    expect(formatOctalMode(0o1770)).toBe('1770');
    expect(formatOctalMode(0o55)).toBe('055');
    expect(formatSymbolicMode(0o1750, true)).toBe('rwxr-x--T+');
  });
});

describe('ordering and validation', () => {
  it('sorting is idempotent and canonical', () => {
    fc.assert(fc.property(dirAclArb, (acl) => {
      const once = sortAclEntries(acl);
      expect(sortAclEntries(once)).toEqual(once);
      expect(sortAclEntries([...acl].reverse())).toEqual(once);
      const firstDefault = once.findIndex((e) => e.scope === 'default');
      if (firstDefault >= 0) expect(once.slice(firstDefault).every((e) => e.scope === 'default')).toBe(true);
    }));
  });

  it('accepts every generated valid ACL', () => {
    fc.assert(fc.property(dirAclArb, (acl) => {
      validateAcl(acl, 'directory');
      const access = acl.filter((e) => e.scope === 'access');
      validateAcl(access, 'file');
    }));
  });

  const base = 'user::rwx,group::r-x,other::---';
  it.each([
    ['group::r-x,other::---', 'file', "'user::'"],
    [`${base},default:user::rwx`, 'directory', "'default:group::'"],
    [`${base},default:user::rwx,default:group::---,default:other::---`, 'file', "entry 4 'default:user::rwx'", 'files have no default'],
    [`${base},user:bob:r--,user:bob:rwx`, 'file', "entry 5 'user:bob:rwx'", 'more than once'],
  ] as const)('rejects %j for a %s', (spec, kind, ...fragments) => {
    expectInvalid(() => validateAcl(parseAclSpec(spec), kind), ...fragments);
  });

  it('rejects an id on mask and more than 32 entries in a scope', () => {
    expectInvalid(() => validateAcl([...aclFromMode(0o750), { scope: 'access', type: 'mask', id: 'x', perms: 7 }], 'file'), "entry 4 'mask:x:rwx'");
    const named = Array.from({ length: 30 }, (_, i): AclEntry => ({ scope: 'access', type: 'user', id: `u${i}`, perms: 4 }));
    const acl = withMask([...aclFromMode(0o750), ...named]);
    expect(acl).toHaveLength(34);
    expectInvalid(() => validateAcl(acl, 'file'), 'entry 33', 'more than 32');
    validateAcl(withMask([...aclFromMode(0o750), ...named.slice(0, 28)]), 'file');
  });
});

describe('mask and mode', () => {
  const acl = parseAclSpec('user::rwx,user:a:r--,group::--x,group:g:-w-,other::r--');

  it('computes and adds the mask only where named entries exist', () => {
    expect(computeMask(acl, 'access')).toBe(7);
    const masked = withMask(acl);
    expect(formatAclSpec(masked)).toBe('user::rwx,user:a:r--,group::--x,group:g:-w-,mask::rwx,other::r--');
    expect(withMask(aclFromMode(0o750))).toEqual(aclFromMode(0o750));
    expect(hasExtendedAcl(aclFromMode(0o750))).toBe(false);
    expect(hasExtendedAcl(masked)).toBe(true);
  });

  it('maps modes to ACLs and back, the group bits being the mask when present', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 0o777 }), fc.boolean(), (mode, sticky) => {
      expect(modeFromAcl(aclFromMode(mode), sticky)).toBe(mode | (sticky ? 0o1000 : 0));
    }));
    const masked = applyMode(withMask(acl), 0o640);
    expect(formatAclSpec(masked)).toBe('user::rw-,user:a:r--,group::--x,group:g:-w-,mask::r--,other::---');
    expect(modeFromAcl(masked, false)).toBe(0o640);
    expect(formatAclSpec(applyMode(aclFromMode(0o777), 0o751))).toBe('user::rwx,group::r-x,other::--x');
  });
});

describe('inheritance, merge and remove', () => {
  const parentDefault = parseAclSpec('user::rwx,group::r-x,other::---,default:user::rwx,default:user:bob:rwx,default:group::r-x,default:mask::rwx,default:other::r-x');

  it('applies the umask only without a default ACL', () => {
    expect(inheritOnCreate(aclFromMode(0o777), 'file', 0o666, 0o027)).toEqual({ mode: 0o640, entries: aclFromMode(0o640) });
    expect(inheritOnCreate([], 'directory', 0o1777, 0o027).mode).toBe(0o1750);
  });

  it('copies the default ACL with the constant 007 umask on other', () => {
    const file = inheritOnCreate(parentDefault, 'file', 0o666, 0o777);
    expect(formatAclSpec(file.entries)).toBe('user::rw-,user:bob:rwx,group::r-x,mask::rw-,other::---');
    expect(file.mode).toBe(0o660);
    const dir = inheritOnCreate(parentDefault, 'directory', 0o777, 0);
    expect(formatAclSpec(dir.entries)).toBe(
      'user::rwx,user:bob:rwx,group::r-x,mask::rwx,other::---,default:user::rwx,default:user:bob:rwx,default:group::r-x,default:mask::rwx,default:other::r-x',
    );
    validateAcl(dir.entries, 'directory');
  });

  it('merges entries and recomputes the mask of changed scopes', () => {
    const merged = mergeAclEntries(aclFromMode(0o750), parseAclSpec('user:bob:rw-,default:group:g:r--'));
    expect(formatAclSpec(merged)).toBe(
      'user::rwx,user:bob:rw-,group::r-x,mask::rwx,other::---,default:user::rwx,default:group::r-x,default:group:g:r--,default:mask::r-x,default:other::---',
    );
    validateAcl(merged, 'directory');
    const given = mergeAclEntries(merged, parseAclSpec('user:bob:r--,mask::r--'));
    expect(formatAclSpec(given.filter((e) => e.scope === 'access'))).toBe('user::rwx,user:bob:r--,group::r-x,mask::r--,other::---');
  });

  it('removes entries, keeps (and recomputes) the mask, refuses base entries', () => {
    const acl = withMask(parseAclSpec('user::rwx,user:bob:rwx,group::r--,other::---'));
    const removed = removeAclEntries(acl, parseAclSpec('user:bob', { withoutPermissions: true }));
    expect(formatAclSpec(removed)).toBe('user::rwx,group::r--,mask::r--,other::---');
    expectInvalid(() => removeAclEntries(acl, parseAclSpec('user::', { withoutPermissions: true })), "'user::---'");
    expectInvalid(() => removeAclEntries(acl, parseAclSpec('mask::', { withoutPermissions: true })), 'mask cannot be removed');
  });

  it('merging a whole valid ACL into a base ACL reproduces it; removing its named entries keeps a valid ACL', () => {
    fc.assert(fc.property(dirAclArb, fc.integer({ min: 0, max: 0o777 }), (acl, mode) => {
      const merged = mergeAclEntries(aclFromMode(mode), acl);
      expect(aclEquivalent(merged, acl)).toBe(true);
      const named = acl.filter((e) => e.id !== '');
      const removed = removeAclEntries(acl, named);
      validateAcl(removed, 'directory');
      expect(removed.some((e) => e.id !== '')).toBe(false);
      for (const scope of ['access', 'default'] as const) {
        const hadMask = acl.some((e) => e.scope === scope && e.type === 'mask');
        expect(removed.some((e) => e.scope === scope && e.type === 'mask')).toBe(hadMask);
      }
    }));
  });

  it('judges equivalence after sorting and mask normalisation', () => {
    fc.assert(fc.property(dirAclArb, (acl) => {
      expect(aclEquivalent(acl, [...acl].reverse())).toBe(true);
    }));
    const named = parseAclSpec('user::rwx,user:bob:r--,group::r-x,other::---');
    expect(aclEquivalent(named, withMask(named))).toBe(true);
    expect(aclEquivalent(aclFromMode(0o750), [...aclFromMode(0o750), { scope: 'access', type: 'mask', id: '', perms: 5 }])).toBe(true);
    expect(aclEquivalent(aclFromMode(0o750), aclFromMode(0o751))).toBe(false);
    expect(aclEquivalent(named, applyMode(withMask(named), 0o700))).toBe(false);
  });
});
