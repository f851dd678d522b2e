import type { AclStatus } from '../core/acl-types.js';
import type { Entry } from '../core/entry.js';
import { StorageError, isStorageError } from '../core/errors.js';
import type { Store } from '../core/store.js';
import { AclCollector } from './acl-collector.js';
import { CappedList } from './bounded.js';
import { InventoryCollector } from './collector.js';
import { buildReport } from './build-report.js';
import { DEFAULT_PRICE_TABLE, type PriceTable } from './prices.js';
import type { AssessReport } from './report-schema.js';
import { RuleCounter } from './rule-counter.js';
import { traverseNamespace } from './traverse.js';

export interface AssessOptions {
  /** Folders whose newest descendant is older than this many days are clean-up candidates (default 40). */
  inactiveDays?: number;
  /** Copy throughput for the estimates, megabits per second (default: published portal tool rate). */
  throughputMbps?: number;
  /** Item creation rate for the estimates (default: published portal tool metadata rate). */
  itemsPerSecond?: number;
  /** Downtime the user tolerates, hours; estimates say whether each pattern fits. */
  downtimeHours?: number;
  /** Source principals the identity map covers; principals outside it are reported. */
  identityMap?: ReadonlySet<string>;
  priceTable?: PriceTable;
  /** Listing page size hint (default 5000). */
  pageSize?: number;
  /** Concurrent getAcl requests for paths with extended ACLs (default 8). */
  aclConcurrency?: number;
  /** Reference time for ages (default: now). */
  nowMs?: number;
  signal?: AbortSignal;
  /** Special files of a local source (links, sockets, FIFOs, devices), which listings skip. */
  listSpecialFiles?: () => AsyncIterable<string>;
  /** Progress callback: entries scanned so far (called about once per page). */
  onProgress?: (entries: number) => void;
  toolVersion?: string;
}

export interface AssessResult {
  report: AssessReport;
  /** The error that stopped the scan early (report.complete is then false), if any. */
  error: unknown;
}

/**
 * Scans a store's whole namespace with bounded memory and builds the assessment report. Never throws
 * for store failures: permission-denied paths are counted in `report.unreadable`; any other failure
 * stops the scan, marks the report incomplete (report.complete false, report.error set) and is
 * returned as `error`. Read-only: it never writes to the store.
 */
export async function assessStore(store: Store, options: AssessOptions = {}): Promise<AssessResult> {
  const startedAt = new Date();
  const started = performance.now();
  const nowMs = options.nowMs ?? startedAt.getTime();
  const inactiveDays = options.inactiveDays ?? 40;
  const rules = new RuleCounter();
  const inventory = new InventoryCollector({ nowMs, inactiveDays }, rules);
  const acl = new AclCollector(rules, options.identityMap ?? null);
  const unreadable = new CappedList<{ path: string; code: string; message: string }>(50);
  const noteUnreadable = (path: string, error: StorageError): void => {
    unreadable.add({ path, code: error.code, message: error.message });
  };

  const concurrency = Math.max(1, options.aclConcurrency ?? 8);
  const inFlight = new Set<Promise<void>>();
  let aclFailure: unknown;
  const fetchAcl = (path: string): void => {
    const task = store
      .getAcl(path, options.signal === undefined ? {} : { signal: options.signal })
      .then((status: AclStatus) => acl.addFull(path, status))
      .catch((error: unknown) => {
        if (isStorageError(error, 'permission-denied')) noteUnreadable(path, error);
        else if (!isStorageError(error, 'not-found')) aclFailure ??= error; // not-found: deleted during the scan
      })
      .finally(() => inFlight.delete(task));
    inFlight.add(task);
  };

  let failure: unknown;
  try {
    await scanRoot(store, acl, fetchAcl);
    for await (const page of traverseNamespace(store, { pageSize: options.pageSize ?? 5000, ...(options.signal === undefined ? {} : { signal: options.signal }) }, noteUnreadable)) {
      for (const entry of page) {
        inventory.add(entry);
        if (entry.hasAcl === true) {
          while (inFlight.size >= concurrency) await Promise.race(inFlight);
          if (aclFailure !== undefined) throw aclFailure;
          fetchAcl(entry.path);
        } else acl.addBaseOnly(entry);
      }
      options.onProgress?.(inventory.entries);
    }
    if (options.listSpecialFiles !== undefined) {
      for await (const path of options.listSpecialFiles()) inventory.addSpecial(path);
    }
    await Promise.all(inFlight);
    if (aclFailure !== undefined) throw aclFailure;
  } catch (error) {
    failure = error;
    await Promise.allSettled(inFlight);
  }
  inventory.finish();

  const finishedAt = new Date();
  const report = buildReport({
    store,
    inventory,
    acl,
    rules,
    unreadable: { count: unreadable.count, examples: unreadable.items },
    startedAt,
    finishedAt,
    durationMs: performance.now() - started,
    failure,
    options: {
      inactiveDays,
      throughputMbps: options.throughputMbps ?? null,
      itemsPerSecond: options.itemsPerSecond ?? null,
      downtimeHours: options.downtimeHours ?? null,
      identityMapGiven: options.identityMap !== undefined,
    },
    prices: options.priceTable ?? DEFAULT_PRICE_TABLE,
    toolVersion: options.toolVersion ?? '0.1.0',
  });
  return { report, error: failure };
}

/** The root is not part of the walk: its ACL matters (it must be replicated to every filesystem root). */
async function scanRoot(store: Store, acl: AclCollector, fetchAcl: (path: string) => void): Promise<void> {
  let root: Entry;
  try {
    root = await store.stat('');
  } catch (error) {
    if (error instanceof StorageError && (error.code === 'permission-denied' || error.code === 'not-supported')) return;
    throw error;
  }
  if (root.hasAcl === true) fetchAcl('');
}
