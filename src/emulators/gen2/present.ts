import type { IncomingMessage } from 'node:http';
import { formatPermissions } from './acl.js';
import { leaseHeaders } from './conditions.js';
import type { PathRow } from './meta.js';
import { accessOf } from './namespace.js';
import { header, httpDate, quoteEtag, WireError } from './wire.js';

/**
 * How paths are presented on the wire: response header sets, metadata (`x-ms-meta-*`) and DFS
 * properties (`x-ms-properties`, base64 values) — both views of the same stored name/value map.
 */

export interface ContentHeaders { ct?: string; ce?: string; cl?: string; cd?: string; cc?: string }

export type Metadata = Record<string, string>;

/** Metadata from `x-ms-meta-*` request headers, names in the case the client sent. */
export function readMetadata(req: IncomingMessage): Metadata {
  const out: Metadata = {};
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] ?? '';
    if (name.length > 10 && name.toLowerCase().startsWith('x-ms-meta-')) {
      const key = name.slice(10);
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new WireError(400, 'InvalidMetadata', `The metadata name '${key}' is not a valid C# identifier.`);
      out[key] = raw[i + 1] ?? '';
    }
  }
  return out;
}

/** Parses `x-ms-properties` (`n1=base64,n2=base64`). Throws 400 InvalidHeaderValue when malformed. */
export function parseProperties(text: string | undefined): Metadata | undefined {
  if (text === undefined) return undefined;
  const out: Metadata = {};
  if (text.trim() === '') return out;
  for (const part of text.split(',')) {
    const i = part.indexOf('=');
    const name = i < 0 ? '' : part.slice(0, i).trim();
    const value = i < 0 ? '' : part.slice(i + 1).trim();
    if (name === '' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) {
      throw new WireError(400, 'InvalidHeaderValue', `The value for one of the HTTP headers is not in the correct format: x-ms-properties. Each property must be name=base64(value); '${part}' is not.`);
    }
    out[name] = Buffer.from(value, 'base64').toString('latin1');
  }
  return out;
}

export const formatProperties = (m: Metadata): string =>
  Object.entries(m).map(([k, v]) => `${k}=${Buffer.from(v, 'latin1').toString('base64')}`).join(',');

export const metadataOf = (row: { metadata: string }): Metadata => JSON.parse(row.metadata) as Metadata;
export const contentOf = (row: { headers: string }): ContentHeaders => JSON.parse(row.headers) as ContentHeaders;

/** Content headers from a request, using the given header-name prefix (`x-ms-content-` or `x-ms-blob-content-`). */
export function readContentHeaders(req: IncomingMessage, prefix: string, cacheHeader: string): ContentHeaders {
  const out: ContentHeaders = {};
  const ct = header(req, `${prefix}type`);
  const ce = header(req, `${prefix}encoding`);
  const cl = header(req, `${prefix}language`);
  const cd = header(req, `${prefix}disposition`);
  const cc = header(req, cacheHeader);
  if (ct !== undefined) out.ct = ct;
  if (ce !== undefined) out.ce = ce;
  if (cl !== undefined) out.cl = cl;
  if (cd !== undefined) out.cd = cd;
  if (cc !== undefined) out.cc = cc;
  return out;
}

/** Full `x-ms-acl` text of a path: access entries then default entries. */
export function aclText(row: PathRow): string {
  return row.default_acl === '' ? row.acl : `${row.acl},${row.default_acl}`;
}

export const permissionsOf = (row: PathRow): string => formatPermissions(accessOf(row), row.sticky === 1);

/**
 * The union of Blob and DFS property headers for a path (GET/HEAD on a path answer both flavours).
 * `withProperties` adds `x-ms-properties` (omitted for getStatus).
 */
export function pathHeaders(row: PathRow, now: number, withProperties: boolean): Record<string, string> {
  const c = contentOf(row);
  const meta = metadataOf(row);
  const h: Record<string, string> = {
    ETag: quoteEtag(row.etag),
    'Last-Modified': httpDate(row.modified),
    'x-ms-creation-time': httpDate(row.created),
    'Accept-Ranges': 'bytes',
    'Content-Type': c.ct ?? 'application/octet-stream',
    'x-ms-blob-type': 'BlockBlob',
    'x-ms-resource-type': row.is_dir ? 'directory' : 'file',
    'x-ms-owner': row.owner,
    'x-ms-group': row.grp,
    'x-ms-permissions': permissionsOf(row),
    'x-ms-server-encrypted': 'true',
    'x-ms-access-tier': 'Hot',
    'x-ms-access-tier-inferred': 'true',
    ...leaseHeaders(row.lease, now),
  };
  if (c.ce !== undefined) h['Content-Encoding'] = c.ce;
  if (c.cl !== undefined) h['Content-Language'] = c.cl;
  if (c.cd !== undefined) h['Content-Disposition'] = c.cd;
  if (c.cc !== undefined) h['Cache-Control'] = c.cc;
  for (const [k, v] of Object.entries(meta)) h[`x-ms-meta-${k}`] = v;
  if (row.is_dir) h['x-ms-meta-hdi_isfolder'] = 'true';
  if (withProperties) h['x-ms-properties'] = formatProperties(meta);
  return h;
}
