import type { AclEntry } from '../core/acl-types.js';

export type SeedProfile = 'small' | 'demo' | 'bench';
export const SEED_PROFILES: readonly SeedProfile[] = ['small', 'demo', 'bench'];

/** Kinds of names and paths that need care when migrating (each one appears in every profile). */
export type AwkwardKind =
  | 'space' | 'nfc' | 'nfd' | 'percent' | 'percent-encoded' | 'hash' | 'plus' | 'trailing-dot' | 'colon'
  | 'only-spaces' | 'question' | 'leading-dot' | 'unicode' | 'emoji' | 'long-name' | 'deep';

/** One path of a seeded lake, as the plan describes it. */
export interface SeedItem {
  kind: 'file' | 'directory';
  path: string;
  /** Bytes (0 for directories). */
  size: number;
  mtimeMs: number;
  atimeMs?: number;
  owner?: string;
  group?: string;
  /** 12-bit mode including the sticky bit. */
  permissions?: number;
  /** Full ACL (base, named, mask, and default entries for directories). */
  acl?: AclEntry[];
  expiryMs?: number;
  awkward?: AwkwardKind;
  /** A directory that stays empty. */
  empty?: boolean;
}

export interface SeedOptions {
  profile: SeedProfile;
  /** Bench only: number of files to create (default 100,000; up to millions). */
  files?: number;
  /** Paths in flight at once (default 8). */
  concurrency?: number;
  /** Called with the number of paths created so far (creation phase) and then set up (metadata phase). */
  onProgress?(n: number): void;
  signal?: AbortSignal;
}

/** What a seed created: counts and the special cases, so tests and demos can assert them. */
export interface SeedSummary {
  profile: SeedProfile;
  files: number;
  /** Directories created, not counting the store root. */
  directories: number;
  bytes: number;
  largestFile: { path: string; size: number };
  emptyDirectories: string[];
  /** Awkward names created (those the store's name rules accept). */
  awkward: { kind: AwkwardKind; path: string }[];
  /** Planned paths the store's name rules refuse, with the reason; not created. */
  skipped: { path: string; reason: string }[];
  /** Paths given an extended ACL, and among them those near the 32-entry limit. */
  aclPaths: string[];
  nearLimitAclPaths: string[];
  stickyPaths: string[];
  expiringFiles: string[];
  /** Distinct owners and groups set (object IDs). */
  owners: string[];
  groups: string[];
  /** Deepest path created and its number of segments. */
  deepestPath: { path: string; depth: number };
  /** Oldest and newest modification times set (ms since epoch), when the store can set times. */
  mtimeRange?: { oldestMs: number; newestMs: number };
  /** Features the store lacks, so the seed left them out (e.g. 'acl', 'times'). */
  unsupported: string[];
  /** The cases the assessment rules look for, as created (see `ASSESS_CASES` in plan.ts). */
  assessCases: {
    /** path-too-long: paths over 1,024 characters. */
    longPaths: string[];
    /** acl-principal-not-object-id: owners, groups and ACL identities set that are not object IDs. */
    nonObjectIdPrincipals: string[];
    /** filesystem-name-changes: top-level folders that are not valid Gen2 filesystem names. */
    invalidFilesystemNames: string[];
    /** unreadable-paths: directories with no group/other access, owned by another identity. */
    privateDirectories: string[];
    /** large-directories: directories given more than 4,000 children (bench profile only). */
    largeDirectories: string[];
    /** root-acl-replication: an extended ACL was set on the root. */
    rootAcl: boolean;
  };
  elapsedMs: number;
}
