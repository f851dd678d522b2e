import type { AccessControlChange } from '../../core/index.js';
import type { CredentialChoice } from './credentials.js';

/**
 * What a file created through the Blob API inherits in a directory without a default ACL: the
 * caller's ownership (`$superuser` for Shared Key) and the mode 0666 with the default umask 0027
 * removed, i.e. rw-r----- (protocols.md, "x-ms-umask"). With a default ACL the file would inherit
 * that instead, so callers ask this only for directories known to have none.
 */
export const INHERITED_FILE_MODE = 0o640;

/** True when a file created now by this credential, under a parent without a default ACL, already has `change`. */
export function inheritsExactly(credential: CredentialChoice['kind'], change: AccessControlChange): boolean {
  if (credential !== 'shared-key') return false;
  if (change.owner !== undefined && change.owner !== '$superuser') return false;
  if (change.group !== undefined && change.group !== '$superuser') return false;
  if (change.permissions !== undefined && change.permissions !== INHERITED_FILE_MODE) return false;
  if (change.entries !== undefined) {
    const want: Record<string, number> = { user: 6, group: 4, other: 0 };
    if (change.entries.length !== 3) return false;
    for (const e of change.entries) {
      if (e.scope !== 'access' || e.id !== '' || want[e.type] !== e.perms) return false;
    }
  }
  return true;
}
