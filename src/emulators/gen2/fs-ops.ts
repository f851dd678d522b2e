import { decodeToken, encodeToken, intQuery, type Call } from './call.js';
import { parsePublicAccess, publicAccessOf } from './container-acl.js';
import { applyLeaseAction, checkConditions, checkWriteLease, leaseHeaders } from './conditions.js';
import { rootItem, isSuper, requireFs } from './namespace.js';
import { formatProperties, metadataOf, parseProperties, readMetadata } from './present.js';
import { escapeXml, header, httpDate, newEtag, permissionMismatch, quoteEtag, sendEmpty, sendJson, sendXml, WireError } from './wire.js';

/** Service and filesystem (container) operations, in both the DFS and the Blob flavour. */

const FS_NAME = /^[$a-z0-9](?!.*--)[-a-z0-9]{1,61}[a-z0-9]$/;

/** PUT ?restype=container (Blob) or ?resource=filesystem (DFS) — 201. */
export function createFilesystem(c: Call): void {
  const name = c.fs ?? '';
  if (name.length < 3 || name.length > 63) throw new WireError(400, 'OutOfRangeInput', 'The specified resource name length is not within the permissible limits. Container names are 3-63 characters.');
  if (!FS_NAME.test(name)) throw new WireError(400, 'InvalidResourceName', `The specifed resource name contains invalid characters: '${name}'. Filesystem names are 3-63 lowercase letters, digits and single hyphens.`);
  const access = c.api === 'blob' ? parsePublicAccess(c.req, c.ns.publicAccessAllowed !== false) : undefined;
  const meta = c.api === 'dfs' ? parseProperties(header(c.req, 'x-ms-properties')) ?? {} : readMetadata(c.req);
  const etag = newEtag();
  c.ns.db.tx(() => {
    if (c.ns.db.getFs(c.account, name)) {
      throw c.api === 'dfs' ? new WireError(409, 'FilesystemAlreadyExists', 'The specified filesystem already exists.') : new WireError(409, 'ContainerAlreadyExists', 'The specified container already exists.');
    }
    c.ns.db.insertFs({ account: c.account, name, etag, modified: c.now, created: c.now, metadata: JSON.stringify(meta), lease: null });
    if (access === undefined) c.ns.hns.dropContainerAcl(c.account, name);
    else c.ns.hns.putContainerAcl({ account: c.account, fs: name, public_access: access, identifiers: '[]' });
    if (!c.ns.db.getPath(c.account, name, '')) c.ns.db.insertPath(rootItem(c.account, name, c.principal, c.now));
  });
  const h: Record<string, string> = { ETag: quoteEtag(etag), 'Last-Modified': httpDate(c.now) };
  if (c.api === 'dfs') h['x-ms-namespace-enabled'] = 'true';
  sendEmpty(c, 201, h);
}

/** GET/HEAD ?restype=container or HEAD ?resource=filesystem — 200 with properties. */
export function getFilesystemProperties(c: Call): void {
  const row = requireFs(c.ns, c.api, c.account, c.fs);
  const meta = metadataOf(row);
  const h: Record<string, string> = {
    ETag: quoteEtag(row.etag), 'Last-Modified': httpDate(row.modified), ...leaseHeaders(row.lease, c.now),
    'x-ms-has-immutability-policy': 'false', 'x-ms-has-legal-hold': 'false', 'x-ms-default-encryption-scope': '$account-encryption-key',
    'x-ms-deny-encryption-scope-override': 'false', 'x-ms-namespace-enabled': 'true',
  };
  if (c.api === 'dfs') h['x-ms-properties'] = formatProperties(meta);
  else for (const [k, v] of Object.entries(meta)) h[`x-ms-meta-${k}`] = v;
  const access = c.api === 'blob' ? publicAccessOf(c.ns.hns, c.account, row.name) : undefined;
  if (access !== undefined) h['x-ms-blob-public-access'] = access;
  sendEmpty(c, 200, h);
}

/** DELETE ?restype=container or ?resource=filesystem — 202; removes every path and its bytes. */
export function deleteFilesystem(c: Call): void {
  const released = c.ns.db.tx(() => {
    const row = requireFs(c.ns, c.api, c.account, c.fs);
    if (!isSuper(c.principal)) throw permissionMismatch();
    checkConditions(c.req, row, { read: false });
    checkWriteLease(c.req, row.lease, c.api, c.now);
    return c.ns.db.deleteFs(c.account, row.name);
  });
  c.ns.bytes.remove(released);
  sendEmpty(c, 202);
}

/** PUT ?restype=container&comp=metadata or PATCH ?resource=filesystem — replaces metadata (200). */
export function setFilesystemMetadata(c: Call): void {
  const meta = c.api === 'dfs' ? parseProperties(header(c.req, 'x-ms-properties')) : readMetadata(c.req);
  const out = c.ns.db.tx(() => {
    const row = requireFs(c.ns, c.api, c.account, c.fs);
    if (!isSuper(c.principal)) throw permissionMismatch();
    checkConditions(c.req, row, { read: false });
    if (header(c.req, 'x-ms-lease-id') !== undefined) checkWriteLease(c.req, row.lease, c.api, c.now);
    const etag = newEtag();
    c.ns.db.updateFs({ ...row, etag, modified: c.now, metadata: JSON.stringify(meta ?? metadataOf(row)) });
    return { etag };
  });
  sendEmpty(c, 200, { ETag: quoteEtag(out.etag), 'Last-Modified': httpDate(c.now) });
}

/** PUT ?restype=container&comp=lease — container lease (201/200/202). */
export function leaseFilesystem(c: Call): void {
  const out = c.ns.db.tx(() => {
    const row = requireFs(c.ns, 'blob', c.account, c.fs);
    checkConditions(c.req, row, { read: false });
    const r = applyLeaseAction(c.req, row.lease, c.now, row.modified);
    c.ns.db.updateFs({ ...row, lease: r.lease });
    return { ...r, etag: row.etag, modified: row.modified };
  });
  sendEmpty(c, out.status, { ETag: quoteEtag(out.etag), 'Last-Modified': httpDate(out.modified), ...out.headers });
}

/** GET|HEAD /ACCOUNT?restype=account&comp=properties — account information (HNS enabled; the SKU follows the configured replication). */
export function getAccountInfo(c: Call): void {
  sendEmpty(c, 200, { 'x-ms-sku-name': c.ns.skuNames?.get(c.account) ?? 'Standard_LRS', 'x-ms-account-kind': 'StorageV2', 'x-ms-is-hns-enabled': 'true' });
}

function publicAccessXml(c: Call, fs: string): string {
  const access = publicAccessOf(c.ns.hns, c.account, fs);
  return access === undefined ? '' : `<PublicAccess>${access}</PublicAccess>`;
}

/** GET /ACCOUNT?comp=list — containers (XML) with prefix, marker, maxresults, include=metadata. */
export function listContainers(c: Call): void {
  const prefix = c.query.get('prefix') ?? '';
  const marker = c.query.get('marker') ?? '';
  const max = Math.min(intQuery(c, 'maxresults', false) ?? 5000, 5000);
  if (max < 1) throw new WireError(400, 'OutOfRangeQueryParameterValue', 'One of the query parameters specified in the request URI is outside the permissible range: maxresults.');
  const withMeta = (c.query.get('include') ?? '').split(',').includes('metadata');
  const rows = c.ns.db.listFs(c.account, prefix, marker, max + 1);
  const page = rows.slice(0, max);
  const items = page.map((r) => {
    const lease = leaseHeaders(r.lease, c.now);
    const meta = withMeta ? `<Metadata>${Object.entries(metadataOf(r)).map(([k, v]) => `<${k}>${escapeXml(v)}</${k}>`).join('')}</Metadata>` : '';
    return `<Container><Name>${escapeXml(r.name)}</Name><Properties><Last-Modified>${httpDate(r.modified)}</Last-Modified><Etag>${quoteEtag(r.etag)}</Etag><LeaseStatus>${lease['x-ms-lease-status'] ?? 'unlocked'}</LeaseStatus><LeaseState>${lease['x-ms-lease-state'] ?? 'available'}</LeaseState>${publicAccessXml(c, r.name)}<HasImmutabilityPolicy>false</HasImmutabilityPolicy><HasLegalHold>false</HasLegalHold></Properties>${meta}</Container>`;
  });
  const next = rows.length > max ? (page[page.length - 1]?.name ?? '') : '';
  const endpoint = `${c.baseUrl}/${c.account}/`;
  sendXml(c, 200, `<EnumerationResults ServiceEndpoint="${escapeXml(endpoint)}"><Prefix>${escapeXml(prefix)}</Prefix><Marker>${escapeXml(marker)}</Marker><MaxResults>${max}</MaxResults><Containers>${items.join('')}</Containers><NextMarker>${escapeXml(next)}</NextMarker></EnumerationResults>`);
}

/** GET /ACCOUNT?resource=account — filesystems (DFS JSON) with prefix, continuation, maxResults. */
export function listFilesystems(c: Call): void {
  const prefix = c.query.get('prefix') ?? '';
  const after = decodeToken('continuation', c.query.get('continuation'));
  const max = Math.min(intQuery(c, 'maxResults', false) ?? 5000, 5000);
  if (max < 1) throw new WireError(400, 'InvalidQueryParameterValue', 'Value for one of the query parameters specified in the request URI is invalid: maxResults. Use 1 to 5000.');
  const rows = c.ns.db.listFs(c.account, prefix, after, max + 1);
  const page = rows.slice(0, max);
  const body = { filesystems: page.map((r) => ({ etag: r.etag, lastModified: httpDate(r.modified), name: r.name })) };
  const h: Record<string, string> = {};
  if (rows.length > max) h['x-ms-continuation'] = encodeToken(page[page.length - 1]?.name ?? '');
  sendJson(c, 200, body, h);
}


