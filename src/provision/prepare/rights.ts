import type { CredentialChoice } from '../../stores/gen2/credentials.js';

/** What each data-plane operation needs, said for the caller's kind of credential. */

export type ProbeOperation = 'create-filesystem' | 'read-acl' | 'create' | 'list' | 'set-acl' | 'set-owner' | 'delete';

const FOR_ENTRA: Record<ProbeOperation, string> = {
  'create-filesystem': 'Storage Blob Data Contributor (or Owner) on the account',
  'read-acl': 'read access to the root (ACL r, or any Storage Blob Data role); Storage Blob Data Owner to read and set it',
  create: 'write and execute (-wx) on the filesystem root in its ACL, or Storage Blob Data Contributor',
  list: 'read and execute (r-x) on the filesystem root in its ACL, or Storage Blob Data Reader',
  'set-acl': 'ownership of the path, or Storage Blob Data Owner (superuser)',
  'set-owner': 'Storage Blob Data Owner (superuser): only a superuser changes owners, and migrate sets every owner',
  delete: 'write and execute (-wx) on the parent in its ACL, or Storage Blob Data Contributor',
};

const FOR_SAS: Record<ProbeOperation, string> = {
  'create-filesystem': "an account SAS with resource type c (srt includes c) and permission c",
  'read-acl': 'SAS permission e (execute: read the ACL)',
  create: 'SAS permissions c and w',
  list: 'SAS permission l',
  'set-acl': 'SAS permission p',
  'set-owner': 'SAS permission o',
  delete: 'SAS permission d',
};

/** The role, ACL or SAS permission that grants `op` to a caller with this credential. */
export function grantedBy(op: ProbeOperation, credential: CredentialChoice['kind']): string {
  if (credential === 'sas') return FOR_SAS[op];
  if (credential === 'shared-key') return 'the account key (Shared Key is a superuser); if this failed, the key is wrong or Shared Key access is disabled on the account';
  if (credential === 'anonymous') return 'a credential: anonymous callers cannot do this';
  return FOR_ENTRA[op];
}
