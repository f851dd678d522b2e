import type { Principal } from './auth/types.js';
import type { Namespace } from './namespace.js';
import { WireError, type Exchange } from './wire.js';

/** One authenticated request as the handlers see it. */
export interface Call extends Exchange {
  ns: Namespace;
  account: string;
  /** Filesystem (container) name, undefined for service-level requests. */
  fs: string | undefined;
  /** Decoded path inside the filesystem, '' for the root (or container-level requests). */
  path: string;
  principal: Principal;
  /** Base URL the client used, e.g. `http://127.0.0.1:PORT`. */
  baseUrl: string;
  limits: { maxAppendBytes: number; deletePageSize: number; listPageSize: number };
  now: number;
  /** True on the `ACCOUNT-secondary` endpoint of a read-access geo-redundant account. */
  secondary?: boolean;
  /** Set by a handler that stored the blob's tier itself (a copy from Archive rehydrates into it), so `withUploadTier` leaves it. */
  tierStored?: boolean;
}

export type Handler = (c: Call) => Promise<void> | void;

/** Parses a non-negative integer query parameter; `undefined` when absent. */
export function intQuery(c: Call, name: string, required: boolean): number | undefined {
  const v = c.query.get(name.toLowerCase());
  if (v === undefined) {
    if (required) throw new WireError(400, 'MissingRequiredQueryParameter', `A query parameter that's mandatory for this request is not specified: ${name}.`);
    return undefined;
  }
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v))) throw new WireError(400, 'InvalidQueryParameterValue', `Value for one of the query parameters specified in the request URI is invalid: ${name}='${v}'. Use a non-negative integer.`);
  return Number(v);
}

/** Parses a boolean query parameter (`true`/`false`, any case). */
export function boolQuery(c: Call, name: string, fallback: boolean): boolean {
  const v = c.query.get(name.toLowerCase());
  if (v === undefined || v === '') return fallback;
  const l = v.toLowerCase();
  if (l !== 'true' && l !== 'false') throw new WireError(400, 'InvalidQueryParameterValue', `Value for one of the query parameters specified in the request URI is invalid: ${name}='${v}'. Use true or false.`);
  return l === 'true';
}

/** Opaque continuation tokens: base64url of a JSON string. */
export const encodeToken = (s: string): string => Buffer.from(JSON.stringify(s), 'utf8').toString('base64url');
export function decodeToken(name: string, token: string | undefined): string {
  if (token === undefined || token === '') return '';
  try {
    const v: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (typeof v === 'string') return v;
  } catch {
    // fall through to the error below
  }
  throw new WireError(400, 'InvalidQueryParameterValue', `Value for one of the query parameters specified in the request URI is invalid: ${name}. The continuation token is not one this server issued.`);
}
