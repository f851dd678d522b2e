import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { listStatusSchema, parseListStatus, parseWire, synthesizeEtag, type FileStatus } from './wire.js';

const status = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  length: 5, pathSuffix: 'a.csv', type: 'FILE', blockSize: 268435456, accessTime: 1, modificationTime: 2, replication: 1,
  permission: '640', owner: 'o', group: 'g', msExpirationTime: 0, aclBit: false, ...over,
});
const page = (statuses: unknown[], token?: unknown): unknown => ({ FileStatuses: { ...(token === undefined ? {} : { continuationToken: token }), FileStatus: statuses } });

/** What the zod schema says about a body: the parsed value or the error message. */
function viaZod(json: unknown): unknown {
  try {
    return parseWire(listStatusSchema, json, 'LISTSTATUS', 'dir');
  } catch (error) {
    return (error as Error).message;
  }
}
function viaFast(json: unknown): unknown {
  try {
    return parseListStatus(json, 'dir');
  } catch (error) {
    return (error as Error).message;
  }
}

describe('parseListStatus', () => {
  it('accepts what the schema accepts, with the same values', () => {
    const bodies = [
      page([status(), status({ pathSuffix: 'd', type: 'DIRECTORY', length: 0 })], 'next'),
      page([status({ accessTime: undefined, permission: undefined, owner: undefined, group: undefined, msExpirationTime: undefined, aclBit: undefined })]),
      page([], ''),
      page([status({ aclBit: true, extra: { nested: 1 } })]),
    ];
    for (const body of bodies) {
      const fast = viaFast(body) as { FileStatuses: { FileStatus: FileStatus[]; continuationToken?: string } };
      const zod = viaZod(body) as typeof fast;
      expect(fast.FileStatuses.continuationToken).toBe(zod.FileStatuses.continuationToken);
      expect(fast.FileStatuses.FileStatus.map(synthesizeEtag)).toEqual(zod.FileStatuses.FileStatus.map(synthesizeEtag));
      expect(fast.FileStatuses.FileStatus).toMatchObject(zod.FileStatuses.FileStatus);
    }
  });

  it('refuses what the schema refuses, with the same error', () => {
    const bodies: unknown[] = [
      undefined, null, 'text', [], {}, { FileStatuses: null }, { FileStatuses: [] }, page({} as unknown[]),
      page([status()], 7), page([null]), page([[]]), page([status({ length: '5' })]), page([status({ length: Infinity })]),
      page([status({ length: Number.NaN })]), page([status({ type: 'SYMLINK' })]), page([status({ modificationTime: undefined })]),
      page([status({ pathSuffix: undefined })]), page([status({ permission: 640 })]), page([status({ owner: null })]),
      page([status({ aclBit: 'false' })]), page([status(), status({ msExpirationTime: '0' })]),
    ];
    for (const body of bodies) {
      const expected = viaZod(body);
      expect(typeof expected, JSON.stringify(body)).toBe('string');
      expect(viaFast(body), JSON.stringify(body)).toBe(expected);
    }
  });
});

describe('synthesizeEtag', () => {
  it('changes with content and metadata, not with the name or access time', () => {
    const base = synthesizeEtag(status() as FileStatus);
    // The same tag as earlier versions computed (tags recorded before keep comparing equal).
    expect(base).toBe(`"${createHash('sha1').update([5, 2, '640', 'o', 'g', 0, 0].join('|')).digest('base64url').slice(0, 22)}"`);
    expect(synthesizeEtag(status({ pathSuffix: 'b.csv', accessTime: 99 }) as FileStatus)).toBe(base);
    for (const change of [{ length: 6 }, { modificationTime: 3 }, { permission: '644' }, { owner: 'x' }, { group: 'x' }, { aclBit: true }, { msExpirationTime: 9 }]) {
      expect(synthesizeEtag(status(change) as FileStatus), JSON.stringify(change)).not.toBe(base);
    }
  });
});
