import { pino, type Logger } from 'pino';
import type { AclEntry, AclStatus } from '../core/acl-types.js';
import type { Entry } from '../core/entry.js';
import type {
  AccessControlChange, CallOptions, ChunkedWriter, CommitOptions, ListOptions, MkdirOptions, ReadRange, RemoveOptions, RenameOptions, Store, WriteOptions,
} from '../core/store.js';
import { Applier } from './applier.js';
import type { Journal } from './journal.js';
import { PathMapper } from './mapping.js';

/**
 * A store that writes to two stores (dual pipeline for pipelines written in TypeScript). Reads come
 * from the primary, the system of record. Every change is journalled in the same journal as
 * `gateway mirror`, and the applier makes the secondary match the primary by state.
 *
 * - `sync`: both must succeed. A file is staged on both and committed on the secondary, then on the
 *   primary; if either fails, both writers are aborted and the call fails. Other changes run on the
 *   primary, then the secondary; if the secondary fails the call fails (the primary has changed) and
 *   the journal entry stays until the applier has repaired the secondary.
 * - `primary-ack`: the change is done on the primary and acknowledged; the secondary follows from
 *   the journal in the background (a secondary outage only grows the backlog).
 * - `shadow`: best effort, not journalled: the secondary gets the same call after the primary, and
 *   failures are only counted (stats().shadowFailures).
 */

export type TeeMode = 'sync' | 'primary-ack' | 'shadow';

export interface TeeOptions {
  journal: Journal;
  /** Journal key (default: `primary -> secondary` display URIs). */
  pair?: string;
  logger?: Logger;
  retryBaseMs?: number;
  pollMs?: number;
}

export interface TeeStore extends Store {
  readonly mode: TeeMode;
  /** Resolves when the background applier is idle. */
  idle(): Promise<void>;
  /** Unapplied journal entries. */
  backlog(): Promise<number>;
  stats(): { shadowFailures: number };
}

class TeeWriter implements ChunkedWriter {
  constructor(readonly path: string, private readonly a: ChunkedWriter, private readonly b: ChunkedWriter | undefined, private readonly finish: (ok: boolean) => Promise<void>) {}

  async write(offset: number, data: Uint8Array, options?: CallOptions): Promise<void> {
    await Promise.all([this.a.write(offset, data, options), this.b?.write(offset, data, options)]);
  }

  async commit(options: CommitOptions): Promise<Entry> {
    try {
      await this.b?.commit(options);
      const entry = await this.a.commit(options);
      await this.finish(true);
      return entry;
    } catch (error) {
      await this.abort();
      throw error;
    }
  }

  async abort(): Promise<void> {
    await Promise.allSettled([this.a.abort(), this.b?.abort()]);
    await this.finish(false);
  }
}

export function createTeeStore(primary: Store, secondary: Store, mode: TeeMode, options: TeeOptions): TeeStore {
  const logger = options.logger ?? pino({ level: 'silent' });
  const pair = options.pair ?? `${primary.displayUri} -> ${secondary.displayUri}`;
  const { journal } = options;
  const applier = new Applier({
    gen1: primary, mapper: new PathMapper([{ sourcePrefix: '', store: secondary, destPath: '' }]), journal, pair, logger,
    ...(options.retryBaseMs === undefined ? {} : { retryBaseMs: options.retryBaseMs }),
    ...(options.pollMs === undefined ? {} : { pollMs: options.pollMs }),
  });
  if (mode !== 'shadow') {
    // Entries of a process that died mid-change: the applier reads the primary's state for them.
    void journal.recoverPending(pair).then(() => applier.start());
  }
  let shadowFailures = 0;

  /** Runs a change on the primary (and per mode the secondary), journalled unless shadow. */
  const change = async <T>(op: string, path: string, path2: string, onPrimary: () => Promise<T>, onSecondary: () => Promise<unknown>): Promise<T> => {
    if (mode === 'shadow') {
      const result = await onPrimary();
      await onSecondary().catch((error: unknown) => {
        shadowFailures++;
        logger.warn({ op, path, error: error instanceof Error ? error.message : String(error) }, 'tee.shadow_failed');
      });
      return result;
    }
    const id = await journal.record(pair, op, path, path2);
    let result: T;
    try {
      result = await onPrimary();
    } catch (error) {
      await journal.markReady(id);
      throw error;
    }
    if (mode === 'sync') {
      try {
        await onSecondary();
      } catch (error) {
        // The primary changed: the entry stays for the applier to repair the secondary by state.
        await journal.markReady(id);
        applier.kick();
        throw error;
      }
      await journal.done([id]);
    } else {
      await journal.markReady(id);
      applier.kick();
    }
    return result;
  };

  const store: TeeStore = {
    mode,
    displayUri: `tee(${primary.displayUri}, ${secondary.displayUri})`,
    capabilities: primary.capabilities,
    stat: (path, o) => primary.stat(path, o),
    list: (path: string, o?: ListOptions) => primary.list(path, o),
    openRead: (path: string, range?: ReadRange, o?: CallOptions) => primary.openRead(path, range, o),
    async createWriter(path: string, o?: WriteOptions): Promise<ChunkedWriter> {
      const a = await primary.createWriter(path, o);
      if (mode === 'shadow') {
        return new TeeWriter(path, a, undefined, async (ok) => {
          if (ok) await change('TEE-WRITE', path, '', () => Promise.resolve(), () => applierCopy(path));
        });
      }
      const id = await journal.record(pair, 'TEE-WRITE', path);
      const b = mode === 'sync' ? await secondary.createWriter(path, o).catch(async (error: unknown) => {
        await a.abort();
        await journal.markReady(id);
        throw error;
      }) : undefined;
      return new TeeWriter(path, a, b, async (ok) => {
        if (ok && mode === 'sync') {
          // Both committed: the owner, group and ACL given at create are already on both sides.
          await journal.done([id]);
          return;
        }
        await journal.markReady(id);
        applier.kick();
      });
    },
    mkdir: (path: string, o?: MkdirOptions) => change('MKDIRS', path, '', () => primary.mkdir(path, o), () => secondary.mkdir(path, o)),
    remove: (path: string, o?: RemoveOptions) => change('DELETE', path, '', () => primary.remove(path, o), () => secondary.remove(path, o)),
    rename: (from: string, to: string, o?: RenameOptions) => change('RENAME', from, to, () => primary.rename(from, to, o), () => secondary.rename(from, to, o)),
    getAcl: (path: string, o?: CallOptions): Promise<AclStatus> => primary.getAcl(path, o),
    setAcl: (path: string, entries: AclEntry[], o?: CallOptions) => change('SETACL', path, '', () => primary.setAcl(path, entries, o), () => secondary.setAcl(path, entries, o)),
    setOwner: (path: string, owner: string | undefined, group: string | undefined, o?: CallOptions) =>
      change('SETOWNER', path, '', () => primary.setOwner(path, owner, group, o), () => secondary.setOwner(path, owner, group, o)),
    setPermissions: (path: string, m: number, o?: CallOptions) => change('SETPERMISSION', path, '', () => primary.setPermissions(path, m, o), () => secondary.setPermissions(path, m, o)),
    getProperties: (path: string, o?: CallOptions) => primary.getProperties(path, o),
    setProperties: (path: string, p: Record<string, string>, o?: CallOptions) => change('SETPROPERTIES', path, '', () => primary.setProperties(path, p, o), () => secondary.setProperties(path, p, o)),
    idle: () => applier.idle(),
    backlog: async () => (await journal.backlog(pair)).count,
    stats: () => ({ shadowFailures }),
    async close(): Promise<void> {
      await applier.stop();
    },
  };
  if (primary.setAccessControl !== undefined) {
    const set = primary.setAccessControl.bind(primary);
    store.setAccessControl = (path: string, c: AccessControlChange, o?: CallOptions) =>
      change('SETACL', path, '', () => set(path, c, o), async () => {
        if (secondary.setAccessControl !== undefined) await secondary.setAccessControl(path, c, o);
        else await applierCopy(path);
      });
  }
  /** The secondary's copy of a path brought to the primary's state (shadow writes, fallbacks). */
  async function applierCopy(path: string): Promise<void> {
    const { reconcilePath } = await import('./reconcile.js');
    await reconcilePath(primary, path, secondary, path, { content: 'always' });
  }
  return store;
}
