import type { IncomingHttpHeaders } from 'node:http';

/**
 * The contract between the Gen2 emulator's request pipeline and its authentication module.
 * The pipeline describes the request and what the operation needs; `authenticate` decides.
 */

/** SAS permission letters as Azure defines them (account and service SAS). */
export type SasPermission = 'r' | 'a' | 'c' | 'w' | 'd' | 'x' | 'y' | 'l' | 't' | 'f' | 'm' | 'e' | 'o' | 'p' | 'i' | 'u';

/** SAS resource type an operation addresses: service, container (filesystem) or object (path). */
export type SasResourceType = 's' | 'c' | 'o';

export interface AuthRequest {
  method: string;
  /** Path and query exactly as received on the wire (still percent-encoded). */
  rawUrl: string;
  headers: IncomingHttpHeaders;
  /** True when the request arrived over TLS (bearer tokens are only accepted over HTTPS by SDKs). */
  secure: boolean;
}

export interface AuthContext {
  /** Account the request addresses (from the path-style URL, or resolved from the Authorization header). */
  account: string;
  /** Keys of every configured account, by name: one key or both (primary, secondary), as real accounts have. */
  accounts: ReadonlyMap<string, Buffer | readonly Buffer[]>;
  /** Allow requests with no credentials (`--anonymous`); they act as `$superuser`. */
  anonymous: boolean;
  /** Object IDs that act as superusers when they come with a bearer token. */
  superusers: ReadonlySet<string>;
  /** Filesystem (container) and path addressed, decoded; undefined for service-level calls. */
  filesystem?: string;
  path?: string;
  /** Permission this operation needs from a SAS. */
  permission: SasPermission;
  resourceType: SasResourceType;
  /**
   * Check only that a SAS is genuine (signature, time window, protocol, service), not what it grants: the
   * batch request, whose sub-requests are each authorized on their own.
   */
  signatureOnly?: boolean;
  /** The addressed container's stored access policy `id` (Set Container ACL), for a service SAS with `si`. */
  storedPolicy?: (id: string) => StoredPolicy | undefined;
  /** Current time, injectable for tests. */
  nowMs?: number;
}

/** A stored access policy of a container: a service SAS naming it with `si` takes the fields it leaves out. */
export interface StoredPolicy { id: string; start?: string; expiry?: string; permission?: string }

export interface Principal {
  kind: 'shared-key' | 'sas' | 'bearer' | 'anonymous' | 'user-delegation';
  /** `$superuser` for Shared Key, SAS and anonymous callers; the token's `oid` for bearer callers. */
  oid: string;
  /** Shared Key, SAS and anonymous callers are always superusers; bearer callers when listed. */
  superuser: boolean;
  /** Group object IDs from a bearer token's `groups` claim. */
  groups: string[];
  /** Tenant of a bearer token (`tid` claim), for user delegation keys. */
  tid?: string;
}

export type AuthResult =
  | { ok: true; principal: Principal }
  | { ok: false; status: 400 | 401 | 403; code: string; message: string };

export type Authenticate = (request: AuthRequest, context: AuthContext) => AuthResult;
