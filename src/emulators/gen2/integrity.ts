import type { IncomingMessage } from 'node:http';
import { Crc64 } from './crc64.js';
import { header, WireError } from './wire.js';

/**
 * Transactional integrity headers of Put Blob and Put Block, checked as Azure checks them (status
 * codes and messages from the service's status table): `Content-MD5`, `x-ms-blob-content-md5` (Put Blob:
 * it wins over Content-MD5 and is stored) and `x-ms-content-crc64`. Every header is validated before
 * the body is read, so a malformed one never stores anything.
 */

export const invalidMd5 = (): WireError =>
  new WireError(400, 'InvalidMd5', 'The MD5 value specified in the request is invalid. MD5 value must be 128 bits and base64 encoded.');
const invalidCrc64 = (): WireError =>
  new WireError(400, 'InvalidCrc64', 'The CRC64 value specified in the request is invalid. CRC64 value must be 64 bits and base64 encoded.');
// Azure's error bodies name both values (UserSpecifiedMd5 / ServerCalculatedMd5, and the Crc pair).
const md5Mismatch = (given: Buffer, computed: Buffer): WireError =>
  new WireError(400, 'Md5Mismatch', 'The MD5 value specified in the request did not match with the MD5 value calculated by the server.', {},
    { UserSpecifiedMd5: given.toString('base64'), ServerCalculatedMd5: computed.toString('base64') });
const crc64Mismatch = (given: Buffer, computed: Buffer): WireError =>
  new WireError(400, 'Crc64Mismatch', 'The CRC64 value specified in the request did not match with the CRC64 value calculated by the server.', {},
    { UserSpecifiedCrc: given.toString('base64'), ServerCalculatedCrc: computed.toString('base64') });

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Strictly decoded base64 of exactly `bytes` bytes, or undefined. */
export function decodeDigest(value: string, bytes: number): Buffer | undefined {
  const v = value.trim();
  if (!BASE64.test(v)) return undefined;
  const out = Buffer.from(v, 'base64');
  return out.length === bytes ? out : undefined;
}

/** `x-ms-blob-content-md5` as stored: undefined when absent; 400 InvalidMd5 when it is not 16 bytes of base64. */
export function blobMd5Header(req: IncomingMessage): string | undefined {
  const v = header(req, 'x-ms-blob-content-md5');
  if (v === undefined) return undefined;
  if (decodeDigest(v, 16) === undefined) throw invalidMd5();
  return v.trim();
}

/** What a body must hash to, read from the request headers. */
export interface Expected {
  /** MD5 the body must have (Content-MD5, or for Put Blob x-ms-blob-content-md5). */
  md5: Buffer | undefined;
  /** CRC-64 the body must have; also asks for `x-ms-content-crc64` in the response. */
  crc64: Buffer | undefined;
  /** A fresh CRC-64 to feed the body through, when one was asked for. */
  crc: Crc64 | undefined;
}

/**
 * Reads and validates the integrity headers of Put Blob (`blobMd5` true) or Put Block. Throws 400
 * InvalidMd5 / InvalidCrc64 for malformed values, BothCrc64AndMd5HeaderPresent or
 * BothCrc64AndMsMd5HeaderPresent when CRC-64 comes with an MD5. On Put Blob a valid
 * `x-ms-blob-content-md5` is the one checked, and a malformed Content-MD5 next to it is ignored.
 */
export function expectedDigests(req: IncomingMessage, blobMd5: boolean): Expected {
  const contentMd5 = header(req, 'content-md5');
  const msMd5 = blobMd5 ? header(req, 'x-ms-blob-content-md5') : undefined;
  const crcText = header(req, 'x-ms-content-crc64');
  if (crcText !== undefined && contentMd5 !== undefined) {
    throw new WireError(400, 'BothCrc64AndMd5HeaderPresent', 'Both x-ms-content-crc64 header and Content-MD5 header are present.');
  }
  if (crcText !== undefined && msMd5 !== undefined) {
    throw new WireError(400, 'BothCrc64AndMsMd5HeaderPresent', 'Both x-ms-content-crc64 header and x-ms-blob-content-md5 header are present.');
  }
  let md5: Buffer | undefined;
  if (msMd5 !== undefined) {
    md5 = decodeDigest(msMd5, 16);
    if (md5 === undefined) throw invalidMd5();
  } else if (contentMd5 !== undefined) {
    md5 = decodeDigest(contentMd5, 16);
    if (md5 === undefined) throw invalidMd5();
  }
  let crc64: Buffer | undefined;
  if (crcText !== undefined) {
    crc64 = decodeDigest(crcText, 8);
    if (crc64 === undefined) throw invalidCrc64();
  }
  return { md5, crc64, crc: crc64 === undefined ? undefined : new Crc64() };
}

/**
 * Compares the stored body's digests with what the request promised; throws 400 Md5Mismatch or
 * Crc64Mismatch (after `release` dropped the stored chunk).
 */
export function checkDigests(expected: Expected, md5: Buffer | undefined, release: () => void): void {
  if (expected.md5 !== undefined && md5 !== undefined && !expected.md5.equals(md5)) {
    release();
    throw md5Mismatch(expected.md5, md5);
  }
  const crc = expected.crc?.digest();
  if (expected.crc64 !== undefined && crc !== undefined && !expected.crc64.equals(crc)) {
    release();
    throw crc64Mismatch(expected.crc64, crc);
  }
}

/** Response headers announcing what the server computed: Content-MD5 and, when asked, x-ms-content-crc64. */
export function digestHeaders(expected: Expected, md5: Buffer | undefined, into: Record<string, string>): Record<string, string> {
  if (md5 !== undefined) into['Content-MD5'] = md5.toString('base64');
  if (expected.crc !== undefined) into['x-ms-content-crc64'] = expected.crc.digest().toString('base64');
  return into;
}
