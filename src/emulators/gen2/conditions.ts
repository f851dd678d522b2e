import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { LeaseInfo } from './meta.js';
import { header, WireError, type Api } from './wire.js';

/**
 * Conditional headers (If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since, and the
 * `x-ms-source-` variants of rename) and leases (state machine shared by paths and filesystems).
 */

export interface Versioned { etag: string; modified: number }

export type ConditionOutcome = 'ok' | 'not-modified';

const stripEtag = (v: string): string => v.trim().replace(/^W\//, '').replace(/^"(.*)"$/, '$1');

function parseDate(name: string, v: string): number {
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new WireError(400, 'InvalidHeaderValue', `The value for one of the HTTP headers is not in the correct format: ${name} '${v}'. Use an RFC 1123 date.`);
  return t;
}

function conditionFailed(source: boolean | undefined): WireError {
  return source
    ? new WireError(412, 'SourceConditionNotMet', 'The source condition specified using HTTP conditional header(s) is not met.')
    : new WireError(412, 'ConditionNotMet', 'The condition specified using HTTP conditional header(s) is not met.');
}

const PLAIN_NAMES = ['if-match', 'if-none-match', 'if-modified-since', 'if-unmodified-since'] as const;
const SOURCE_NAMES = ['x-ms-source-if-match', 'x-ms-source-if-none-match', 'x-ms-source-if-modified-since', 'x-ms-source-if-unmodified-since'] as const;

/**
 * Evaluates conditional headers against `target` (undefined when it does not exist).
 * Reads (GET/HEAD) answer 'not-modified' where HTTP says 304; writes throw 412 ConditionNotMet.
 * `If-None-Match: *` on an existing target throws `existsError` when given (409 on creates).
 */
export function checkConditions(req: IncomingMessage, target: Versioned | undefined, o: { read: boolean; existsError?: () => WireError; source?: boolean }): ConditionOutcome {
  const names = o.source ? SOURCE_NAMES : PLAIN_NAMES;
  const ifMatch = header(req, names[0]);
  const ifNoneMatch = header(req, names[1]);
  const ifModified = header(req, names[2]);
  const ifUnmodified = header(req, names[3]);
  if (ifMatch === undefined && ifNoneMatch === undefined && ifModified === undefined && ifUnmodified === undefined) return 'ok';
  const seconds = target ? Math.floor(target.modified / 1000) * 1000 : 0;
  if (ifMatch !== undefined) {
    const tags = ifMatch.split(',').map(stripEtag);
    if (!target || !(tags.includes('*') || tags.includes(target.etag))) throw conditionFailed(o.source);
  }
  if (ifUnmodified !== undefined && target && seconds > parseDate('If-Unmodified-Since', ifUnmodified)) throw conditionFailed(o.source);
  if (ifNoneMatch !== undefined && target) {
    const tags = ifNoneMatch.split(',').map(stripEtag);
    if (tags.includes('*')) {
      if (o.existsError) throw o.existsError();
      // Azure refuses a read that can only succeed when the blob is absent (400, not 304).
      if (o.read) throw new WireError(400, 'UnsatisfiableCondition', 'The request is not satisfiable with the specified conditions: If-None-Match: * on a read asks for a resource that does not exist; drop the header or use an ETag.');
      throw conditionFailed(o.source);
    }
    if (tags.includes(target.etag)) {
      if (o.read) return 'not-modified';
      throw conditionFailed(o.source);
    }
  }
  if (ifModified !== undefined && target && seconds <= parseDate('If-Modified-Since', ifModified)) {
    if (o.read) return 'not-modified';
    throw conditionFailed(o.source);
  }
  return 'ok';
}

export type LeaseState = 'available' | 'leased' | 'expired' | 'breaking' | 'broken';

export function leaseState(json: string | null, now: number): { state: LeaseState; info: LeaseInfo | undefined } {
  if (json === null) return { state: 'available', info: undefined };
  const info = JSON.parse(json) as LeaseInfo;
  if (info.state === 'leased') return { state: info.duration > 0 && now >= info.expires ? 'expired' : 'leased', info };
  if (info.state === 'breaking') return { state: now >= info.breakAt ? 'broken' : 'breaking', info };
  return { state: 'broken', info };
}

/** `x-ms-lease-state`, `x-ms-lease-status` and, while leased, `x-ms-lease-duration`. */
export function leaseHeaders(json: string | null, now: number): Record<string, string> {
  const { state, info } = leaseState(json, now);
  const active = state === 'leased' || state === 'breaking';
  const out: Record<string, string> = { 'x-ms-lease-state': state, 'x-ms-lease-status': active ? 'locked' : 'unlocked' };
  if (state === 'leased' && info) out['x-ms-lease-duration'] = info.duration < 0 ? 'infinite' : 'fixed';
  return out;
}

/** Write check: an active lease needs the matching `x-ms-lease-id`; a lease id without a lease is refused. */
export function checkWriteLease(req: IncomingMessage, json: string | null, api: Api, now: number, headerName = 'x-ms-lease-id'): void {
  const given = header(req, headerName);
  const { state, info } = leaseState(json, now);
  const active = state === 'leased' || state === 'breaking';
  if (active && info) {
    if (given === undefined) throw new WireError(412, 'LeaseIdMissing', 'There is currently a lease on the resource and no lease ID was specified in the request.');
    if (given !== info.id) throw new WireError(412, api === 'dfs' ? 'LeaseIdMismatch' : 'LeaseIdMismatchWithBlobOperation', 'The lease ID specified did not match the lease ID for the resource.');
  } else if (given !== undefined) {
    throw new WireError(412, api === 'dfs' ? 'LeaseNotPresent' : 'LeaseNotPresentWithBlobOperation', 'There is currently no lease on the resource.');
  }
}

/** A new lease (as stored) for a create that acquires one (`x-ms-lease-duration`, `x-ms-proposed-lease-id`). */
export function newLease(durationText: string, proposed: string | undefined, now: number): string {
  const duration = parseDuration(durationText);
  const info: LeaseInfo = { id: proposed ?? randomUUID(), state: 'leased', duration, expires: now + duration * 1000, breakAt: 0 };
  return JSON.stringify(info);
}

export interface LeaseOutcome { lease: string | null; status: number; headers: Record<string, string> }

const conflict = (code: string, message: string): WireError => new WireError(409, code, message);

function parseDuration(v: string | undefined): number {
  const n = Number(v ?? 'NaN');
  if (!Number.isInteger(n) || !(n === -1 || (n >= 15 && n <= 60))) throw new WireError(400, 'InvalidHeaderValue', `The value for one of the HTTP headers is not in the correct format: x-ms-lease-duration '${v ?? ''}'. Use -1 (infinite) or 15 to 60 seconds.`);
  return n;
}

/**
 * Applies a lease action (`acquire|renew|change|release|break`) and returns the new lease state to store.
 * `modified` (ms) is when the leased resource was last written: an expired lease cannot be renewed once
 * the resource was written after it expired.
 */
export function applyLeaseAction(req: IncomingMessage, json: string | null, now: number, modified = 0): LeaseOutcome {
  const action = (header(req, 'x-ms-lease-action') ?? '').toLowerCase();
  const id = header(req, 'x-ms-lease-id');
  const proposed = header(req, 'x-ms-proposed-lease-id');
  const { state, info } = leaseState(json, now);
  const leased = state === 'leased' && info;
  const store = (l: LeaseInfo): string => JSON.stringify(l);
  switch (action) {
    case 'acquire': {
      const duration = parseDuration(header(req, 'x-ms-lease-duration'));
      const newId = proposed ?? randomUUID();
      if (state === 'breaking') throw conflict('LeaseIsBreakingAndCannotBeAcquired', 'There is already a lease present and it is being broken.');
      if (leased && info.id !== newId) throw conflict('LeaseAlreadyPresent', 'There is already a lease present.');
      return { lease: store({ id: newId, state: 'leased', duration, expires: now + duration * 1000, breakAt: 0 }), status: 201, headers: { 'x-ms-lease-id': newId } };
    }
    case 'renew': {
      if (id === undefined) throw new WireError(400, 'MissingRequiredHeader', 'An HTTP header that is mandatory for this request is not specified: x-ms-lease-id.');
      if (!info || state === 'available') throw conflict('LeaseNotPresentWithLeaseOperation', 'There is currently no lease on the resource.');
      if (info.id !== id) throw conflict('LeaseIdMismatchWithLeaseOperation', 'The lease ID specified did not match the lease ID for the resource.');
      if (state === 'broken' || state === 'breaking') throw conflict('LeaseIsBrokenAndCannotBeRenewed', 'The lease ID matched, but the lease has been broken explicitly and cannot be renewed.');
      if (state === 'expired' && modified > info.expires) throw conflict('LeaseIdMismatchWithLeaseOperation', 'The lease ID specified did not match the lease ID for the resource: the lease expired and the resource was written since; acquire a new lease.');
      return { lease: store({ ...info, state: 'leased', expires: now + info.duration * 1000 }), status: 200, headers: { 'x-ms-lease-id': id } };
    }
    case 'change': {
      if (id === undefined || proposed === undefined) throw new WireError(400, 'MissingRequiredHeader', 'An HTTP header that is mandatory for this request is not specified: x-ms-lease-id and x-ms-proposed-lease-id.');
      if (!leased) throw conflict('LeaseNotPresentWithLeaseOperation', 'There is currently no lease on the resource.');
      if (info.id !== id && info.id !== proposed) throw conflict('LeaseIdMismatchWithLeaseOperation', 'The lease ID specified did not match the lease ID for the resource.');
      return { lease: store({ ...info, id: proposed }), status: 200, headers: { 'x-ms-lease-id': proposed } };
    }
    case 'release': {
      if (id === undefined) throw new WireError(400, 'MissingRequiredHeader', 'An HTTP header that is mandatory for this request is not specified: x-ms-lease-id.');
      if (!info || state === 'available') throw conflict('LeaseNotPresentWithLeaseOperation', 'There is currently no lease on the resource.');
      if (info.id !== id) throw conflict('LeaseIdMismatchWithLeaseOperation', 'The lease ID specified did not match the lease ID for the resource.');
      return { lease: null, status: 200, headers: {} };
    }
    case 'break': {
      if (!info || state === 'available' || state === 'expired') {
        if (state === 'expired' && info) return { lease: store({ ...info, state: 'broken', breakAt: now }), status: 202, headers: { 'x-ms-lease-time': '0' } };
        throw conflict('LeaseNotPresentWithLeaseOperation', 'There is currently no lease on the resource.');
      }
      if (state === 'broken') return { lease: json, status: 202, headers: { 'x-ms-lease-time': '0' } };
      const periodHeader = header(req, 'x-ms-lease-break-period');
      let period: number;
      if (periodHeader !== undefined) {
        period = Number(periodHeader);
        if (!Number.isInteger(period) || period < 0 || period > 60) throw new WireError(400, 'InvalidHeaderValue', 'The value for one of the HTTP headers is not in the correct format: x-ms-lease-break-period. Use 0 to 60 seconds.');
      } else period = info.duration < 0 ? 0 : Math.max(0, Math.ceil((info.expires - now) / 1000));
      // Breaking a breaking lease takes the shorter of the new period and the time left (never restarts it).
      const breakAt = state === 'breaking' ? Math.min(info.breakAt, now + period * 1000) : now + period * 1000;
      const left = Math.max(0, Math.ceil((breakAt - now) / 1000));
      const lease: LeaseInfo = { ...info, state: breakAt <= now ? 'broken' : 'breaking', breakAt };
      return { lease: store(lease), status: 202, headers: { 'x-ms-lease-time': String(left) } };
    }
    default:
      throw new WireError(400, 'InvalidHeaderValue', `The value for one of the HTTP headers is not in the correct format: x-ms-lease-action '${action}'. Use acquire, renew, change, release or break.`);
  }
}
