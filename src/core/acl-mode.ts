import { StorageError } from './errors.js';

/**
 * Mode (permission bit) text forms: Gen1 octal strings (`770`, `1770`) and Gen2 symbolic strings
 * (`rwxr-x---`, `rwxrwx--T`, `+` suffix for an extended ACL). A mode is 12 bits: sticky (0o1000) + rwxrwxrwx.
 */

export const STICKY_BIT = 0o1000;

function modeError(text: string, why: string): StorageError {
  return new StorageError('invalid-argument', `Invalid permissions '${text}': ${why}.`);
}

/**
 * Parses octal (`750`, `0750`, `1770`) or symbolic (`rwxr-x---`, `rwxr-x--t`, `rwxr-x--T`, optional
 * trailing `+`) permissions into a 12-bit mode. Setuid/setgid are refused (neither service has them).
 * Throws StorageError('invalid-argument').
 */
export function parseMode(text: string): number {
  const t = text.trim();
  if (/^[0-7]{3,4}$/.test(t)) {
    const mode = Number.parseInt(t, 8);
    if (mode & 0o6000) throw modeError(text, 'setuid and setgid bits are not supported; the leading digit may only be 0 or 1 (sticky)');
    return mode;
  }
  const sym = t.endsWith('+') ? t.slice(0, -1) : t;
  if (sym.length !== 9) {
    throw modeError(text, 'expected 3-4 octal digits (750, 1770) or 9 symbolic characters (rwxr-x---), optionally followed by +');
  }
  let mode = 0;
  for (let i = 0; i < 9; i++) {
    const c = sym[i];
    const expected = 'rwx'.charAt(i % 3);
    const bit = 1 << (8 - i);
    if (c === expected) mode |= bit;
    else if (i === 8 && c === 't') mode |= bit | STICKY_BIT;
    else if (i === 8 && c === 'T') mode |= STICKY_BIT;
    else if (c !== '-') {
      throw modeError(text, `character ${i + 1} is '${c}'; expected '${expected}' or '-'${i === 8 ? " (or 't'/'T' for the sticky bit)" : ''}`);
    }
  }
  return mode;
}

/** Gen1 style: 3 octal digits, 4 with a leading 1 when the sticky bit is set ('770', '1770'). */
export function formatOctalMode(mode: number): string {
  const base = (mode & 0o777).toString(8).padStart(3, '0');
  return mode & STICKY_BIT ? `1${base}` : base;
}

/** Gen2 style: 9 characters, `t`/`T` for sticky in the last position, `+` suffix when extendedAcl. */
export function formatSymbolicMode(mode: number, extendedAcl = false): string {
  let out = '';
  for (let i = 0; i < 9; i++) {
    const set = (mode & (1 << (8 - i))) !== 0;
    out += set ? 'rwx'.charAt(i % 3) : '-';
  }
  if (mode & STICKY_BIT) out = out.slice(0, 8) + (mode & 1 ? 't' : 'T');
  return extendedAcl ? `${out}+` : out;
}
