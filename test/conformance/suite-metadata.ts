import { describe, expect, it } from 'vitest';
import { aclEquivalent, aclFromMode, formatAclSpec, parseAclSpec } from '../../src/core/acl.js';
import { bytesOf, expectCode, putFile, requireCapability, type SuiteContext } from './helpers.js';

// Object IDs as the services store them.
const OID_A = '9a23860e-03b0-4bad-a8b7-e1d081d592bd';
const OID_B = '2e6c02d2-a364-4530-9137-d17403996cbf';
const OID_C = '470c0ccf-c91a-4597-98cd-9d21c0aa9d1c';

/** ACLs, permissions, ownership, properties, times, expiry. */
export function defineMetadataTests(ctx: SuiteContext): void {
  describe('permissions and ACLs', () => {
    it('creates files and directories with the requested permissions', async (t) => {
      const store = ctx.store();
      requireCapability(t, ctx.name, store.capabilities.permissions, 'the store has no permission bits');
      const dir = ctx.fresh('createperm');
      await store.mkdir(`${dir}/d`, { permissions: 0o750 });
      await putFile(store, `${dir}/f`, bytesOf('x'), { chunkSize: ctx.chunk(), permissions: 0o640 });
      expect((await store.stat(`${dir}/d`)).permissions).toBe(0o750);
      expect((await store.stat(`${dir}/f`)).permissions).toBe(0o640);
      await putFile(store, `${dir}/g`, bytesOf('y'), { chunkSize: ctx.chunk(), permissions: 0o604 });
      expect((await store.stat(`${dir}/g`)).permissions).toBe(0o604);
    });

    it('sets permissions (chmod) and the sticky bit', async (t) => {
      const store = ctx.store();
      requireCapability(t, ctx.name, store.capabilities.permissions, 'the store has no permission bits');
      const dir = ctx.fresh('chmod');
      await putFile(store, `${dir}/f`, bytesOf('x'), { chunkSize: ctx.chunk() });
      await store.setPermissions(`${dir}/f`, 0o604);
      const acl = await store.getAcl(`${dir}/f`);
      expect(acl.permissions).toBe(0o604);
      expect(aclEquivalent(acl.entries, aclFromMode(0o604)), formatAclSpec(acl.entries)).toBe(true);
      expect((await store.stat(`${dir}/f`)).permissions).toBe(0o604);
      requireCapability(t, ctx.name, store.capabilities.stickyBit, 'the store has no sticky bit');
      await store.mkdir(`${dir}/shared`);
      await store.setPermissions(`${dir}/shared`, 0o1770);
      expect((await store.getAcl(`${dir}/shared`)).permissions).toBe(0o1770);
      expect((await store.stat(`${dir}/shared`)).permissions).toBe(0o1770);
      await store.setPermissions(`${dir}/shared`, 0o770);
      expect((await store.stat(`${dir}/shared`)).permissions).toBe(0o770);
    });

    it('round trips access and default ACLs with named users, groups and masks', async (t) => {
      const store = ctx.store();
      requireCapability(t, ctx.name, store.capabilities.acl, 'the store has no named or default ACL entries');
      const dir = ctx.fresh('acl');
      await store.mkdir(`${dir}/d`);
      const dirAcl = parseAclSpec(
        `user::rwx,user:${OID_A}:r-x,group::r-x,group:${OID_B}:rwx,mask::rwx,other::---,` +
          `default:user::rwx,default:user:${OID_C}:rwx,default:group::r-x,default:mask::r-x,default:other::---`,
      );
      await store.setAcl(`${dir}/d`, dirAcl);
      const got = await store.getAcl(`${dir}/d`);
      expect(aclEquivalent(got.entries, dirAcl), formatAclSpec(got.entries)).toBe(true);
      expect(got.permissions & 0o777).toBe(0o770);
      expect((await store.stat(`${dir}/d`)).hasAcl).toBe(true);

      await putFile(store, `${dir}/f`, bytesOf('x'), { chunkSize: ctx.chunk() });
      const fileAcl = parseAclSpec(`user::rw-,user:${OID_A}:r--,group::---,other::---`);
      await store.setAcl(`${dir}/f`, fileAcl);
      const gotFile = await store.getAcl(`${dir}/f`);
      expect(aclEquivalent(gotFile.entries, fileAcl), formatAclSpec(gotFile.entries)).toBe(true);
      expect(gotFile.entries.find((e) => e.type === 'mask' && e.scope === 'access')?.perms).toBe(4);
      expect(gotFile.permissions & 0o777).toBe(0o640);

      const baseOnly = aclFromMode(0o750);
      await store.setAcl(`${dir}/f`, baseOnly);
      expect(aclEquivalent((await store.getAcl(`${dir}/f`)).entries, baseOnly)).toBe(true);
      expect((await store.stat(`${dir}/f`)).hasAcl).toBe(false);
    });

    it('refuses invalid ACLs with invalid-argument and missing paths with not-found', async (t) => {
      const store = ctx.store();
      requireCapability(t, ctx.name, store.capabilities.acl, 'the store has no named or default ACL entries');
      const dir = ctx.fresh('badacl');
      await putFile(store, `${dir}/f`, bytesOf('x'), { chunkSize: ctx.chunk() });
      await expectCode(store.setAcl(`${dir}/f`, parseAclSpec('user::rwx,group::r-x,other::---,default:user::rwx,default:group::---,default:other::---')), 'invalid-argument');
      await expectCode(store.setAcl(`${dir}/f`, parseAclSpec(`user:${OID_A}:rwx,other::---`)), 'invalid-argument');
      await expectCode(store.setAcl(`${dir}/missing`, aclFromMode(0o700)), 'not-found');
      await expectCode(store.getAcl(`${dir}/missing`), 'not-found');
    });

    it('sets owner and group', async (t) => {
      const store = ctx.store();
      requireCapability(t, ctx.name, store.capabilities.ownership, 'the store cannot hold arbitrary owners');
      const dir = ctx.fresh('owner');
      await putFile(store, `${dir}/f`, bytesOf('x'), { chunkSize: ctx.chunk() });
      await store.setOwner(`${dir}/f`, OID_A, OID_B);
      expect(await store.getAcl(`${dir}/f`)).toMatchObject({ owner: OID_A, group: OID_B });
      await store.setOwner(`${dir}/f`, undefined, OID_C);
      expect(await store.getAcl(`${dir}/f`)).toMatchObject({ owner: OID_A, group: OID_C });
      expect(await store.stat(`${dir}/f`)).toMatchObject({ owner: OID_A, group: OID_C });
    });
  });

  describe('creating paths with their metadata (createWithMetadata)', () => {
    it('creates a file with owner, group and ACL, and a directory with ACL and properties, in the create call', async (t) => {
      const store = ctx.store();
      requireCapability(t, ctx.name, store.capabilities.createWithMetadata, 'the store applies metadata after creating, not in the create call');
      const dir = ctx.fresh('createmeta');
      const fileAcl = parseAclSpec(`user::rw-,user:${OID_A}:r--,group::r--,mask::r--,other::---`);
      await putFile(store, `${dir}/f`, bytesOf('hello'), { chunkSize: ctx.chunk(), accessControl: { owner: OID_A, group: OID_B, entries: fileAcl } });
      const gotFile = await store.getAcl(`${dir}/f`);
      expect(gotFile).toMatchObject({ owner: OID_A, group: OID_B });
      expect(aclEquivalent(gotFile.entries, fileAcl), formatAclSpec(gotFile.entries)).toBe(true);
      await putFile(store, `${dir}/g`, bytesOf('x'), { chunkSize: ctx.chunk(), accessControl: { owner: OID_C, permissions: 0o604 } });
      expect(await store.getAcl(`${dir}/g`)).toMatchObject({ owner: OID_C, permissions: 0o604 });

      const dirAcl = parseAclSpec(`user::rwx,group::r-x,group:${OID_B}:rwx,mask::rwx,other::---,default:user::rwx,default:group::r-x,default:other::---`);
      await store.mkdir(`${dir}/d`, { accessControl: { owner: OID_A, entries: dirAcl }, properties: { lakeshift_mtime: '1234' } });
      const gotDir = await store.getAcl(`${dir}/d`);
      expect(gotDir.owner).toBe(OID_A);
      expect(aclEquivalent(gotDir.entries, dirAcl), formatAclSpec(gotDir.entries)).toBe(true);
      expect(await store.getProperties(`${dir}/d`)).toMatchObject({ lakeshift_mtime: '1234' });
      // An existing directory gets what the create would have set.
      await store.mkdir(`${dir}/d`, { accessControl: { owner: OID_C }, properties: { other: 'x' } });
      expect((await store.getAcl(`${dir}/d`)).owner).toBe(OID_C);
      expect(await store.getProperties(`${dir}/d`)).toMatchObject({ lakeshift_mtime: '1234', other: 'x' });
      await expectCode(store.createWriter(`${dir}/h`, { accessControl: { entries: fileAcl, permissions: 0o600 } }), 'invalid-argument');
    });
  });

  describe('properties, times and expiry', () => {
    it('round trips custom properties', async (t) => {
      const store = ctx.store();
      requireCapability(t, ctx.name, store.capabilities.properties, 'the store has no custom properties');
      const dir = ctx.fresh('props');
      await putFile(store, `${dir}/f`, bytesOf('x'), { chunkSize: ctx.chunk(), properties: { origin: 'gen1', note: 'caf\u00e9 = 1' } });
      expect(await store.getProperties(`${dir}/f`)).toEqual({ origin: 'gen1', note: 'caf\u00e9 = 1' });
      await store.setProperties(`${dir}/f`, { replaced: 'yes' });
      expect(await store.getProperties(`${dir}/f`)).toEqual({ replaced: 'yes' });
      await store.mkdir(`${dir}/d`);
      await store.setProperties(`${dir}/d`, { kind: 'dir' });
      expect(await store.getProperties(`${dir}/d`)).toEqual({ kind: 'dir' });
    });

    it('sets modification and access times', async (t) => {
      const store = ctx.store();
      requireCapability(t, ctx.name, store.setTimes !== undefined, 'the store cannot set times');
      const dir = ctx.fresh('times');
      await putFile(store, `${dir}/f`, bytesOf('x'), { chunkSize: ctx.chunk() });
      const mtimeMs = 1_600_000_000_000;
      const atimeMs = 1_650_000_000_000;
      await store.setTimes?.(`${dir}/f`, { mtimeMs, atimeMs });
      const entry = await store.stat(`${dir}/f`);
      expect(entry.mtimeMs).toBe(mtimeMs);
      if (store.capabilities.accessTime) expect(entry.atimeMs).toBe(atimeMs);
    });

    it('sets and clears a file expiry', async (t) => {
      const store = ctx.store();
      requireCapability(t, ctx.name, store.capabilities.expiry && store.setExpiry !== undefined, 'the store has no expiry');
      const dir = ctx.fresh('expiry');
      await putFile(store, `${dir}/f`, bytesOf('x'), { chunkSize: ctx.chunk() });
      const expiryMs = Math.floor(Date.now() / 1000) * 1000 + 86_400_000;
      await store.setExpiry?.(`${dir}/f`, expiryMs);
      expect((await store.stat(`${dir}/f`)).expiryMs).toBe(expiryMs);
      await store.setExpiry?.(`${dir}/f`, undefined);
      expect((await store.stat(`${dir}/f`)).expiryMs ?? 0).toBe(0);
    });
  });
}
