import { hash } from 'node:crypto';
import { z } from 'zod';
import { parseAclSpec } from '../../core/acl.js';
import type { AclStatus } from '../../core/acl-types.js';
import type { Entry } from '../../core/entry.js';
import { StorageError } from '../../core/errors.js';

/** Gen1 FileStatus (A.6). Unknown fields are ignored; absent optional fields are tolerated. */
export const fileStatusSchema = z.object({
  length: z.number(),
  pathSuffix: z.string(),
  type: z.enum(['FILE', 'DIRECTORY']),
  accessTime: z.number().optional(),
  modificationTime: z.number(),
  permission: z.string().optional(),
  owner: z.string().optional(),
  group: z.string().optional(),
  msExpirationTime: z.number().optional(),
  aclBit: z.boolean().optional(),
});
export type FileStatus = z.infer<typeof fileStatusSchema>;

export const getFileStatusSchema = z.object({ FileStatus: fileStatusSchema });
export const listStatusSchema = z.object({
  FileStatuses: z.object({ continuationToken: z.string().optional(), FileStatus: z.array(fileStatusSchema) }),
});
export const booleanSchema = z.object({ boolean: z.boolean() });
export const aclStatusSchema = z.object({
  AclStatus: z.object({
    entries: z.array(z.string()),
    owner: z.string(),
    group: z.string(),
    permission: z.string(),
    stickyBit: z.boolean().optional(),
  }),
});

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const optional = (v: unknown, is: (v: unknown) => boolean): boolean => v === undefined || is(v);
const isString = (v: unknown): v is string => typeof v === 'string';
const isBoolean = (v: unknown): v is boolean => typeof v === 'boolean';

/** The checks of fileStatusSchema, without building a copy of the object. */
function isFileStatus(v: unknown): v is FileStatus {
  if (typeof v !== 'object' || v === null) return false;
  const s = v as Record<string, unknown>;
  return isNumber(s['length']) && isString(s['pathSuffix']) && (s['type'] === 'FILE' || s['type'] === 'DIRECTORY') &&
    optional(s['accessTime'], isNumber) && isNumber(s['modificationTime']) && optional(s['permission'], isString) &&
    optional(s['owner'], isString) && optional(s['group'], isString) && optional(s['msExpirationTime'], isNumber) &&
    optional(s['aclBit'], isBoolean);
}

/**
 * Parses a LISTSTATUS answer: the same rules and errors as `parseWire(listStatusSchema, ...)`, but a
 * page that passes is checked in place (thousands of entries a page: building zod's copies of each
 * costs more than the rest of listing). Statuses keep any fields the schema does not name.
 */
export function parseListStatus(json: unknown, path: string): z.infer<typeof listStatusSchema> {
  const outer = typeof json === 'object' && json !== null ? (json as Record<string, unknown>)['FileStatuses'] : undefined;
  if (typeof outer === 'object' && outer !== null) {
    const { continuationToken: token, FileStatus: statuses } = outer as Record<string, unknown>;
    if (optional(token, isString) && Array.isArray(statuses) && statuses.every(isFileStatus)) {
      return { FileStatuses: { FileStatus: statuses, ...(token === undefined ? {} : { continuationToken: token as string }) } };
    }
  }
  return parseWire(listStatusSchema, json, 'LISTSTATUS', path);
}

/** Parses a Gen1 JSON answer with a schema; a mismatch is a transient wire error naming the op. */
export function parseWire<T>(schema: z.ZodType<T>, json: unknown, op: string, path: string): T {
  const result = schema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue === undefined ? '' : ` at ${issue.path.join('.')}: ${issue.message}`;
    throw new StorageError('transient', `Gen1 ${op} on '/${path}' returned an unexpected body${where}.`, { path });
  }
  return result.data;
}

/** Parses Gen1's octal permission string ('770', '1770', '0750') into a 12-bit mode. */
export function parseOctalPermission(text: string | undefined, sticky = false): number | undefined {
  if (text === undefined || !/^[0-7]{3,4}$/.test(text)) return undefined;
  const mode = parseInt(text, 8) & 0o7777;
  return sticky ? mode | 0o1000 : mode;
}

/** Formats a 12-bit mode as the 4-digit octal string SETPERMISSION and CREATE accept. */
export function formatOctalPermission(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0');
}

/** A change tag: Gen1 has no ETag, so hash what changes when content or metadata changes. */
export function synthesizeEtag(status: FileStatus): string {
  const text = `${status.length}|${status.modificationTime}|${status.permission ?? ''}|${status.owner ?? ''}|${status.group ?? ''}|${status.aclBit === true ? 1 : 0}|${status.msExpirationTime ?? 0}`;
  return `"${hash('sha1', text, 'base64url').slice(0, 22)}"`;
}

/** Converts a FileStatus into an Entry at `path` (store-relative). */
export function toEntry(status: FileStatus, path: string): Entry {
  const permissions = parseOctalPermission(status.permission);
  const entry: Entry = {
    path,
    kind: status.type === 'DIRECTORY' ? 'directory' : 'file',
    size: status.type === 'DIRECTORY' ? 0 : status.length,
    mtimeMs: status.modificationTime,
    etag: synthesizeEtag(status),
  };
  if (status.accessTime !== undefined) entry.atimeMs = status.accessTime;
  if (status.owner !== undefined) entry.owner = status.owner;
  if (status.group !== undefined) entry.group = status.group;
  if (permissions !== undefined) entry.permissions = permissions;
  if (status.aclBit !== undefined) entry.hasAcl = status.aclBit;
  if (status.type === 'FILE' && status.msExpirationTime !== undefined && status.msExpirationTime > 0) entry.expiryMs = status.msExpirationTime;
  return entry;
}

/** Path of a LISTSTATUS child: `pathSuffix` '' means the listed path is itself a file. */
export function childPath(parent: string, status: FileStatus): string {
  if (status.pathSuffix === '') return parent;
  return parent === '' ? status.pathSuffix : `${parent}/${status.pathSuffix}`;
}

/** Converts an MSGETACLSTATUS answer into an AclStatus. */
export function toAclStatus(json: unknown, path: string): AclStatus {
  const status = parseWire(aclStatusSchema, json, 'MSGETACLSTATUS', path).AclStatus;
  const mode = parseOctalPermission(status.permission, status.stickyBit === true);
  if (mode === undefined) throw new StorageError('transient', `Gen1 returned an unreadable permission '${status.permission}'.`, { path });
  return { owner: status.owner, group: status.group, permissions: mode, entries: status.entries.length === 0 ? [] : parseAclSpec(status.entries.join(',')) };
}
