/**
 * Gen2 filesystem (container) names: 3-63 characters, lowercase letters, digits and '-', starting and
 * ending with a letter or digit, no '--'. Containers cannot be renamed, so the plan proposes names up
 * front.
 */
const VALID = /^[a-z0-9](?!.*--)[-a-z0-9]{1,61}[a-z0-9]$/;

/** True when `name` is a valid Gen2 filesystem name. */
export function isValidFilesystemName(name: string): boolean {
  return VALID.test(name);
}

/** Derives a valid filesystem name from a folder name (deterministic; not de-duplicated). */
export function deriveFilesystemName(folder: string): string {
  let name = folder
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (name === '') name = 'dataset';
  if (name.length < 3) name = `${name}-fs`;
  if (name.length > 63) name = name.slice(0, 63).replace(/-+$/, '');
  return name;
}

/**
 * Maps folder names to distinct valid filesystem names, in the order given. Collisions get a numeric
 * suffix (`raw`, `raw-2`, ...), kept within 63 characters.
 */
export function assignFilesystemNames(folders: string[]): Map<string, string> {
  const used = new Set<string>();
  const out = new Map<string, string>();
  for (const folder of folders) {
    const base = deriveFilesystemName(folder);
    let name = base;
    for (let n = 2; used.has(name); n++) {
      const suffix = `-${n}`;
      name = `${base.slice(0, 63 - suffix.length).replace(/-+$/, '')}${suffix}`;
    }
    used.add(name);
    out.set(folder, name);
  }
  return out;
}
