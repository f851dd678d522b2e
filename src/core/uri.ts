import { StorageError } from './errors.js';

/** Where a store lives, parsed from a URI as users write it. Paths are store-relative (see Entry). */
export type StoreLocation = Gen1Location | Gen2Location | LocalLocation | MemoryLocation;

export interface Gen1Location {
  kind: 'gen1';
  /** Account name ('' when the host is not an azuredatalakestore.net name). */
  account: string;
  /** Scheme, host and port, e.g. `https://acct.azuredatalakestore.net` or `http://127.0.0.1:8080`. */
  endpoint: string;
  path: string;
  /** True for loopback endpoints (emulators): tokens may be minted automatically. */
  loopback: boolean;
}

export interface Gen2Location {
  kind: 'gen2';
  account: string;
  filesystem: string;
  path: string;
  /** Base URL for DFS calls, up to and including the account segment for path-style URLs. */
  dfsEndpoint: string;
  /** Base URL for Blob calls (same as dfsEndpoint for path-style URLs). */
  blobEndpoint: string;
  pathStyle: boolean;
  loopback: boolean;
  /** SAS query string (without '?') when the URI carried one. Secret: never print. */
  sas?: string;
}

export interface LocalLocation {
  kind: 'local';
  /** Absolute directory on this machine. */
  root: string;
  path: '';
}

export interface MemoryLocation {
  kind: 'memory';
  name: string;
  path: string;
}

const GEN1_HOST = /^([a-z0-9]{3,24})\.azuredatalakestore\.net$/i;
const GEN2_HOST = /^([a-z0-9]{3,24})\.(dfs|blob)\.(core\.windows\.net|core\.chinacloudapi\.cn|core\.usgovcloudapi\.net)$/i;
const FILESYSTEM_NAME = /^[$a-z0-9](?!.*--)[-a-z0-9]{1,61}[a-z0-9]$/;

function invalid(uri: string, why: string, hint: string): StorageError {
  return new StorageError('invalid-argument', `Invalid location '${redactUri(uri)}': ${why}. ${hint}`);
}

function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

function isIpOrLocalHost(hostname: string): boolean {
  return isLoopbackHost(hostname) || /^\d+\.\d+\.\d+\.\d+$/.test(hostname) || hostname.startsWith('[');
}

/** decodeURIComponent that reports bad percent-encoding as a usage error naming the part. */
function decodePart(uri: string, raw: string, what: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw invalid(uri, `the ${what} '${raw}' is not valid percent-encoding`, 'Encode % as %25.');
  }
}

/** Decodes a percent-encoded URL path into a store path: no leading or trailing '/', no empty segments. */
function decodeStorePath(uri: string, rawPath: string): string {
  const segments: string[] = [];
  for (const raw of rawPath.split('/')) {
    if (raw === '') continue;
    let seg: string;
    try {
      seg = decodeURIComponent(raw);
    } catch {
      throw invalid(uri, `the path segment '${raw}' is not valid percent-encoding`, 'Encode % as %25.');
    }
    if (seg === '.' || seg === '..') {
      throw invalid(uri, `the path contains '${seg}'`, 'Write the path without . or .. segments.');
    }
    segments.push(...seg.split('/').filter((s) => s !== ''));
  }
  return segments.join('/');
}

/**
 * Parses a location as users write it:
 * - `adl://ACCOUNT.azuredatalakestore.net/path`, `https://ACCOUNT.azuredatalakestore.net/webhdfs/v1/path`,
 *   `http(s)://HOST:PORT/webhdfs/v1/path` (any WebHDFS endpoint, e.g. the Gen1 emulator)
 * - `abfs[s]://FS@ACCOUNT.dfs.core.windows.net/path`, `https://ACCOUNT.dfs|blob.core.windows.net/FS/path`,
 *   path-style `http(s)://HOST:PORT/ACCOUNT/FS/path` (the Gen2 emulator); a `?sv=…` SAS is kept aside
 * - `file:///dir`, an absolute or relative directory, `memory://NAME/path`
 * Throws StorageError('invalid-argument') naming what is wrong.
 */
export function parseLocation(input: string, cwd: string = process.cwd()): StoreLocation {
  const uri = input.trim();
  if (uri === '') throw invalid(input, 'it is empty', 'Give a URI such as adl://ACCOUNT.azuredatalakestore.net/path.');
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(uri)?.[1]?.toLowerCase();
  if (scheme === undefined) {
    if (/^[^/\\]*:\/\//.test(uri)) {
      throw invalid(uri, 'its scheme is not a valid URI scheme', 'Use adl://, abfss://, https://, file:// or a local path.');
    }
    if (/^[a-z][a-z0-9+.-]*:/i.test(uri) && !/^[a-z]:[\\/]/i.test(uri)) {
      throw invalid(uri, 'it has a scheme but no //', 'Write it as SCHEME://HOST/path.');
    }
    return { kind: 'local', root: resolveLocalPath(uri, cwd), path: '' };
  }
  // WHATWG URL parsing silently resolves '..' (even %2E%2E): refuse dot segments on the raw text.
  const rawPath = uri.slice(uri.indexOf('//') + 2).replace(/[?#].*$/, '');
  for (const seg of rawPath.split('/').slice(1)) {
    const decoded = seg.replace(/%2e/gi, '.');
    if (decoded === '.' || decoded === '..') {
      throw invalid(uri, `the path contains '${decoded}'`, 'Write the path without . or .. segments.');
    }
  }
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw invalid(uri, 'it is not a well-formed URI', 'Check the host name and percent-encoding.');
  }
  switch (scheme) {
    case 'file':
      return { kind: 'local', root: resolveLocalPath(decodePart(uri, url.pathname, 'path'), cwd), path: '' };
    case 'memory':
      if (url.hostname === '') throw invalid(uri, 'it names no memory store', 'Write memory://NAME/path.');
      return { kind: 'memory', name: url.hostname, path: decodeStorePath(uri, url.pathname) };
    case 'adl': {
      const m = GEN1_HOST.exec(url.hostname);
      if (!m && !isIpOrLocalHost(url.hostname)) {
        throw invalid(uri, `'${url.hostname}' is not an azuredatalakestore.net host`, 'Write adl://ACCOUNT.azuredatalakestore.net/path.');
      }
      const endpoint = m ? `https://${url.host}` : `http://${url.host}`;
      return { kind: 'gen1', account: m?.[1]?.toLowerCase() ?? '', endpoint, path: decodeStorePath(uri, url.pathname), loopback: isLoopbackHost(url.hostname) };
    }
    case 'abfs':
    case 'abfss': {
      const fs = decodePart(uri, url.username, 'filesystem name');
      const m = GEN2_HOST.exec(url.hostname);
      if (fs === '') throw invalid(uri, 'it names no filesystem', 'Write abfss://FILESYSTEM@ACCOUNT.dfs.core.windows.net/path.');
      if (!m) throw invalid(uri, `'${url.hostname}' is not a dfs.core.windows.net host`, 'Write abfss://FILESYSTEM@ACCOUNT.dfs.core.windows.net/path.');
      checkFilesystem(uri, fs);
      const account = (m[1] as string).toLowerCase();
      const suffix = m[3] as string;
      return {
        kind: 'gen2', account, filesystem: fs, path: decodeStorePath(uri, url.pathname),
        dfsEndpoint: `https://${account}.dfs.${suffix}`, blobEndpoint: `https://${account}.blob.${suffix}`,
        pathStyle: false, loopback: false,
      };
    }
    case 'http':
    case 'https':
      return parseHttpLocation(uri, url);
    default:
      throw invalid(uri, `the scheme '${scheme}' is not supported`, 'Use adl://, abfss://, https://, file:// or a local path.');
  }
}

function parseHttpLocation(uri: string, url: URL): StoreLocation {
  const origin = `${url.protocol}//${url.host}`;
  const webhdfs = /^\/webhdfs\/v1(\/|$)/i.exec(url.pathname);
  if (webhdfs) {
    const m = GEN1_HOST.exec(url.hostname);
    return {
      kind: 'gen1', account: m?.[1]?.toLowerCase() ?? '', endpoint: origin,
      path: decodeStorePath(uri, url.pathname.slice('/webhdfs/v1'.length)), loopback: isLoopbackHost(url.hostname),
    };
  }
  if (GEN1_HOST.test(url.hostname)) {
    throw invalid(uri, 'a Gen1 https URL must contain /webhdfs/v1/', 'Write https://ACCOUNT.azuredatalakestore.net/webhdfs/v1/path or adl://ACCOUNT.azuredatalakestore.net/path.');
  }
  const sas = url.search.length > 1 ? url.search.slice(1) : undefined;
  const segments = url.pathname.split('/').filter((s) => s !== '');
  const m = GEN2_HOST.exec(url.hostname);
  if (m) {
    const fs = segments[0] === undefined ? '' : decodePart(uri, segments[0], 'filesystem name');
    if (fs === '') throw invalid(uri, 'it names no filesystem', 'Write https://ACCOUNT.dfs.core.windows.net/FILESYSTEM/path.');
    checkFilesystem(uri, fs);
    const account = (m[1] as string).toLowerCase();
    const suffix = m[3] as string;
    return {
      kind: 'gen2', account, filesystem: fs, path: decodeStorePath(uri, segments.slice(1).join('/')),
      dfsEndpoint: `${url.protocol}//${account}.dfs.${suffix}`, blobEndpoint: `${url.protocol}//${account}.blob.${suffix}`,
      pathStyle: false, loopback: false, ...(sas === undefined ? {} : { sas }),
    };
  }
  if (isIpOrLocalHost(url.hostname)) {
    const account = segments[0] === undefined ? '' : decodePart(uri, segments[0], 'account name');
    const fs = segments[1] === undefined ? '' : decodePart(uri, segments[1], 'filesystem name');
    if (account === '' || fs === '') {
      throw invalid(uri, 'a path-style Gen2 URL needs an account and a filesystem', 'Write http://HOST:PORT/ACCOUNT/FILESYSTEM/path (or http://HOST:PORT/webhdfs/v1/path for WebHDFS).');
    }
    checkFilesystem(uri, fs);
    const base = `${origin}/${encodeURIComponent(account)}`;
    return {
      kind: 'gen2', account, filesystem: fs, path: decodeStorePath(uri, segments.slice(2).join('/')),
      dfsEndpoint: base, blobEndpoint: base, pathStyle: true, loopback: isLoopbackHost(url.hostname),
      ...(sas === undefined ? {} : { sas }),
    };
  }
  throw invalid(uri, `the host '${url.hostname}' is neither a Gen1, a Gen2 nor a path-style emulator host`, 'Use adl://, abfss://, https://ACCOUNT.dfs.core.windows.net/FS/path or http://127.0.0.1:PORT/ACCOUNT/FS/path.');
}

function checkFilesystem(uri: string, fs: string): void {
  if (!FILESYSTEM_NAME.test(fs)) {
    throw invalid(uri, `'${fs}' is not a valid filesystem name`, 'Filesystem names are 3-63 lowercase letters, digits and single hyphens.');
  }
}

function resolveLocalPath(p: string, cwd: string): string {
  const abs = p.startsWith('/') ? p : `${cwd.replace(/\/$/, '')}/${p}`;
  const out: string[] = [];
  for (const seg of abs.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  return `/${out.join('/')}`;
}

/** Formats a location back as a URI (without secrets). */
export function formatLocation(loc: StoreLocation): string {
  const enc = (p: string): string => p.split('/').map(encodeURIComponent).join('/');
  switch (loc.kind) {
    case 'gen1':
      return GEN1_HOST.test(new URL(loc.endpoint).hostname) ? `adl://${new URL(loc.endpoint).host}/${enc(loc.path)}` : `${loc.endpoint}/webhdfs/v1/${enc(loc.path)}`;
    case 'gen2':
      return loc.pathStyle ? `${loc.dfsEndpoint}/${loc.filesystem}/${enc(loc.path)}` : `abfss://${loc.filesystem}@${new URL(loc.dfsEndpoint).host}/${enc(loc.path)}`;
    case 'local':
      return loc.root;
    case 'memory':
      return `memory://${loc.name}/${enc(loc.path)}`;
  }
}

const SECRET_QUERY = /([?&](?:sig|se|st|sp|spr|sv|ss|srt|sr|skoid|sktid|skt|ske|sks|skv|saoid|suoid|scid|code|token|access_token)=)[^&#\s]*/gi;

/** Removes SAS signatures, tokens, account keys and URL passwords from a URI or any text containing URIs. */
export function redactUri(text: string): string {
  return text
    .replace(SECRET_QUERY, '$1REDACTED')
    .replace(/(AccountKey=)[^;\s]+/gi, '$1REDACTED')
    .replace(/(SharedAccessSignature=)[^;\s]+/gi, '$1REDACTED')
    .replace(/(Bearer\s+)[A-Za-z0-9\-_.~+/]+=*/g, '$1REDACTED')
    // A password in a URL's user info (postgres://USER:PASSWORD@HOST, redis://:PASSWORD@HOST).
    .replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)[^\s@/]+@/gi, '$1REDACTED@');
}
