import { formatAclSpec, formatPermissions } from '../core/acl.js';
import type { RootAcl } from './model.js';

/** Helpers shared by the three IaC renderers. */

/** `owner=..;group=..;mode=rwxr-x---;acl=user::rwx,...` for the container metadata (ARM/Bicep). */
export function formatAclSpecForIac(root: RootAcl): string {
  const mode = `${formatPermissions((root.permissions >> 6) & 7)}${formatPermissions((root.permissions >> 3) & 7)}${formatPermissions(root.permissions & 7)}${(root.permissions & 0o1000) !== 0 ? '+t' : ''}`;
  return `owner=${root.owner};group=${root.group};mode=${mode};acl=${formatAclSpec(root.entries)}`;
}

/** A Terraform/Bicep identifier from free text: letters, digits and underscores, not starting with a digit. */
export function identifier(text: string): string {
  const id = text.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[0-9]/.test(id) ? `_${id}` : id;
}
