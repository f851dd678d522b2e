import type { Severity } from './report-schema.js';

/**
 * Compatibility rules as data: each rule is a small object with an id, a severity, a title, the
 * remedy to show, and a test. The scanner counts matches and keeps capped examples per rule.
 * Facts come from shared docs/domain.md section 3 (limits and known issues).
 */
export interface CompatRule<S> {
  id: string;
  severity: Severity;
  title: string;
  remedy: string;
  test: (subject: S) => boolean;
}

/** One path as the name and size rules see it. */
export interface PathSubject {
  path: string;
  segments: string[];
  kind: 'file' | 'directory' | 'special';
  size: number;
  expiryMs: number | undefined;
}

/** ACL facts of one path (base-only ACLs included: 3 access entries). */
export interface AclSubject {
  path: string;
  accessEntries: number;
  defaultEntries: number;
  /** Owner, owning group and named principals of the path. */
  principals: string[];
  /** Principals absent from the identity map; null when no map was given. */
  unmapped: string[] | null;
}

/** Largest Gen2 block blob: 50,000 blocks x 4,000 MiB (service version 2019-12-12 and later). */
export const GEN2_MAX_FILE_BYTES = 50_000 * 4000 * 1024 * 1024;
/** Older Gen2 API versions (100 MiB blocks) and WANdisco's default exclusion: about 4.75 TiB. */
export const GEN2_LEGACY_MAX_FILE_BYTES = 50_000 * 100 * 1024 * 1024;
/** Gen2 rejects directory nesting at 60 segments (409 PathIsTooDeep). */
export const GEN2_MAX_SEGMENTS = 59;
/** Gen2 blob (path) names are 1-1,024 characters. */
export const GEN2_MAX_PATH_CHARS = 1024;
/** Entries per ACL scope (access or default) on both services. */
export const ACL_ENTRY_LIMIT = 32;
/** A scope with at least this many entries leaves at most 3 spare for entries a migration adds. */
export const ACL_NEAR_LIMIT = 29;

const OBJECT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for a principal Gen2 accepts as an ACL identity: an object ID (GUID) or `$superuser`. */
export function isObjectId(principal: string): boolean {
  return principal === '$superuser' || OBJECT_ID.test(principal);
}

function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c <= 0x1f || c === 0x81) return true;
  }
  return false;
}

function hasInvalidCodePoint(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0xe000 || c === 0xfffe || c === 0xffff) return true;
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return true;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) return true;
  }
  return false;
}

const RENAME = 'Rename the path on the source before migrating (the portal tool refuses to start; lakeshift migrate skips it with a reason).';

/** Rules evaluated for every listed path. */
export const PATH_RULES: ReadonlyArray<CompatRule<PathSubject>> = [
  {
    id: 'name-only-whitespace',
    severity: 'blocker',
    title: 'Names made only of spaces or tabs',
    remedy: RENAME,
    test: (s) => s.segments.some((seg) => seg.length > 0 && /^[ \t]+$/.test(seg)),
  },
  {
    id: 'name-trailing-dot',
    severity: 'blocker',
    title: "Names ending with '.'",
    remedy: RENAME,
    test: (s) => s.segments.some((seg) => seg.endsWith('.')),
  },
  {
    id: 'name-colon',
    severity: 'blocker',
    title: "Names containing ':'",
    remedy: RENAME,
    test: (s) => s.segments.some((seg) => seg.includes(':')),
  },
  {
    id: 'path-double-slash',
    severity: 'blocker',
    title: "Paths containing '//' (an empty segment)",
    remedy: RENAME,
    test: (s) => s.path.includes('//') || s.path.startsWith('/') || s.path.endsWith('/'),
  },
  {
    id: 'name-control-characters',
    severity: 'blocker',
    title: 'Names containing control characters (0x00-0x1F, U+0081)',
    remedy: RENAME,
    test: (s) => hasControlCharacter(s.path),
  },
  {
    id: 'name-invalid-code-point',
    severity: 'warning',
    title: 'Names with invalid code points (lone surrogates, U+E000, U+FFFE, U+FFFF)',
    remedy: 'Rename the path: Gen2 rejects or alters names with invalid code points.',
    test: (s) => hasInvalidCodePoint(s.path),
  },
  {
    id: 'path-too-long',
    severity: 'blocker',
    title: `Paths longer than ${GEN2_MAX_PATH_CHARS.toLocaleString('en-US')} characters`,
    remedy: 'Shorten folder or file names: a Gen2 path name holds at most 1,024 characters.',
    test: (s) => s.path.length > GEN2_MAX_PATH_CHARS,
  },
  {
    id: 'path-too-deep',
    severity: 'blocker',
    title: 'Paths 60 or more segments deep',
    remedy: 'Flatten the hierarchy: Gen2 fails with 409 PathIsTooDeep at 60 segments.',
    test: (s) => s.segments.length > GEN2_MAX_SEGMENTS,
  },
  {
    id: 'file-too-large',
    severity: 'blocker',
    title: 'Files larger than the Gen2 maximum (about 190.7 TiB)',
    remedy: 'Split the file: a Gen2 file holds at most 50,000 blocks of 4,000 MiB.',
    test: (s) => s.kind === 'file' && s.size > GEN2_MAX_FILE_BYTES,
  },
  {
    id: 'file-over-legacy-limit',
    severity: 'warning',
    title: 'Files larger than 4.75 TiB',
    remedy: 'Use a copy tool on service version 2019-12-12 or later (older versions and some tools stop at about 4.75 TiB).',
    test: (s) => s.kind === 'file' && s.size > GEN2_LEGACY_MAX_FILE_BYTES && s.size <= GEN2_MAX_FILE_BYTES,
  },
  {
    id: 'expiry-set',
    severity: 'warning',
    title: 'Files with an expiry time',
    remedy: 'Gen2 needs Set Blob Expiry per file (no Gen1 SETEXPIRY); lakeshift keeps the time as the lakeshift_expiry property. Re-apply with a lifecycle rule or Set Blob Expiry.',
    test: (s) => s.kind === 'file' && s.expiryMs !== undefined && s.expiryMs > 0,
  },
  {
    id: 'special-file',
    severity: 'warning',
    title: 'Special files (symbolic links, sockets, FIFOs, devices) on a local source',
    remedy: 'These are not copied: replace links with the files they point to, or exclude them.',
    test: (s) => s.kind === 'special',
  },
];

/** Rules evaluated for every path's ACL facts. */
export const ACL_RULES: ReadonlyArray<CompatRule<AclSubject>> = [
  {
    id: 'acl-over-limit',
    severity: 'blocker',
    title: `ACLs with more than ${ACL_ENTRY_LIMIT} entries in one scope`,
    remedy: 'Replace named users with groups so each scope holds at most 32 entries.',
    test: (s) => s.accessEntries > ACL_ENTRY_LIMIT || s.defaultEntries > ACL_ENTRY_LIMIT,
  },
  {
    id: 'acl-near-limit',
    severity: 'warning',
    title: `ACLs near the 32-entry limit (${ACL_NEAR_LIMIT}+ entries in a scope)`,
    remedy: 'Any entry the migration adds (e.g. a migration service principal) overflows the limit: consolidate named entries into groups first.',
    test: (s) =>
      Math.max(s.accessEntries, s.defaultEntries) >= ACL_NEAR_LIMIT &&
      Math.max(s.accessEntries, s.defaultEntries) <= ACL_ENTRY_LIMIT,
  },
  {
    id: 'acl-principal-not-object-id',
    severity: 'warning',
    title: 'Owners, groups or ACL entries that are not object IDs',
    remedy: 'Gen2 ACLs need object IDs (UPNs resolve for users only): map these names to object IDs in the identity map.',
    test: (s) => s.principals.some((p) => p !== '' && !isObjectId(p)),
  },
  {
    id: 'acl-unmapped-principal',
    severity: 'warning',
    title: 'Principals missing from the identity map',
    remedy: 'Add each missing principal to the identity map (source,target), or map it to itself to carry it unchanged.',
    test: (s) => s.unmapped !== null && s.unmapped.length > 0,
  },
];

/** Account-level facts the summary rules look at. */
export interface SummarySubject {
  files: number;
  emptyDirectories: { count: number; examples: string[] };
  largeDirectories: { count: number; examples: string[] };
  smallFiles: { count: number; share: number };
  stickyBit: { count: number; examples: string[] };
  rootHasExtendedAcl: boolean;
  unreadable: { count: number; examples: string[] };
  renamedFilesystems: { count: number; examples: string[] };
}

/** A rule over the whole scan: returns how many items it concerns and a few examples. */
export interface SummaryRule {
  id: string;
  severity: Severity;
  title: string;
  remedy: string;
  test: (s: SummarySubject) => { count: number; examples: string[] };
}

/** Share of small files above which the small-file rule fires. */
export const SMALL_FILE_SHARE_WARNING = 0.5;

export const SUMMARY_RULES: ReadonlyArray<SummaryRule> = [
  {
    id: 'unreadable-paths',
    severity: 'warning',
    title: 'Paths the scan could not read (permission denied)',
    remedy: 'Grant the scanning identity R+X on these folders (or run as a superuser) and assess again; they are not covered by this report.',
    test: (s) => s.unreadable,
  },
  {
    id: 'gen1-only-apis',
    severity: 'info',
    title: 'Gen1 operations without a Gen2 API (CONCAT/MSCONCAT, CONCURRENTAPPEND, SETEXPIRY, REMOVEACLENTRIES, REMOVEDEFAULTACL, trash restore, SETTIMES)',
    remedy: 'Review workloads for these calls: rewrite concat as a new file, coordinate appenders yourself, emulate ACL removal with a full set.',
    test: (s) => (s.files > 0 ? { count: 1, examples: ['(whole account)'] } : { count: 0, examples: [] }),
  },
  {
    id: 'times-not-settable',
    severity: 'info',
    title: 'Modification times Gen2 cannot set',
    remedy: 'lakeshift keeps Gen1 times as lakeshift_mtime/lakeshift_atime properties; jobs that rely on mtimes must read those.',
    test: (s) => ({ count: s.files, examples: [] }),
  },
  {
    id: 'root-acl-replication',
    severity: 'info',
    title: 'Account-root ACL must be replicated to every filesystem root',
    remedy: 'The highest Gen2 ACL level is the filesystem root: lakeshift applies the source root ACL to each target filesystem root.',
    test: (s) => (s.rootHasExtendedAcl ? { count: 1, examples: ['/'] } : { count: 0, examples: [] }),
  },
  {
    id: 'empty-directories',
    severity: 'info',
    title: 'Empty directories',
    remedy: 'ADF recursive copies do not create empty folders; lakeshift does. Delete them if unused.',
    test: (s) => s.emptyDirectories,
  },
  {
    id: 'large-directories',
    severity: 'info',
    title: 'Directories with more than 4,000 direct children',
    remedy: 'Clients must page listings (continuation tokens); the Gen1 compatibility layer rejects unpaged listings over 4,000 entries.',
    test: (s) => s.largeDirectories,
  },
  {
    id: 'small-files',
    severity: 'warning',
    title: 'Mostly small files (under 256 KiB)',
    remedy: 'Small files slow every copy tool and cost more per byte in operations: compact them (recommended 256 MB-100 GB) before or after migrating.',
    test: (s) => (s.smallFiles.share > SMALL_FILE_SHARE_WARNING ? { count: s.smallFiles.count, examples: [] } : { count: 0, examples: [] }),
  },
  {
    id: 'sticky-bit',
    severity: 'info',
    title: 'Sticky bits',
    remedy: 'Gen2 keeps the sticky bit with the same meaning; lakeshift copies it.',
    test: (s) => s.stickyBit,
  },
  {
    id: 'filesystem-name-changes',
    severity: 'info',
    title: 'Top-level folders whose names are not valid Gen2 filesystem names',
    remedy: 'The plan maps them to valid names (3-63 lowercase letters, digits, single hyphens); review the mapping.',
    test: (s) => s.renamedFilesystems,
  },
];
