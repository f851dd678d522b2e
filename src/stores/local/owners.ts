import { readFileSync } from 'node:fs';

/**
 * Local user and group names for numeric ids, read once from /etc/passwd and /etc/group (directory
 * services are not consulted). Unknown ids come back as their decimal string.
 */
let names: { users: Map<number, string>; groups: Map<number, string> } | undefined;

function readIdFile(file: string): Map<number, string> {
  const out = new Map<number, string>();
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return out;
  }
  for (const line of text.split('\n')) {
    const [name, , id] = line.split(':');
    const n = Number(id);
    if (name !== undefined && name !== '' && Number.isInteger(n) && !out.has(n)) out.set(n, name);
  }
  return out;
}

function load(): { users: Map<number, string>; groups: Map<number, string> } {
  names ??= { users: readIdFile('/etc/passwd'), groups: readIdFile('/etc/group') };
  return names;
}

/** The local user name for a uid. */
export function userName(uid: number): string {
  return load().users.get(uid) ?? String(uid);
}

/** The local group name for a gid. */
export function groupName(gid: number): string {
  return load().groups.get(gid) ?? String(gid);
}
