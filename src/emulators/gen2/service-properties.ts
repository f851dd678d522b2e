import type { IncomingMessage } from 'node:http';
import { readSmallBody } from './blob-ops.js';
import type { Call } from './call.js';
import type { HnsStore } from './hns-store.js';
import { escapeXml, header, sendEmpty, sendXml, WireError } from './wire.js';
import { child, parseXmlTree, type XmlElement } from './xml-tree.js';

/**
 * Blob service properties (Get/Set Blob Service Properties): logging and metrics settings (kept and
 * returned, nothing is logged), CORS rules (applied to preflight OPTIONS and to responses), the
 * default service version, static website settings (kept) and the delete retention policy that
 * turns deletes into soft deletes. One document per account, stored as JSON.
 */

export interface RetentionPolicy { enabled: boolean; days?: number }
export interface CorsRule { allowedOrigins: string[]; allowedMethods: string[]; allowedHeaders: string[]; exposedHeaders: string[]; maxAgeInSeconds: number }
export interface ServiceProperties {
  logging: { version: string; read: boolean; write: boolean; delete: boolean; retention: RetentionPolicy };
  hourMetrics: { version: string; enabled: boolean; includeApis?: boolean; retention: RetentionPolicy };
  minuteMetrics: { version: string; enabled: boolean; includeApis?: boolean; retention: RetentionPolicy };
  cors: CorsRule[];
  defaultServiceVersion?: string;
  deleteRetention: { enabled: boolean; days?: number; allowPermanentDelete: boolean };
  staticWebsite: { enabled: boolean; indexDocument?: string; errorDocument404Path?: string; defaultIndexDocumentPath?: string };
}

/** What a new account answers before anything was set (Azure's defaults for a new StorageV2 account). */
export const DEFAULT_PROPERTIES: ServiceProperties = {
  logging: { version: '1.0', read: false, write: false, delete: false, retention: { enabled: false } },
  hourMetrics: { version: '1.0', enabled: true, includeApis: true, retention: { enabled: true, days: 7 } },
  minuteMetrics: { version: '1.0', enabled: false, retention: { enabled: false } },
  cors: [],
  deleteRetention: { enabled: false, allowPermanentDelete: false },
  staticWebsite: { enabled: false },
};

const CORS_METHODS = ['DELETE', 'GET', 'HEAD', 'MERGE', 'POST', 'OPTIONS', 'PUT', 'PATCH'];

const badNode = (name: string, why: string): WireError => new WireError(400, 'InvalidXmlNodeValue', `The value for one of the XML nodes is not in the correct format: ${name}. ${why}`);

const parsed = new Map<string, ServiceProperties>();

/** The account's properties (parsed documents are shared, never mutated: a Set builds a new one). */
export function serviceProperties(hns: HnsStore, account: string): ServiceProperties {
  const json = hns.serviceProperties(account);
  if (json === undefined) return DEFAULT_PROPERTIES;
  let p = parsed.get(json);
  if (p === undefined) {
    p = { ...DEFAULT_PROPERTIES, ...(JSON.parse(json) as Partial<ServiceProperties>) };
    if (parsed.size > 1000) parsed.clear();
    parsed.set(json, p);
  }
  return p;
}

function bool(el: XmlElement | undefined, name: string, fallback: boolean): boolean {
  if (el === undefined) return fallback;
  const v = el.text.trim().toLowerCase();
  if (v !== 'true' && v !== 'false') throw badNode(name, 'Use true or false.');
  return v === 'true';
}

function int(el: XmlElement | undefined, name: string, min: number, max: number): number | undefined {
  if (el === undefined) return undefined;
  const v = el.text.trim();
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw badNode(name, `Use an integer from ${min} to ${max}.`);
  return Number(v);
}

function retention(el: XmlElement | undefined, name: string, fallback: RetentionPolicy): RetentionPolicy {
  if (el === undefined) return fallback;
  const enabled = bool(child(el, 'Enabled'), `${name}/Enabled`, false);
  const days = int(child(el, 'Days'), `${name}/Days`, 1, 365);
  if (enabled && days === undefined) throw badNode(`${name}/Days`, 'A retention policy that is enabled needs Days (1 to 365).');
  return enabled && days !== undefined ? { enabled, days } : { enabled };
}

const list = (el: XmlElement | undefined): string[] => (el?.text ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');

function corsRules(el: XmlElement): CorsRule[] {
  const rules = el.children.filter((c) => c.name === 'CorsRule');
  if (rules.length > 5) throw badNode('Cors', 'At most five CorsRule elements are allowed.');
  return rules.map((r) => {
    const methods = list(child(r, 'AllowedMethods')).map((m) => m.toUpperCase());
    const origins = list(child(r, 'AllowedOrigins'));
    if (methods.length === 0 || methods.some((m) => !CORS_METHODS.includes(m))) throw badNode('CorsRule/AllowedMethods', `Use a comma-separated list of ${CORS_METHODS.join(', ')}.`);
    if (origins.length === 0 || origins.length > 64) throw badNode('CorsRule/AllowedOrigins', 'Use * or 1 to 64 origins.');
    const maxAge = int(child(r, 'MaxAgeInSeconds'), 'CorsRule/MaxAgeInSeconds', 0, 2 ** 31 - 1);
    if (maxAge === undefined) throw badNode('CorsRule/MaxAgeInSeconds', 'MaxAgeInSeconds is required.');
    return { allowedOrigins: origins, allowedMethods: methods, allowedHeaders: list(child(r, 'AllowedHeaders')), exposedHeaders: list(child(r, 'ExposedHeaders')), maxAgeInSeconds: maxAge };
  });
}

/** Applies a Set Blob Service Properties body to `current`: elements not sent keep their settings. */
export function mergeProperties(current: ServiceProperties, xml: string): ServiceProperties {
  const root = parseXmlTree(xml);
  if (root.name !== 'StorageServiceProperties') throw new WireError(400, 'InvalidXmlDocument', 'XML specified is not syntactically valid: the root element must be StorageServiceProperties.');
  const next: ServiceProperties = { ...current };
  const logging = child(root, 'Logging');
  if (logging) {
    next.logging = {
      version: child(logging, 'Version')?.text.trim() ?? '1.0', read: bool(child(logging, 'Read'), 'Logging/Read', false),
      write: bool(child(logging, 'Write'), 'Logging/Write', false), delete: bool(child(logging, 'Delete'), 'Logging/Delete', false),
      retention: retention(child(logging, 'RetentionPolicy'), 'Logging/RetentionPolicy', { enabled: false }),
    };
  }
  for (const key of ['HourMetrics', 'MinuteMetrics'] as const) {
    const m = child(root, key);
    if (!m) continue;
    const enabled = bool(child(m, 'Enabled'), `${key}/Enabled`, false);
    const include = child(m, 'IncludeAPIs');
    const value = { version: child(m, 'Version')?.text.trim() ?? '1.0', enabled, ...(include ? { includeApis: bool(include, `${key}/IncludeAPIs`, false) } : {}), retention: retention(child(m, 'RetentionPolicy'), `${key}/RetentionPolicy`, { enabled: false }) };
    if (key === 'HourMetrics') next.hourMetrics = value;
    else next.minuteMetrics = value;
  }
  const cors = child(root, 'Cors');
  if (cors) next.cors = corsRules(cors);
  const dsv = child(root, 'DefaultServiceVersion');
  if (dsv) {
    const v = dsv.text.trim();
    if (!/^\d{4}-\d{2}-\d{2}$/.test(v)) throw badNode('DefaultServiceVersion', 'Use a service version such as 2021-12-02.');
    next.defaultServiceVersion = v;
  }
  const del = child(root, 'DeleteRetentionPolicy');
  if (del) {
    const enabled = bool(child(del, 'Enabled'), 'DeleteRetentionPolicy/Enabled', false);
    const days = int(child(del, 'Days'), 'DeleteRetentionPolicy/Days', 1, 365);
    if (enabled && days === undefined) throw badNode('DeleteRetentionPolicy/Days', 'An enabled delete retention policy needs Days (1 to 365).');
    next.deleteRetention = { enabled, ...(enabled && days !== undefined ? { days } : {}), allowPermanentDelete: bool(child(del, 'AllowPermanentDelete'), 'DeleteRetentionPolicy/AllowPermanentDelete', false) };
  }
  const web = child(root, 'StaticWebsite');
  if (web) {
    const text = (n: string): Record<string, string> => {
      const v = child(web, n)?.text.trim();
      return v === undefined || v === '' ? {} : { [n.charAt(0).toLowerCase() + n.slice(1)]: v };
    };
    next.staticWebsite = { enabled: bool(child(web, 'Enabled'), 'StaticWebsite/Enabled', false), ...text('IndexDocument'), ...text('ErrorDocument404Path'), ...text('DefaultIndexDocumentPath') };
  }
  return next;
}

const el = (name: string, v: string | number | boolean | undefined): string => (v === undefined ? '' : `<${name}>${escapeXml(String(v))}</${name}>`);
const retentionXml = (r: RetentionPolicy): string => `<RetentionPolicy>${el('Enabled', r.enabled)}${el('Days', r.days)}</RetentionPolicy>`;

export function formatProperties(p: ServiceProperties): string {
  const metrics = (name: string, m: ServiceProperties['hourMetrics']): string => `<${name}>${el('Version', m.version)}${el('Enabled', m.enabled)}${m.enabled ? el('IncludeAPIs', m.includeApis ?? false) : ''}${retentionXml(m.retention)}</${name}>`;
  const rule = (r: CorsRule): string =>
    `<CorsRule>${el('AllowedMethods', r.allowedMethods.join(','))}${el('AllowedOrigins', r.allowedOrigins.join(','))}${el('AllowedHeaders', r.allowedHeaders.join(','))}${el('ExposedHeaders', r.exposedHeaders.join(','))}${el('MaxAgeInSeconds', r.maxAgeInSeconds)}</CorsRule>`;
  const l = p.logging;
  const d = p.deleteRetention;
  const w = p.staticWebsite;
  return `<StorageServiceProperties><Logging>${el('Version', l.version)}${el('Read', l.read)}${el('Write', l.write)}${el('Delete', l.delete)}${retentionXml(l.retention)}</Logging>${metrics('HourMetrics', p.hourMetrics)}${metrics('MinuteMetrics', p.minuteMetrics)}<Cors>${p.cors.map(rule).join('')}</Cors>${el('DefaultServiceVersion', p.defaultServiceVersion)}<DeleteRetentionPolicy>${el('Enabled', d.enabled)}${el('Days', d.days)}${el('AllowPermanentDelete', d.allowPermanentDelete)}</DeleteRetentionPolicy><StaticWebsite>${el('Enabled', w.enabled)}${el('IndexDocument', w.indexDocument)}${el('ErrorDocument404Path', w.errorDocument404Path)}${el('DefaultIndexDocumentPath', w.defaultIndexDocumentPath)}</StaticWebsite></StorageServiceProperties>`;
}

/** GET /ACCOUNT?restype=service&comp=properties (200 XML). */
export function getServiceProperties(c: Call): void {
  sendXml(c, 200, formatProperties(serviceProperties(c.ns.hns, c.account)));
}

/** PUT /ACCOUNT?restype=service&comp=properties (202); a body that does not parse or validate changes nothing. */
export async function setServiceProperties(c: Call): Promise<void> {
  const xml = await readSmallBody(c, 64 * 1024);
  const next = mergeProperties(serviceProperties(c.ns.hns, c.account), xml);
  c.ns.hns.putServiceProperties(c.account, JSON.stringify(next));
  sendEmpty(c, 202);
}

const originAllowed = (r: CorsRule, origin: string): boolean => r.allowedOrigins.includes('*') || r.allowedOrigins.includes(origin);

function headerAllowed(r: CorsRule, name: string): boolean {
  const n = name.toLowerCase();
  return r.allowedHeaders.some((a) => {
    const l = a.toLowerCase();
    return l === '*' || l === n || (l.endsWith('*') && n.startsWith(l.slice(0, -1)));
  });
}

/**
 * Answers a CORS preflight (`OPTIONS` with Origin and Access-Control-Request-Method): 200 with the
 * Access-Control-Allow-* headers of the first matching rule, 403 CorsPreflightFailure otherwise.
 * Preflights carry no credentials; they are answered before authentication, as Azure does.
 */
export function preflight(hns: HnsStore, account: string, req: IncomingMessage): Record<string, string> {
  const origin = header(req, 'origin');
  const method = header(req, 'access-control-request-method');
  if (origin === undefined || method === undefined) {
    throw new WireError(400, 'MissingRequiredHeader', 'An HTTP header that is mandatory for this request is not specified: a CORS preflight needs Origin and Access-Control-Request-Method.');
  }
  const requested = (header(req, 'access-control-request-headers') ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
  const rule = serviceProperties(hns, account).cors.find((r) => originAllowed(r, origin) && r.allowedMethods.includes(method.toUpperCase()) && requested.every((h) => headerAllowed(r, h)));
  if (rule === undefined) throw new WireError(403, 'CorsPreflightFailure', 'CORS not enabled or no matching rule found for this request.');
  const any = rule.allowedOrigins.includes('*');
  const h: Record<string, string> = { 'Access-Control-Allow-Origin': any ? '*' : origin, 'Access-Control-Allow-Methods': method.toUpperCase(), 'Access-Control-Max-Age': String(rule.maxAgeInSeconds) };
  if (requested.length > 0) h['Access-Control-Allow-Headers'] = requested.join(',');
  if (!any) h['Access-Control-Allow-Credentials'] = 'true';
  return h;
}

/** CORS headers for a request that sent `Origin` (empty when no rule matches its origin and method). */
export function corsResponseHeaders(hns: HnsStore, account: string, req: IncomingMessage): Record<string, string> {
  const origin = header(req, 'origin');
  if (origin === undefined) return {};
  const rules = serviceProperties(hns, account).cors;
  if (rules.length === 0) return {};
  const rule = rules.find((r) => originAllowed(r, origin) && r.allowedMethods.includes((req.method ?? 'GET').toUpperCase()));
  if (rule === undefined) return { Vary: 'Origin' };
  const any = rule.allowedOrigins.includes('*');
  const h: Record<string, string> = { 'Access-Control-Allow-Origin': any ? '*' : origin };
  if (rule.exposedHeaders.length > 0) h['Access-Control-Expose-Headers'] = rule.exposedHeaders.join(',');
  if (!any) {
    h['Access-Control-Allow-Credentials'] = 'true';
    h['Vary'] = 'Origin';
  }
  return h;
}
