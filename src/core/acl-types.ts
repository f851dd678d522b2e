/** POSIX ACL data model shared by Gen1 and Gen2 (parse/format/validate live in `acl.ts`). */
export type AclScope = 'access' | 'default';
export type AclEntryType = 'user' | 'group' | 'mask' | 'other';

export interface AclEntry {
  scope: AclScope;
  type: AclEntryType;
  /** Object ID, UPN or local name for named entries; '' for owning user/group, mask and other. */
  id: string;
  /** 3-bit rwx value (r=4, w=2, x=1). */
  perms: number;
}

/** Everything ACL-related about one path, as `getAcl` returns it. */
export interface AclStatus {
  owner: string;
  group: string;
  /** 12-bit mode: sticky bit plus rwxrwxrwx (group bits are the mask when an extended ACL exists). */
  permissions: number;
  /** The full list: base entries, named entries, mask, then default-scope entries. */
  entries: AclEntry[];
}

/** Hard limit on both services: 32 access and 32 default entries per path. */
export const MAX_ACL_ENTRIES_PER_SCOPE = 32;
