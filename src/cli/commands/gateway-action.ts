import type { TokenCredential } from '@azure/identity';
import { pino, type Logger } from 'pino';
import { isStorageError } from '../../core/errors.js';
import { parseLocation } from '../../core/uri.js';
import type { Store } from '../../core/store.js';
import type { GatewayRule } from '../../gateway/mapping.js';
import { openStore } from '../../stores/open-store.js';
import { UserError, asUsageError } from '../cli-error.js';
import { storeOptionsFrom } from '../common-options.js';
import { serveUntilSignal, checkBindableHost } from '../serve-until-signal.js';
import { parseMapSpec } from './migrate.js';
import { targetUri } from './migrate-action.js';

/** What `gateway serve` and `gateway mirror` do once their flags are parsed (imported lazily by gateway.ts). */

export function parsePort(text: unknown): number {
  const s = String(text ?? '0');
  const n = Number(s);
  if (!/^\d+$/.test(s) || n > 65535) throw new UserError(`--port must be a number from 0 to 65535 (0 = any free port), got '${s}'.`);
  return n;
}

export function tlsFlags(o: Record<string, unknown>): { certPath?: string; keyPath?: string } {
  const cert = typeof o['cert'] === 'string' ? o['cert'] : undefined;
  const key = typeof o['key'] === 'string' ? o['key'] : undefined;
  if ((cert === undefined) !== (key === undefined)) throw new UserError('--cert and --key go together: pass both PEM files to serve HTTPS, or neither for HTTP.');
  return { ...(cert === undefined ? {} : { certPath: cert }), ...(key === undefined ? {} : { keyPath: key }) };
}

export function gatewayLogger(): Logger {
  return pino({ level: process.env['LAKESHIFT_LOG_LEVEL'] ?? 'warn', base: null }, pino.destination(2));
}

/** The rules of `--map PREFIX=FS/PATH` against DEST, as migrate reads them; each with its store's URI. */
export function gatewayRuleSpecs(dest: string, maps: readonly string[]): { sourcePrefix: string; uri: string; destPath: string }[] {
  const wrap = asUsageError;
  wrap(() => parseLocation(dest));
  if (maps.length === 0) return [{ sourcePrefix: '', uri: dest, destPath: '' }];
  return maps.map(parseMapSpec).map((m) => {
    const t = wrap(() => targetUri(dest, m.target));
    return { sourcePrefix: m.sourcePrefix, uri: t.uri, destPath: t.destPath };
  });
}

/** Opens one store per distinct URI; returns the rules and a pass-through opener for storage-audience tokens. */
export function openGatewayRules(dest: string, o: Record<string, unknown>): { rules: GatewayRule[]; stores: Store[]; passThrough: (store: Store, token: string) => Store } {
  const specs = gatewayRuleSpecs(dest, (o['map'] as string[] | undefined) ?? []);
  const byUri = new Map<string, Store>();
  const uriOf = new Map<Store, string>();
  const rules = specs.map((s) => {
    let store = byUri.get(s.uri);
    if (store === undefined) {
      store = openStore(s.uri, { ...storeOptionsFrom(o), role: 'dest' });
      byUri.set(s.uri, store);
      uriOf.set(store, s.uri);
    }
    return { sourcePrefix: s.sourcePrefix, store, destPath: s.destPath };
  });
  const passThrough = (store: Store, token: string): Store => {
    const credential: TokenCredential = { getToken: () => Promise.resolve({ token, expiresOnTimestamp: Date.now() + 3_600_000 }) };
    return openStore(uriOf.get(store) ?? store.displayUri, { credential, role: 'source' });
  };
  return { rules, stores: [...byUri.values()], passThrough };
}

export async function runGatewayServe(dest: string, o: Record<string, unknown>): Promise<void> {
  const port = parsePort(o['port']);
  const host = typeof o['host'] === 'string' ? o['host'] : '127.0.0.1';
  const tls = tlsFlags(o);
  const { rules, stores, passThrough } = openGatewayRules(dest, o);
  const { startGatewayServer } = await import('../../gateway/server.js');
  try {
    await serveUntilSignal(
      () => startGatewayServer({ rules, port, host, ...tls, superusers: (o['superuser'] as string[] | undefined) ?? [], logger: gatewayLogger(), passThrough }),
      { port, host },
      (s) => `lakeshift gateway serve: Gen1 API on ${s.url}/webhdfs/v1 from ${rules.map((r) => `/${r.sourcePrefix} -> ${r.store.displayUri}${r.destPath === '' ? '' : `/${r.destPath}`}`).join(', ')}`,
    );
  } finally {
    for (const s of stores) await s.close().catch(() => undefined);
  }
}

/** `gateway mirror GEN1 DEST`: opens Gen1 at its root, the Gen2 rules and the journal, then serves. */
export async function runGatewayMirror(gen1Uri: string, dest: string, o: Record<string, unknown>): Promise<void> {
  const port = parsePort(o['port']);
  const host = typeof o['host'] === 'string' ? o['host'] : '127.0.0.1';
  const tls = tlsFlags(o);
  await checkBindableHost(host);
  let loc;
  try {
    loc = parseLocation(gen1Uri);
  } catch (error) {
    if (isStorageError(error)) throw new UserError(error.message);
    throw error;
  }
  if (loc.kind !== 'gen1') throw new UserError(`gateway mirror: '${gen1Uri}' is not a Gen1 location; give adl://ACCOUNT.azuredatalakestore.net/ or a WebHDFS endpoint http(s)://HOST:PORT/webhdfs/v1/.`);
  const { rules, stores } = openGatewayRules(dest, o);
  const gen1 = openStore(`${loc.endpoint}/webhdfs/v1/`, { ...storeOptionsFrom(o), role: 'source' });
  const { openSqliteJobDb, resolveStateDir } = await import('../../state/db.js');
  const jobDb = await openSqliteJobDb(resolveStateDir(typeof o['stateDir'] === 'string' ? o['stateDir'] : undefined));
  const { openJournal } = await import('../../gateway/journal.js');
  const { startMirror } = await import('../../gateway/mirror.js');
  try {
    const journal = await openJournal(jobDb);
    await serveUntilSignal(
      () => startMirror({ gen1Endpoint: loc.endpoint, gen1, rules, journal, port, host, ...tls, logger: gatewayLogger(), holdApplier: process.env['LAKESHIFT_TEST_MIRROR_HOLD'] === '1' }),
      { port, host },
      (m) => `lakeshift gateway mirror: Gen1 API on ${m.url}/webhdfs/v1 forwarding to ${loc.endpoint}, mirroring to ${rules.map((r) => r.store.displayUri).join(', ')} (journal ${jobDb.location})`,
    );
  } finally {
    await gen1.close().catch(() => undefined);
    for (const s of stores) await s.close().catch(() => undefined);
    await jobDb.close();
  }
}
