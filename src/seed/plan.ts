import { parentPath, pathSegments } from '../core/entry.js';
import type { AclEntry } from '../core/acl-types.js';
import { buildAcl, seedPrincipals, type NamedGrant, type Principals } from './principals.js';
import { Random, hashString } from './random.js';
import type { AwkwardKind, SeedItem, SeedProfile } from './types.js';

/** The seeded lake's "now": every time is relative to it, so runs on different days match. */
export const SEED_EPOCH_MS = Date.UTC(2024, 0, 31, 12, 0, 0);
const DAY_MS = 86_400_000;
const YEAR_MS = 365 * DAY_MS;
const MIB = 1024 * 1024;

interface Scale {
  /** Day partitions per time-partitioned data set, and files per partition. */
  salesDays: number;
  salesParts: number;
  eventDays: number;
  eventParts: number;
  logDays: number;
  logsPerDay: number;
  minSize: number;
  maxSize: number;
  bigFiles: number[];
}

function scaleFor(profile: SeedProfile, files: number): Scale {
  switch (profile) {
    case 'small':
      return { salesDays: 6, salesParts: 2, eventDays: 4, eventParts: 2, logDays: 3, logsPerDay: 1, minSize: 0, maxSize: 64 * 1024, bigFiles: [MIB + 3] };
    case 'demo':
      return { salesDays: 36, salesParts: 3, eventDays: 20, eventParts: 3, logDays: 10, logsPerDay: 1, minSize: 4096, maxSize: MIB, bigFiles: [16 * MIB + 1, 8 * MIB] };
    case 'bench': {
      // About 60% sales, 30% events, 10% hourly logs (a million files span about 8 years); the
      // fixed data sets add about 50 files, and the large directory's files count towards the total.
      files = Math.max(1, files - largeDirectoryChildren('bench'));
      return {
        salesDays: Math.max(1, Math.ceil((files * 0.6) / 201)), salesParts: 200,
        eventDays: Math.max(1, Math.ceil((files * 0.3) / 100)), eventParts: 100,
        logDays: Math.max(1, Math.ceil((files * 0.1) / 24)), logsPerDay: 24, minSize: 0, maxSize: 16 * 1024, bigFiles: [256 * MIB, 100 * MIB],
      };
    }
  }
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** Awkward names, relative to `awkward/`. Each kind appears at least once. */
const AWKWARD: { name: string; kind: AwkwardKind }[] = [
  { name: 'file with spaces.csv', kind: 'space' },
  { name: 'caf\u00e9.txt', kind: 'nfc' },
  { name: 'cafe\u0301.txt', kind: 'nfd' },
  { name: '100% done.txt', kind: 'percent' },
  { name: '%41%2F%20encoded.txt', kind: 'percent-encoded' },
  { name: '#hashtag.txt', kind: 'hash' },
  { name: 'a+b=c.txt', kind: 'plus' },
  { name: 'ends-with-dot.', kind: 'trailing-dot' },
  { name: 'report 12:30.log', kind: 'colon' },
  { name: '   ', kind: 'only-spaces' },
  { name: 'why?.txt', kind: 'question' },
  { name: '.hidden-config', kind: 'leading-dot' },
  { name: '日本語のデータ.csv', kind: 'unicode' },
  { name: '😀 emoji.txt', kind: 'emoji' },
  { name: `${'long-name-'.repeat(20)}end.txt`, kind: 'long-name' },
  { name: 'dir with spaces/nested file.json', kind: 'space' },
  { name: 'folder.with.dots./inside.txt', kind: 'trailing-dot' },
];

/**
 * Generates the deterministic plan of a seeded lake: every directory before its contents, the
 * same items in the same order on every run. Streams (bench plans have millions of items).
 */
export function* planLake(profile: SeedProfile, files = 100_000): Generator<SeedItem> {
  const random = new Random(hashString(`lakeshift-seed:${profile}:${profile === 'bench' ? files : 0}`));
  const who = seedPrincipals();
  const scale = scaleFor(profile, files);
  const emitted = new Set<string>();
  const pastTime = (maxAgeMs: number): number => SEED_EPOCH_MS - random.int(0, maxAgeMs);
  const accessAfter = (mtimeMs: number): number => Math.min(SEED_EPOCH_MS, mtimeMs + random.int(0, 90 * DAY_MS));
  const size = (): number => random.logSize(scale.minSize, scale.maxSize);

  function* dir(path: string, extra: Partial<SeedItem> = {}): Generator<SeedItem> {
    if (path === '' || emitted.has(path)) return;
    yield* dir(parentPath(path));
    emitted.add(path);
    const mtimeMs = extra.mtimeMs ?? pastTime(3 * YEAR_MS);
    yield { kind: 'directory', path, size: 0, mtimeMs, atimeMs: accessAfter(mtimeMs), ...extra };
  }
  // Bench lakes keep per-file metadata to times only (one request per file), except special files.
  const lean = profile === 'bench';
  function* file(path: string, bytes: number, extra: Partial<SeedItem> = {}): Generator<SeedItem> {
    yield* dir(parentPath(path));
    const mtimeMs = extra.mtimeMs ?? pastTime(3 * YEAR_MS);
    const item: SeedItem = { kind: 'file', path, size: bytes, mtimeMs, atimeMs: accessAfter(mtimeMs), ...extra };
    if (lean && item.acl === undefined && item.awkward === undefined && item.expiryMs === undefined) {
      delete item.owner;
      delete item.group;
      delete item.permissions;
    }
    yield item;
  }
  const etlOwned = { owner: who.etl, group: who.dataEngineers };
  const analystsRead: NamedGrant[] = [{ type: 'group', id: who.analysts, perms: 5 }, { type: 'user', id: who.users[0] ?? '', perms: 7 }];

  // curated/sales: Hive-style partitions year=/month=/day=, Parquet-like parts and _SUCCESS markers.
  yield* dir('curated', { ...etlOwned, permissions: 0o750, acl: buildAcl(0o750, analystsRead, true) });
  yield* dir('curated/sales', { ...etlOwned, permissions: 0o750, acl: buildAcl(0o750, analystsRead, true) });
  for (let d = 0; d < scale.salesDays; d++) {
    const day = new Date(SEED_EPOCH_MS - (scale.salesDays - d) * DAY_MS);
    const partition = `curated/sales/year=${day.getUTCFullYear()}/month=${pad(day.getUTCMonth() + 1)}/day=${pad(day.getUTCDate())}`;
    const written = day.getTime() + 3 * 3_600_000;
    yield* dir(partition, { ...etlOwned, mtimeMs: written, permissions: 0o750 });
    for (let p = 0; p < scale.salesParts; p++) {
      yield* file(`${partition}/part-${pad(p, 5)}-${hashString(partition).toString(16)}.snappy.parquet`, size(), { ...etlOwned, mtimeMs: written + p * 1000 });
    }
    yield* file(`${partition}/_SUCCESS`, 0, { ...etlOwned, mtimeMs: written + 60_000 });
  }
  yield* dir('curated/sales/_temporary', { ...etlOwned, empty: true });
  for (let p = 0; p < 3; p++) yield* file(`curated/customers/part-${pad(p, 5)}.parquet`, size(), etlOwned);

  // raw/: daily ingest folders with JSON lines and application logs in yyyy/mm/dd folders.
  yield* dir('raw', { ...etlOwned, permissions: 0o770 });
  for (let d = 0; d < scale.eventDays; d++) {
    const day = new Date(SEED_EPOCH_MS - (scale.eventDays - d) * DAY_MS);
    const folder = `raw/events/ingest_date=${day.toISOString().slice(0, 10)}`;
    for (let p = 0; p < scale.eventParts; p++) yield* file(`${folder}/events-${pad(p, 5)}.json`, size(), { ...etlOwned, mtimeMs: day.getTime() + p * 60_000 });
  }
  for (let d = 0; d < scale.logDays; d++) {
    const day = new Date(SEED_EPOCH_MS - (scale.logDays - d) * DAY_MS);
    const folder = `raw/logs/app/${day.getUTCFullYear()}/${pad(day.getUTCMonth() + 1)}/${pad(day.getUTCDate())}`;
    for (let h = 0; h < scale.logsPerDay; h++) {
      const name = scale.logsPerDay === 1 ? 'app.log' : `app-${pad(h)}.log`;
      yield* file(`${folder}/${name}`, size(), { ...etlOwned, mtimeMs: day.getTime() + (h + 1) * 3_600_000 - 1 });
    }
  }

  // secure/finance: an ACL near the 32-entry limit (30 access and 30 default entries).
  const many: NamedGrant[] = [
    ...who.users.slice(1, 14).map((id): NamedGrant => ({ type: 'user', id, perms: 5 })),
    ...who.groups.slice(2, 15).map((id): NamedGrant => ({ type: 'group', id, perms: 5 })),
  ];
  yield* dir('secure', { owner: who.users[1] ?? '', group: who.finance, permissions: 0o750 });
  yield* dir('secure/finance', { owner: who.users[1] ?? '', group: who.finance, permissions: 0o750, acl: buildAcl(0o750, many, true) });
  for (let y = 2019; y <= 2023; y++) {
    yield* file(`secure/finance/ledger-${y}.csv`, size(), { owner: who.users[1] ?? '', group: who.finance, mtimeMs: Date.UTC(y, 11, 31), acl: buildAcl(0o640, many.slice(0, 4), false) });
  }

  // shared/tmp: a sticky world-writable folder with files of several owners.
  yield* dir('shared', { permissions: 0o755 });
  yield* dir('shared/tmp', { permissions: 0o1777 });
  for (let u = 0; u < 4; u++) {
    const owner = who.users[20 + u] ?? '';
    yield* file(`shared/tmp/scratch-${u}.tmp`, size(), { owner, group: who.analysts, permissions: 0o644 });
  }

  // staging: empty directories.
  for (const name of ['incoming', 'rejected', 'quarantine']) yield* dir(`staging/${name}`, { empty: true, permissions: 0o770 });

  // archive: old data (years back) and files that expire.
  for (let y = 2016; y <= 2019; y++) yield* file(`archive/${y}/snapshot-${y}.parquet`, size(), { mtimeMs: Date.UTC(y, 5, 30), atimeMs: Date.UTC(y, 6, 1) });
  for (let i = 0; i < 3; i++) {
    yield* file(`archive/expiring/export-${i}.csv`, size(), { expiryMs: Date.UTC(2031 + i, 0, 1), mtimeMs: pastTime(YEAR_MS) });
  }

  // awkward names and a path deeper than Gen2's 60-segment limit.
  for (const { name, kind } of AWKWARD) yield* file(`awkward/${name}`, random.int(0, 2048), { awkward: kind });
  const deep = Array.from({ length: 64 }, (_, i) => `l${pad(i + 1)}`).join('/');
  yield* file(`deep/${deep}/leaf.txt`, 100, { awkward: 'deep' });

  // big files: streamed in chunks.
  for (const [i, bytes] of scale.bigFiles.entries()) yield* file(`big/blob-${i}.bin`, bytes, { mtimeMs: pastTime(YEAR_MS) });

  yield* planAssessCases(profile, who, file, dir);
}

type FileFn = (path: string, bytes: number, extra?: Partial<SeedItem>) => Generator<SeedItem>;
type DirFn = (path: string, extra?: Partial<SeedItem>) => Generator<SeedItem>;

/** Paths of the seeded cases the assessment rules look for (see `ASSESS_CASES`). */
const LONG_SEGMENT = (i: number): string => `${`segment-${i}-`.padEnd(199, 'x')}${i}`;
const LONG_DIR = `long-paths/${[1, 2, 3, 4, 5].map(LONG_SEGMENT).join('/')}`;

/**
 * Where each assessment-rule case lives in every seeded lake (the large directory only in the bench
 * profile, see `largeDirectoryChildren`). Paths are store-relative.
 */
export const ASSESS_CASES = {
  /** path-too-long: a file whose path is over 1,024 characters (each segment under Gen1's 255 bytes). */
  longPath: `${LONG_DIR}/leaf-beyond-1024-characters.txt`,
  /** acl-principal-not-object-id: owner and a named ACL entry that are UPNs, not object IDs. */
  upnFolder: 'identities/upn-owned',
  upnOwner: 'alice@contoso.com',
  upnNamedUser: 'bob@contoso.com',
  /** filesystem-name-changes: a top-level folder that is not a valid Gen2 filesystem name. */
  renamedTopLevel: 'Sales Data',
  /** unreadable-paths: mode 0700, owned by another object ID. */
  unreadableFolder: 'restricted/hr-private',
  /** large-directories: a folder with more than 4,000 direct children (empty files). */
  largeDirectory: 'landing/many-small-files',
} as const;

/**
 * Children of the large directory per profile: bench only. Measured through the on-disk Gen1
 * emulator at concurrency 16, 4,001 empty files took the demo seed from about 4.5 s to about 31 s,
 * so the small and demo profiles leave the case out.
 */
export function largeDirectoryChildren(profile: SeedProfile): number {
  return profile === 'bench' ? 4001 : 0;
}

/** The extended ACL of the lake root (root-acl-replication): analysts may read and traverse. */
export function rootAcl(): AclEntry[] {
  return buildAcl(0o755, [{ type: 'group', id: seedPrincipals().analysts, perms: 5 }], true);
}

function* planAssessCases(profile: SeedProfile, who: Principals, file: FileFn, dir: DirFn): Generator<SeedItem> {
  // path-too-long: five nested ~200-character folders.
  yield* file(ASSESS_CASES.longPath, 64, { mtimeMs: SEED_EPOCH_MS - 30 * DAY_MS });

  // acl-principal-not-object-id: a folder and a file owned by a UPN, with a UPN named entry.
  const upnAcl = (withDefault: boolean, mode: number): AclEntry[] => buildAcl(mode, [{ type: 'user', id: ASSESS_CASES.upnNamedUser, perms: 5 }], withDefault);
  yield* dir(ASSESS_CASES.upnFolder, { owner: ASSESS_CASES.upnOwner, group: who.analysts, permissions: 0o750, acl: upnAcl(true, 0o750) });
  yield* file(`${ASSESS_CASES.upnFolder}/notes.txt`, 120, { owner: ASSESS_CASES.upnOwner, group: who.analysts, acl: upnAcl(false, 0o640) });

  // filesystem-name-changes: a top-level folder with a space and capitals.
  yield* file(`${ASSESS_CASES.renamedTopLevel}/2023/q4-summary.csv`, 512, { owner: who.etl, group: who.dataEngineers, mtimeMs: Date.UTC(2024, 0, 2) });

  // unreadable-paths: a private folder of another user (the seed runs as superuser).
  const hr = who.users[30] ?? '';
  yield* dir('restricted', { owner: hr, group: who.finance, permissions: 0o755 });
  yield* dir(ASSESS_CASES.unreadableFolder, { owner: hr, group: who.finance, permissions: 0o700 });
  yield* file(`${ASSESS_CASES.unreadableFolder}/salaries-2023.csv`, 256, { owner: hr, group: who.finance, permissions: 0o600, mtimeMs: Date.UTC(2023, 11, 15) });

  // large-directories: empty files, so the seed stays fast.
  const children = largeDirectoryChildren(profile);
  for (let i = 0; i < children; i++) {
    yield* file(`${ASSESS_CASES.largeDirectory}/chunk-${pad(i, 5)}.json`, 0, { mtimeMs: SEED_EPOCH_MS - DAY_MS + i * 1000 });
  }
}

/** Number of segments of a path. */
export function depthOf(path: string): number {
  return pathSegments(path).length;
}
