import { randomBytes } from 'node:crypto';
import { BlobServiceClient, AnonymousCredential, StorageSharedKeyCredential, newPipeline } from '@azure/storage-blob';
import { aclEquivalent } from '../../core/acl.js';
import type { AclStatus } from '../../core/acl-types.js';
import { StorageError, isStorageError } from '../../core/errors.js';
import { parseLocation, type Gen2Location } from '../../core/uri.js';
import { createGen2Store, selectCredential, type Gen2Store, type Gen2StoreOptions } from '../../stores/gen2/index.js';
import type { CredentialChoice } from '../../stores/gen2/credentials.js';
import type { Plan } from '../../plan/plan-schema.js';
import type { RootAcl } from '../model.js';
import { grantedBy, type ProbeOperation } from './rights.js';

/**
 * `lakeshift prepare`: the data-plane part of provisioning on a live Gen2 account. Checks HNS, creates
 * each plan filesystem, sets its root owner, group, mode and ACLs (from Gen1 through the identity map)
 * and probes the caller's rights on a marker path it removes. Idempotent: a second run changes nothing.
 */

export const PROBE_PREFIX = '.lakeshift-prepare-probe-';

export interface PrepareOptions {
  /** The destination account (any filesystem part is ignored). */
  dest: string;
  plan: Plan;
  /** Desired root access control per filesystem; a filesystem without one is created only. */
  rootAcls: ReadonlyMap<string, RootAcl>;
  dryRun?: boolean;
  storeOptions?: Gen2StoreOptions;
  signal?: AbortSignal;
}

export interface ProbeResult {
  operation: ProbeOperation;
  ok: boolean | 'not-probed';
  detail?: string;
  /** What grants the right (when it is missing). */
  grantedBy?: string;
}

export interface FilesystemOutcome {
  name: string;
  existed: boolean;
  /** What was (or, with dryRun, would be) changed: 'create filesystem', 'owner a -> b', ... */
  changes: string[];
  root?: AclStatus;
  probes: ProbeResult[];
  error?: string;
}

export interface PrepareResult {
  account: string;
  hns: 'enabled' | 'disabled' | 'unknown';
  hnsEvidence: string;
  credential: CredentialChoice['kind'];
  dryRun: boolean;
  filesystems: FilesystemOutcome[];
  /** One line per missing right: operation, filesystem, what grants it. */
  missingRights: string[];
  /** Rights that could not be probed (a prerequisite failed), with what grants them. */
  unverifiedRights: string[];
  changed: boolean;
}

function accountLocation(dest: string): Gen2Location {
  const loc = parseLocation(dest);
  if (loc.kind !== 'gen2') throw new StorageError('invalid-argument', `DEST must be a Gen2 account (abfss://FS@ACCOUNT.dfs.core.windows.net/ or http://127.0.0.1:PORT/ACCOUNT/FS); got ${loc.kind} '${dest}'.`);
  return loc;
}

/** Get Account Information (x-ms-is-hns-enabled); 'unknown' when the credential may not ask. */
async function checkHns(loc: Gen2Location, credential: CredentialChoice, signal: AbortSignal | undefined): Promise<{ hns: PrepareResult['hns']; evidence: string }> {
  const opts = { retryOptions: { maxTries: 2 } };
  let client: BlobServiceClient;
  switch (credential.kind) {
    case 'shared-key': client = new BlobServiceClient(loc.blobEndpoint, newPipeline(new StorageSharedKeyCredential(credential.account, credential.key), opts)); break;
    case 'sas': client = new BlobServiceClient(`${loc.blobEndpoint}?${credential.sas}`, newPipeline(new AnonymousCredential(), opts)); break;
    case 'token': client = new BlobServiceClient(loc.blobEndpoint, newPipeline(credential.credential, opts)); break;
    case 'default-azure': {
      const { DefaultAzureCredential } = await import('@azure/identity');
      client = new BlobServiceClient(loc.blobEndpoint, newPipeline(new DefaultAzureCredential(), opts));
      break;
    }
    case 'anonymous': client = new BlobServiceClient(loc.blobEndpoint, newPipeline(new AnonymousCredential(), opts)); break;
  }
  try {
    const info = await client.getAccountInfo({ ...(signal ? { abortSignal: signal } : {}) });
    if (info.isHierarchicalNamespaceEnabled === undefined) return { hns: 'unknown', evidence: 'Get Account Information gave no x-ms-is-hns-enabled header' };
    return { hns: info.isHierarchicalNamespaceEnabled ? 'enabled' : 'disabled', evidence: `Get Account Information: x-ms-is-hns-enabled ${String(info.isHierarchicalNamespaceEnabled)}, ${info.accountKind ?? '?'} ${info.skuName ?? '?'}` };
  } catch (error) {
    const status = (error as { statusCode?: number }).statusCode;
    if (status === 401 || status === 403) return { hns: 'unknown', evidence: `Get Account Information refused (${status}); judged from the ACL calls below` };
    throw new StorageError('transient', `Cannot reach the Gen2 account ${loc.account}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

const modeText = (m: number): string => `${(m & 0o1000) !== 0 ? 't' : ''}${(m & 0o777).toString(8).padStart(3, '0')}`;

/** The differences between the root as it is and as it should be (empty: nothing to do). */
export function rootDifferences(current: AclStatus, want: RootAcl): string[] {
  const out: string[] = [];
  if (current.owner !== want.owner) out.push(`owner ${current.owner} -> ${want.owner}`);
  if (current.group !== want.group) out.push(`group ${current.group} -> ${want.group}`);
  if (!aclEquivalent(current.entries, want.entries)) out.push('ACL (access and default entries)');
  if ((current.permissions & 0o1000) !== (want.permissions & 0o1000)) out.push(`sticky bit ${modeText(current.permissions)} -> ${modeText(want.permissions)}`);
  return out;
}

function failure(error: unknown): string {
  if (isStorageError(error)) return `${error.code}${error.serverCode ? ` ${error.serverCode}` : ''}`;
  return error instanceof Error ? error.message : String(error);
}

const denied = (error: unknown): boolean => isStorageError(error, 'permission-denied') || isStorageError(error, 'auth-failed');

/** Probes create, list, set-ACL, set-owner and delete on a marker directory it removes. */
async function probeRights(store: Gen2Store, credential: CredentialChoice['kind'], root: AclStatus | undefined, dryRun: boolean): Promise<ProbeResult[]> {
  const results: ProbeResult[] = [];
  const record = async (operation: ProbeOperation, fn: () => Promise<unknown>): Promise<boolean> => {
    try {
      await fn();
      results.push({ operation, ok: true });
      return true;
    } catch (error) {
      if (!denied(error)) throw error;
      results.push({ operation, ok: false, detail: failure(error), grantedBy: grantedBy(operation, credential) });
      return false;
    }
  };
  await record('list', async () => {
    for await (const page of store.list('', { pageSize: 1 })) {
      void page;
      break;
    }
  });
  if (dryRun) {
    for (const operation of ['create', 'set-acl', 'set-owner', 'delete'] as const) results.push({ operation, ok: 'not-probed', detail: '--dry-run writes nothing' });
    return results;
  }
  const marker = `${PROBE_PREFIX}${randomBytes(4).toString('hex')}`;
  const created = await record('create', () => store.mkdir(marker));
  const target = created ? marker : '';
  const status = created ? await store.getAcl(marker).catch(() => undefined) : root;
  if (status === undefined) {
    for (const operation of ['set-acl', 'set-owner'] as const) results.push({ operation, ok: 'not-probed', detail: 'could not read an ACL to write back unchanged', grantedBy: grantedBy(operation, credential) });
  } else {
    // Writes the same values back: the right is tested, nothing changes.
    await record('set-acl', () => store.setAcl(target, status.entries));
    await record('set-owner', () => store.setOwner(target, status.owner, undefined));
  }
  if (created) await record('delete', () => store.remove(marker, { recursive: true }));
  else results.push({ operation: 'delete', ok: 'not-probed', detail: 'no marker could be created', grantedBy: grantedBy('delete', credential) });
  return results;
}

async function prepareFilesystem(loc: Gen2Location, name: string, want: RootAcl | undefined, options: PrepareOptions, credential: CredentialChoice['kind']): Promise<FilesystemOutcome> {
  const open = (createFilesystem: boolean): Gen2Store => createGen2Store({ ...loc, filesystem: name, path: '' }, { ...(options.storeOptions ?? {}), createFilesystem, maxRetries: 2 });
  // Without createFilesystem a missing filesystem answers not-found instead of being created.
  let store = open(false);
  const outcome: FilesystemOutcome = { name, existed: true, changes: [], probes: [] };
  const call = options.signal ? { signal: options.signal } : {};
  try {
    try {
      // Falls back to a one-entry listing for a service SAS, which may not read container properties.
      await store.checkConnectivity(call);
    } catch (error) {
      if (denied(error)) {
        outcome.probes.push({ operation: 'list', ok: false, detail: failure(error), grantedBy: grantedBy('list', credential) });
        outcome.error = 'cannot see the filesystem';
        return outcome;
      }
      if (!isStorageError(error, 'not-found')) throw error;
      outcome.existed = false;
      outcome.changes.push('create filesystem');
      if (options.dryRun) {
        if (want !== undefined) outcome.changes.push(...rootDifferences({ owner: '$superuser', group: '$superuser', permissions: 0o750, entries: [] }, want));
        outcome.probes.push({ operation: 'create-filesystem', ok: 'not-probed', detail: '--dry-run writes nothing' });
        return outcome;
      }
      await store.close();
      store = open(true);
      try {
        await store.ensureFilesystem(options.signal);
        outcome.probes.push({ operation: 'create-filesystem', ok: true });
      } catch (createError) {
        if (!denied(createError)) throw createError;
        outcome.probes.push({ operation: 'create-filesystem', ok: false, detail: failure(createError), grantedBy: grantedBy('create-filesystem', credential) });
        outcome.changes.pop();
        outcome.error = 'the filesystem does not exist and could not be created';
        return outcome;
      }
    }
    let current: AclStatus;
    try {
      current = await store.getAcl('', call);
      outcome.probes.push({ operation: 'read-acl', ok: true });
    } catch (error) {
      if (!denied(error)) throw error;
      outcome.probes.push({ operation: 'read-acl', ok: false, detail: failure(error), grantedBy: grantedBy('read-acl', credential) });
      if (want !== undefined) outcome.error = 'cannot read the root access control, so cannot compare or set it';
      outcome.probes.push(...await probeRights(store, credential, undefined, options.dryRun === true));
      return outcome;
    }
    if (want !== undefined) {
      const diff = rootDifferences(current, want);
      outcome.changes.push(...diff);
      if (diff.length > 0 && !options.dryRun) {
        try {
          await store.setAccessControl('', { owner: want.owner, group: want.group, entries: want.entries }, call);
          if ((current.permissions & 0o1000) !== (want.permissions & 0o1000) || (want.permissions & 0o1000) !== 0) {
            const after = await store.getAcl('', call);
            if ((after.permissions & 0o1000) !== (want.permissions & 0o1000)) await store.setPermissions('', (after.permissions & 0o777) | (want.permissions & 0o1000), call);
          }
        } catch (error) {
          if (!denied(error)) throw error;
          outcome.error = `cannot set the root access control (${failure(error)}): needs ${grantedBy('set-owner', credential)}`;
        }
        current = await store.getAcl('', call);
      }
    }
    outcome.root = current;
    outcome.probes.push(...await probeRights(store, credential, current, options.dryRun === true));
    return outcome;
  } finally {
    await store.close();
  }
}

/**
 * Runs prepare. Throws StorageError: invalid-argument (DEST not Gen2), not-supported (HNS off: the
 * account cannot receive a Gen1 migration), transient/not-found (unreachable). Missing rights are
 * results, not exceptions.
 */
export async function runPrepare(options: PrepareOptions): Promise<PrepareResult> {
  const loc = accountLocation(options.dest);
  const credential = selectCredential(loc, options.storeOptions ?? {}, options.storeOptions?.env ?? process.env);
  const { hns, evidence } = await checkHns(loc, credential, options.signal);
  if (hns === 'disabled') throw new StorageError('not-supported', `The Gen2 account ${loc.account} has no hierarchical namespace (${evidence}). A Gen1 migration needs isHnsEnabled: true, which is set only when the account is created: create one with lakeshift provision.`);
  const names = [...new Set(options.plan.datasets.map((d) => d.target.filesystem))].sort();
  const filesystems: FilesystemOutcome[] = [];
  for (const name of names) filesystems.push(await prepareFilesystem(loc, name, options.rootAcls.get(name), options, credential.kind));
  const missingRights = filesystems.flatMap((f) => f.probes.filter((p) => p.ok === false).map((p) => `${f.name}: ${p.operation} refused (${p.detail ?? ''}); granted by ${p.grantedBy ?? '?'}`));
  const unverifiedRights = filesystems.flatMap((f) => f.probes.filter((p) => p.ok === 'not-probed' && p.grantedBy !== undefined).map((p) => `${f.name}: ${p.operation} not probed (${p.detail ?? ''}); needs ${p.grantedBy ?? '?'}`));
  return {
    account: loc.account, hns, hnsEvidence: evidence, credential: credential.kind, dryRun: options.dryRun === true, filesystems, missingRights, unverifiedRights,
    changed: options.dryRun !== true && filesystems.some((f) => f.changes.length > 0 && f.error === undefined),
  };
}
