import { createHash } from 'node:crypto';
import { boolQuery, decodeToken, encodeToken, intQuery, type Call } from './call.js';
import { leaseHeaders } from './conditions.js';
import type { PathRow } from './meta.js';
import { checkPerm, checkTraverse, requireFs } from './namespace.js';
import { aclText, contentOf, metadataOf, permissionsOf } from './present.js';
import { snapshotAsRow } from './snapshots.js';
import { deletedForListing } from './soft-delete.js';
import { tierOfPath, tierOfSnapshot, tierXml, type TierState } from './tiers.js';
import { escapeXml, fileTimeTicks, httpDate, notFoundPath, quoteEtag, sendJson, sendXml, WireError } from './wire.js';

/** Listings: DFS list paths (JSON) and Blob list blobs (XML, flat or with the `/` delimiter). */

function pathEntry(r: PathRow): Record<string, string> {
  const e: Record<string, string> = {
    contentLength: String(r.size), creationTime: fileTimeTicks(r.created), etag: r.etag, expiryTime: '0', group: r.grp,
  };
  if (r.is_dir) e['isDirectory'] = 'true';
  e['lastModified'] = httpDate(r.modified);
  e['name'] = r.path;
  e['owner'] = r.owner;
  e['permissions'] = permissionsOf(r);
  return e;
}

/** GET /FS?resource=filesystem&recursive=… — paths under `directory`, one page (200 JSON). */
export function listPaths(c: Call): void {
  requireFs(c.ns, 'dfs', c.account, c.fs);
  if (c.query.get('recursive') === undefined) throw new WireError(400, 'MissingRequiredQueryParameter', "A query parameter that's mandatory for this request is not specified: recursive.");
  const recursive = boolQuery(c, 'recursive', false);
  boolQuery(c, 'upn', false);
  const max = Math.min(intQuery(c, 'maxResults', false) ?? c.limits.listPageSize, 5000);
  if (max < 1) throw new WireError(400, 'InvalidQueryParameterValue', 'Value for one of the query parameters specified in the request URI is invalid: maxResults. Use 1 to 5000.');
  const dir = (c.query.get('directory') ?? '').replace(/^\/+|\/+$/g, '');
  if (dir.split('/').some((s) => s === '.' || s === '..')) throw new WireError(400, 'InvalidQueryParameterValue', 'Value for one of the query parameters specified in the request URI is invalid: directory. It may not contain . or .. segments.');
  const after = decodeToken('continuation', c.query.get('continuation'));
  const fs = c.fs ?? '';
  const dirRow = c.ns.db.getPath(c.account, fs, dir);
  if (!dirRow) throw notFoundPath();
  checkTraverse(c.ns, c.principal, c.account, fs, dir);
  checkPerm(c.principal, dirRow, dirRow.is_dir ? 5 : 4);
  let rows: PathRow[];
  if (!dirRow.is_dir) rows = after === '' ? [dirRow] : [];
  else if (recursive) rows = c.ns.db.byPrefix(c.account, fs, dir === '' ? '' : `${dir}/`, after, max + 1);
  else rows = c.ns.db.children(c.account, fs, dir, after, max + 1);
  const page = rows.slice(0, max);
  const h: Record<string, string> = {};
  if (rows.length > max) h['x-ms-continuation'] = encodeToken(page[page.length - 1]?.path ?? '');
  sendJson(c, 200, { paths: page.map(pathEntry) }, h);
}

/** Extra parts of one `<Blob>` entry: its tier, and the snapshot time when it is a snapshot. */
interface EntryExtras { tier: TierState; snapshot?: string }

function blobXml(r: PathRow, withMeta: boolean, withPerms: boolean, now: number, extras: EntryExtras): string {
  const ct = contentOf(r);
  const lease = leaseHeaders(r.lease, now);
  const opt = (tag: string, v: string | undefined): string => (v === undefined ? `<${tag} />` : `<${tag}>${escapeXml(v)}</${tag}>`);
  const perms = withPerms ? `<Owner>${escapeXml(r.owner)}</Owner><Group>${escapeXml(r.grp)}</Group><Permissions>${permissionsOf(r)}</Permissions><Acl>${escapeXml(aclText(r))}</Acl>` : '';
  const props = `<Properties><Creation-Time>${httpDate(r.created)}</Creation-Time><Last-Modified>${httpDate(r.modified)}</Last-Modified><Etag>${r.etag}</Etag><ResourceType>${r.is_dir ? 'directory' : 'file'}</ResourceType><Content-Length>${r.size}</Content-Length>${opt('Content-Type', ct.ct ?? 'application/octet-stream')}${opt('Content-Encoding', ct.ce)}${opt('Content-Language', ct.cl)}${opt('Content-MD5', r.md5 ?? undefined)}${opt('Cache-Control', ct.cc)}${opt('Content-Disposition', ct.cd)}<BlobType>BlockBlob</BlobType>${tierXml(extras.tier)}<LeaseStatus>${lease['x-ms-lease-status'] ?? 'unlocked'}</LeaseStatus><LeaseState>${lease['x-ms-lease-state'] ?? 'available'}</LeaseState><ServerEncrypted>true</ServerEncrypted>${perms}</Properties>`;
  let meta = '';
  if (withMeta) {
    const m = metadataOf(r);
    if (r.is_dir) m['hdi_isfolder'] = 'true';
    meta = `<Metadata>${Object.entries(m).map(([k, v]) => `<${k}>${escapeXml(v)}</${k}>`).join('')}</Metadata>`;
  }
  const snap = extras.snapshot === undefined ? '' : `<Snapshot>${extras.snapshot}</Snapshot>`;
  return `<Blob><Name>${escapeXml(r.path)}</Name>${snap}${props}${meta}</Blob>`;
}

/**
 * Names with staged blocks and nothing committed, as List Blobs `include=uncommittedblobs` shows them:
 * a BlockBlob of length 0 (no content is committed). With `/` a name below the listed level adds its
 * BlobPrefix once, unless a directory of that name is already listed. They carry no stored times, so
 * Creation-Time and Last-Modified are the time of the listing.
 */
function uncommittedForListing(c: Call, fs: string, prefix: string, byLevel: boolean, listed: readonly string[]): string[] {
  const slash = prefix.lastIndexOf('/');
  const dir = slash < 0 ? '' : prefix.slice(0, slash + 1);
  const out: string[] = [];
  const seen = new Set<string>();
  for (const name of c.ns.hns.uncommittedNames(c.account, fs, prefix, 5000)) {
    const rest = name.slice(dir.length);
    const cut = rest.indexOf('/');
    if (byLevel && cut >= 0) {
      const p = `<BlobPrefix><Name>${escapeXml(dir + rest.slice(0, cut + 1))}</Name></BlobPrefix>`;
      if (!seen.has(p) && !listed.includes(p)) out.push(p);
      seen.add(p);
      continue;
    }
    const etag = quoteEtag(`0x8D${createHash('sha256').update(name).digest('hex').slice(0, 13).toUpperCase()}`);
    out.push(`<Blob><Name>${escapeXml(name)}</Name><Properties><Creation-Time>${httpDate(c.now)}</Creation-Time><Last-Modified>${httpDate(c.now)}</Last-Modified><Etag>${etag}</Etag><ResourceType>file</ResourceType><Content-Length>0</Content-Length><Content-Type>application/octet-stream</Content-Type><BlobType>BlockBlob</BlobType><LeaseStatus>unlocked</LeaseStatus><LeaseState>available</LeaseState></Properties></Blob>`);
  }
  return out;
}

/** GET /FS?restype=container&comp=list — blobs (XML): flat (directories as hdi_isfolder blobs) or by `/`. */
export function listBlobs(c: Call): void {
  const fs = requireFs(c.ns, 'blob', c.account, c.fs).name;
  const prefix = c.query.get('prefix') ?? '';
  const delimiter = c.query.get('delimiter') ?? '';
  const marker = c.query.get('marker') ?? '';
  const max = Math.min(intQuery(c, 'maxresults', false) ?? c.limits.listPageSize, 5000);
  if (max < 1) throw new WireError(400, 'OutOfRangeQueryParameterValue', 'One of the query parameters specified in the request URI is outside the permissible range: maxresults.');
  const include = (c.query.get('include') ?? '').split(',').map((s) => s.trim().toLowerCase());
  const withMeta = include.includes('metadata');
  const withPerms = include.includes('permissions');
  const withSnapshots = include.includes('snapshots');
  // A file entry: its snapshots first (oldest first) when asked for, then the file itself.
  const fileXml = (r: PathRow): string => {
    const own = blobXml(r, withMeta, withPerms, c.now, { tier: tierOfPath(c.ns.hns, r, c.now) });
    if (!withSnapshots || r.is_dir) return own;
    const snaps = c.ns.hns.snapshots(c.account, fs, r.path).map((s) => blobXml(snapshotAsRow(s, r), withMeta, withPerms, c.now, { tier: tierOfSnapshot(s.tier), snapshot: s.snapshot }));
    return snaps.join('') + own;
  };
  if (delimiter !== '' && delimiter !== '/') throw new WireError(501, 'NotImplemented', `Delimiter '${delimiter}' is not supported by the lakeshift Gen2 emulator; use '/' or none.`);
  const root = c.ns.db.getPath(c.account, fs, '');
  if (root) checkPerm(c.principal, root, 5);
  const items: string[] = [];
  let next = '';
  if (delimiter === '') {
    const rows = c.ns.db.byPrefix(c.account, fs, prefix, marker, max + 1);
    for (const r of rows.slice(0, max)) items.push(fileXml(r));
    if (rows.length > max) next = rows[max - 1]?.path ?? '';
  } else {
    const slash = prefix.lastIndexOf('/');
    const dir = slash < 0 ? '' : prefix.slice(0, slash);
    const dirRow = c.ns.db.getPath(c.account, fs, dir);
    if (dirRow?.is_dir) {
      let after = marker;
      const floor = prefix.slice(0, -1);
      if (prefix.length > slash + 1 && after < floor) after = floor;
      let count = 0;
      let lastName = '';
      outer: for (;;) {
        const rows = c.ns.db.children(c.account, fs, dir, after, 500);
        for (const r of rows) {
          after = r.path;
          if (!r.path.startsWith(prefix)) {
            if (r.path > prefix) break outer;
            continue;
          }
          if (count === max) {
            next = lastName;
            break outer;
          }
          items.push(r.is_dir ? `<BlobPrefix><Name>${escapeXml(`${r.path}/`)}</Name></BlobPrefix>` : fileXml(r));
          lastName = r.path;
          count++;
        }
        if (rows.length < 500) break;
      }
    }
  }
  // Uncommitted blobs and soft-deleted entries come with the last page (they are not interleaved with live names).
  if (include.includes('uncommittedblobs') && next === '') items.push(...uncommittedForListing(c, fs, prefix, delimiter !== '', items));
  if (include.includes('deleted') && next === '') items.push(...deletedForListing(c, fs, prefix, delimiter === '' ? undefined : prefix.slice(0, Math.max(0, prefix.lastIndexOf('/')))));
  const endpoint = `${c.baseUrl}/${c.account}/`;
  const delim = delimiter === '' ? '' : `<Delimiter>${escapeXml(delimiter)}</Delimiter>`;
  sendXml(c, 200, `<EnumerationResults ServiceEndpoint="${escapeXml(endpoint)}" ContainerName="${escapeXml(fs)}"><Prefix>${escapeXml(prefix)}</Prefix><Marker>${escapeXml(marker)}</Marker><MaxResults>${max}</MaxResults>${delim}<Blobs>${items.join('')}</Blobs><NextMarker>${escapeXml(next)}</NextMarker></EnumerationResults>`);
}
