/**
 * Shared access signatures signed with an account key: account SAS and service SAS (container, blob,
 * directory) and user delegation SAS (user-delegation.ts); a service SAS may name a container's stored access
 * policy with `si` (its start, expiry and permissions then come from the policy). The string-to-sign
 * follows the service version in `sv`, from 2015-04-05 to the current layout (2020-12-06 and later add
 * the encryption scope).
 */
import { decodeComponent, rawQueryPairs, splitRawUrl } from './canonical.js';
import { allowKeyHolder, authFailed, decodeSignature, deny, keysOf, signatureMatches } from './result.js';
import type { AuthContext, AuthRequest, AuthResult } from './types.js';
import { checkUserDelegation, userDelegationStringToSign } from './user-delegation.js';

/** SAS query parameters by lowercased name, values decoded (the first occurrence wins). */
export type SasParams = ReadonlyMap<string, string>;

/** Parses the request's query into SAS parameters; `sig` keeps '+' (base64) even if sent unencoded. */
export function parseSasParams(rawUrl: string): SasParams {
  const params = new Map<string, string>();
  for (const { name, value } of rawQueryPairs(splitRawUrl(rawUrl).query)) {
    const key = decodeComponent(name, true).toLowerCase();
    if (params.has(key)) continue;
    const decoded = decodeComponent(value ?? '', true);
    params.set(key, key === 'sig' ? decoded.replace(/ /g, '+') : decoded);
  }
  return params;
}

/** True when the query carries a SAS signature. */
export function hasSas(params: SasParams): boolean {
  return params.has('sig');
}

const USER_DELEGATION_FIELDS = ['skoid', 'sktid', 'skt', 'ske', 'sks', 'skv'];
const isUserDelegation = (params: SasParams): boolean => USER_DELEGATION_FIELDS.some((name) => params.has(name));

function field(params: SasParams, name: string): string {
  return params.get(name) ?? '';
}

function trimSlashes(value: string): string {
  return value.replace(/^\/+/, '').replace(/\/+$/, '');
}

/** Canonical `/blob/{account}/{fs}[/{path}]` a service SAS must have been signed for, or a refusal. */
function serviceResource(params: SasParams, context: AuthContext, request: AuthRequest): { resource: string } | { refusal: AuthResult } {
  const sr = field(params, 'sr');
  const fs = context.filesystem;
  if (fs === undefined || fs === '') {
    return { refusal: deny(403, 'AuthorizationResourceTypeMismatch', 'This request is not authorized to perform this operation using this resource type. A service SAS (sr) cannot address the account; use an account SAS.') };
  }
  const base = `/blob/${context.account}/${fs}`;
  if (sr === 'c') return { resource: base };
  const path = trimSlashes(context.path ?? '');
  if (sr === 'b' || sr === 'bs' || sr === 'bv') {
    if (path === '') return { refusal: deny(403, 'AuthorizationResourceTypeMismatch', `This request is not authorized to perform this operation using this resource type. A blob SAS (sr=${sr}) cannot address the filesystem '${fs}' itself.`) };
    return { resource: `${base}/${path}` };
  }
  if (sr === 'd') {
    const depth = Number(field(params, 'sdd'));
    if (!Number.isInteger(depth) || depth < 1) return { refusal: authFailed(`A directory SAS (sr=d) needs sdd, the directory depth, as a positive integer; got '${field(params, 'sdd')}'.`) };
    const listed = trimSlashes(parseSasParams(request.rawUrl).get('directory') ?? '');
    const target = path !== '' ? path : listed;
    const segments = target === '' ? [] : target.split('/');
    if (segments.length < depth) {
      return { refusal: authFailed(`The directory SAS (sdd=${depth}) does not cover '${fs}/${target}': the request must address that directory or something below it.`) };
    }
    return { resource: `${base}/${segments.slice(0, depth).join('/')}` };
  }
  return { refusal: authFailed(`The signed resource sr='${sr}' is not supported by the DFS/Blob endpoint; use c, b or d.`) };
}

/** String-to-sign of an account SAS for the version in `sv`. */
export function accountSasStringToSign(params: SasParams, account: string): string {
  const base = [account, field(params, 'sp'), field(params, 'ss'), field(params, 'srt'), field(params, 'st'), field(params, 'se'), field(params, 'sip'), field(params, 'spr'), field(params, 'sv')];
  if (field(params, 'sv') >= '2020-12-06') base.push(field(params, 'ses'));
  return [...base, ''].join('\n');
}

/** String-to-sign of a service SAS for the version in `sv`, given the canonical resource. */
/** The snapshot or version a `sr=bs` / `sr=bv` SAS signs ('' otherwise). */
function signedTimestamp(params: SasParams, request: AuthRequest): string {
  const sr = field(params, 'sr');
  if (sr !== 'bs' && sr !== 'bv') return '';
  const query = parseSasParams(request.rawUrl);
  return sr === 'bs' ? (query.get('snapshot') ?? '') : (query.get('versionid') ?? '');
}

export function serviceSasStringToSign(params: SasParams, resource: string, request: AuthRequest): string {
  const sv = field(params, 'sv');
  const parts = [field(params, 'sp'), field(params, 'st'), field(params, 'se'), resource, field(params, 'si'), field(params, 'sip'), field(params, 'spr'), sv];
  if (sv >= '2018-11-09') parts.push(field(params, 'sr'), signedTimestamp(params, request));
  if (sv >= '2020-12-06') parts.push(field(params, 'ses'));
  parts.push(field(params, 'rscc'), field(params, 'rscd'), field(params, 'rsce'), field(params, 'rscl'), field(params, 'rsct'));
  return parts.join('\n');
}

function checkTimes(params: SasParams, nowMs: number): AuthResult | undefined {
  const se = field(params, 'se');
  const st = field(params, 'st');
  const expiry = Date.parse(se);
  if (se === '' || Number.isNaN(expiry)) return authFailed(`Signed expiry time (se) is missing or not an ISO 8601 date: '${se}'.`);
  const start = st === '' ? undefined : Date.parse(st);
  if (start !== undefined && Number.isNaN(start)) return authFailed(`Signed start time (st) is not an ISO 8601 date: '${st}'.`);
  if (start !== undefined && start >= expiry) return authFailed(`Signed expiry time [${se}] must be after signed start time [${st}].`);
  if (nowMs >= expiry || (start !== undefined && nowMs < start)) {
    return authFailed(`Signature not valid in the specified time frame: Start [${st || 'none'}] - Expiry [${se}] - Current [${new Date(nowMs).toISOString()}].`);
  }
  return undefined;
}

/**
 * A service SAS with `si`: the SAS's fields overlaid with the named policy's start (st), expiry (se) and
 * permissions (sp). Refused (403 AuthenticationFailed) for an account or user delegation SAS, an unknown
 * identifier, or a field given both in the SAS and in the policy ("Define a stored access policy").
 */
function applyStoredPolicy(params: SasParams, context: AuthContext, userDelegation: boolean): { params: SasParams } | { refusal: AuthResult } {
  const si = field(params, 'si');
  if (si === '') return { params };
  if (!params.has('sr') || userDelegation) {
    return { refusal: authFailed('Stored access policies (si) apply to a service SAS only; an account SAS or a user delegation SAS cannot name one.') };
  }
  const policy = context.storedPolicy?.(si);
  if (policy === undefined) return { refusal: authFailed(`The signed identifier si='${si.slice(0, 64)}' names no stored access policy of this container.`) };
  const merged = new Map(params);
  for (const [name, value] of [['st', policy.start], ['se', policy.expiry], ['sp', policy.permission]] as const) {
    if (value === undefined) continue;
    if (field(params, name) !== '') return { refusal: authFailed(`The SAS gives ${name} and so does its stored access policy '${si.slice(0, 64)}'; give each field in one place only.`) };
    merged.set(name, value);
  }
  return { params: merged };
}

/**
 * Verifies a SAS in the request's query against the addressed account's keys and the operation's needs.
 * Refusals (all 403): AuthenticationFailed for a bad signature, time window, user delegation or stored
 * policy SAS that names no policy or repeats its fields; AuthorizationServiceMismatch, AuthorizationResourceTypeMismatch,
 * AuthorizationPermissionMismatch and AuthorizationProtocolMismatch when the SAS does not grant the
 * service, resource type, permission or protocol. The `sip` range is signed but not enforced (the
 * request's source address is not part of the contract).
 */
export function checkSas(request: AuthRequest, context: AuthContext, params: SasParams): AuthResult {
  const userDelegation = isUserDelegation(params);
  if (userDelegation && !params.has('sr')) {
    return authFailed('A user delegation SAS is a service SAS: it needs sr (c, b or d); an account SAS cannot be signed with a user delegation key.');
  }
  // The policy is looked up here but its refusal waits for the signature check: an unsigned caller learns nothing about policy names.
  const withPolicy = applyStoredPolicy(params, context, userDelegation);
  const sv = field(params, 'sv');
  if (!/^\d{4}-\d{2}-\d{2}$/.test(sv) || sv < '2015-04-05') {
    return authFailed(`The signed version sv='${sv}' is missing or older than 2015-04-05.`);
  }
  const keys = keysOf(context, context.account);
  if (keys.length === 0) return authFailed(`The account '${context.account}' does not exist on this emulator.`);
  const presented = decodeSignature(field(params, 'sig'));
  const isServiceSas = params.has('sr');
  const delegation = userDelegation ? checkUserDelegation(params, context, keys) : undefined;
  if (delegation !== undefined && 'refusal' in delegation) return delegation.refusal;
  let stringToSign: string;
  if (isServiceSas) {
    const resolved = serviceResource(params, context, request);
    if ('refusal' in resolved) return resolved.refusal;
    stringToSign = delegation !== undefined
      ? userDelegationStringToSign(params, resolved.resource, signedTimestamp(params, request))
      : serviceSasStringToSign(params, resolved.resource, request);
  } else {
    stringToSign = accountSasStringToSign(params, context.account);
  }
  const signingKeys = delegation?.keys ?? keys;
  if (presented === undefined || !signingKeys.some((key) => signatureMatches(presented, key, stringToSign))) {
    return authFailed(`Signature did not match. String to sign used was ${JSON.stringify(stringToSign)}.`);
  }
  if ('refusal' in withPolicy) return withPolicy.refusal;
  const effective = withPolicy.params;
  const timeProblem = checkTimes(effective, context.nowMs ?? Date.now());
  if (timeProblem) return timeProblem;
  const spr = field(params, 'spr');
  if (spr === 'https' && !request.secure) {
    return deny(403, 'AuthorizationProtocolMismatch', 'This request is not authorized to perform this operation using this protocol. The SAS allows HTTPS only (spr=https).');
  }
  if (!isServiceSas) {
    if (!field(params, 'ss').includes('b')) {
      return deny(403, 'AuthorizationServiceMismatch', `This request is not authorized to perform this operation using this service. The SAS grants services '${field(params, 'ss')}'; DFS and Blob need 'b'.`);
    }
    if (context.signatureOnly === true) return allowKeyHolder('sas');
    if (!field(params, 'srt').includes(context.resourceType)) {
      return deny(403, 'AuthorizationResourceTypeMismatch', `This request is not authorized to perform this operation using this resource type. The SAS grants resource types '${field(params, 'srt')}'; this operation needs '${context.resourceType}'.`);
    }
  }
  if (context.signatureOnly === true) return delegation !== undefined ? { ok: true, principal: delegation.principal } : allowKeyHolder('sas');
  // A service SAS reaches the blobs (paths) of a container, never the container itself: only List Blobs /
  // List Paths ('l') work at container level ("Create a service SAS": container properties, metadata,
  // leases, creation and deletion need an account SAS).
  if (isServiceSas && context.resourceType === 'c' && context.permission !== 'l') {
    return deny(403, 'AuthorizationPermissionMismatch', 'This request is not authorized to perform this operation using this permission. A service SAS cannot create, delete, lease, or read or write the properties or metadata of a container; use an account SAS or Shared Key.');
  }
  const granted = field(effective, 'sp');
  // Account SAS: Create Container is allowed by 'c' or 'w' (the account SAS permission table).
  const createContainerByWrite = !isServiceSas && context.resourceType === 'c' && context.permission === 'c' && granted.includes('w');
  // Account SAS has no 'm' (move) letter: a rename under an account SAS needs write and delete
  // (an emulator choice, since the public docs do not state it; service SAS needs 'm').
  const renameByAccountSas = !isServiceSas && context.permission === 'm' && granted.includes('w') && granted.includes('d');
  if (!granted.includes(context.permission) && !renameByAccountSas && !createContainerByWrite) {
    return deny(403, 'AuthorizationPermissionMismatch', `This request is not authorized to perform this operation using this permission. The SAS grants '${granted}'; this operation needs '${context.permission}'.`);
  }
  return delegation !== undefined ? { ok: true, principal: delegation.principal } : allowKeyHolder('sas');
}
