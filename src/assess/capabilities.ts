import type { CapabilityRow } from './report-schema.js';

/** Facts of this account the capability table marks rows with. */
export interface CapabilityFacts {
  entries: number;
  files: number;
  extendedAcls: number;
  principals: number;
  defaultAcls: number;
  sticky: number;
  maxDepth: number;
  largestFile: number;
  nameIssues: number;
  expiry: number;
  accessTimes: boolean;
  emptyDirectories: number;
}

interface RowSpec {
  area: string;
  gen1: string;
  gen2: string;
  touched: (f: CapabilityFacts) => boolean | null;
  why: (f: CapabilityFacts) => string;
}

const UNKNOWN = (): string => 'account setting: a listing cannot tell';

/**
 * The Gen1 versus Gen2 capability table (Microsoft's migration guide, 2023 version, every row) plus the
 * limits of shared docs/domain.md section 3 that data can touch.
 */
const ROWS: RowSpec[] = [
  { area: 'Data organization', gen1: 'Hierarchical namespace; files and folders', gen2: 'Hierarchical namespace; containers, files and folders', touched: (f) => f.entries > 0, why: (f) => `${f.entries} entries; top-level folders map to filesystems` },
  { area: 'Geo-redundancy', gen1: 'LRS', gen2: 'LRS, ZRS, GRS, RA-GRS', touched: () => null, why: UNKNOWN },
  { area: 'Authentication', gen1: 'Microsoft Entra managed identity; service principals', gen2: 'Managed identity; service principals; Shared Access Key', touched: () => null, why: UNKNOWN },
  { area: 'Authorization', gen1: 'Management: Azure RBAC; data: ACLs', gen2: 'Management: Azure RBAC; data: ACLs and Azure RBAC', touched: (f) => f.extendedAcls > 0 || f.principals > 0, why: (f) => `${f.extendedAcls} paths with extended ACLs, ${f.principals} distinct principals` },
  { area: 'Encryption at rest', gen1: 'Server side, Microsoft- or customer-managed keys', gen2: 'Same', touched: () => null, why: UNKNOWN },
  { area: 'VNET support', gen1: 'VNET integration', gen2: 'Service endpoints, private endpoints', touched: () => null, why: UNKNOWN },
  { area: 'Developer experience', gen1: 'REST, .NET, Java, Python, PowerShell, Azure CLI', gen2: 'REST, .NET, Java, Python, JavaScript, PowerShell, Azure CLI', touched: () => null, why: () => 'depends on the workloads: review application code' },
  { area: 'Resource logs', gen1: 'Classic logs; Azure Monitor', gen2: 'Classic logs; Azure Monitor', touched: () => null, why: UNKNOWN },
  { area: 'Ecosystem', gen1: 'HDInsight 3.6, Databricks 3.1+, Synapse, ADF', gen2: 'HDInsight 3.6 and 4.0, Databricks 5.1+, Synapse, ADF', touched: () => null, why: () => 'depends on the workloads: review clusters and pipelines' },
  { area: 'File size', gen1: 'No limit', gen2: 'About 190.7 TiB per file', touched: (f) => f.largestFile > 50_000 * 100 * 1024 * 1024, why: (f) => `largest file ${f.largestFile} bytes` },
  { area: 'Path depth', gen1: 'No limit', gen2: 'Fewer than 60 segments', touched: (f) => f.maxDepth >= 60, why: (f) => `deepest path has ${f.maxDepth} segments` },
  { area: 'Names', gen1: "Allows ':', trailing '.', whitespace-only names", gen2: 'Rejects them (rename first)', touched: (f) => f.nameIssues > 0, why: (f) => `${f.nameIssues} paths with incompatible names` },
  { area: 'Expiry', gen1: 'SETEXPIRY per file', gen2: 'Set Blob Expiry (HNS, 2020-02-10+), no SDK mapping', touched: (f) => f.expiry > 0, why: (f) => `${f.expiry} files with an expiry time` },
  { area: 'Access time', gen1: 'Kept per file', gen2: 'Not settable (tracking is an account option)', touched: (f) => f.accessTimes, why: (f) => (f.accessTimes ? 'the source reports access times' : 'the source reports no access times') },
  { area: 'Modification time', gen1: 'SETTIMES', gen2: 'Cannot be set (kept as a property by lakeshift)', touched: (f) => f.files > 0, why: (f) => `${f.files} files` },
  { area: 'Default ACLs', gen1: 'Up to the account root', gen2: 'Up to each filesystem root', touched: (f) => f.defaultAcls > 0, why: (f) => `${f.defaultAcls} paths with default ACLs` },
  { area: 'Sticky bit', gen1: 'Supported', gen2: 'Supported', touched: (f) => f.sticky > 0, why: (f) => `${f.sticky} paths with the sticky bit` },
  { area: 'Empty directories', gen1: 'Supported', gen2: 'Supported (ADF does not copy them)', touched: (f) => f.emptyDirectories > 0, why: (f) => `${f.emptyDirectories} empty directories` },
];

/** Builds the capability table, marking rows this account's data touches. */
export function buildCapabilityTable(facts: CapabilityFacts): CapabilityRow[] {
  return ROWS.map((r) => ({ area: r.area, gen1: r.gen1, gen2: r.gen2, touched: r.touched(facts), why: r.why(facts) }));
}

const NO_FACTS: CapabilityFacts = {
  entries: 0, files: 0, extendedAcls: 0, principals: 0, defaultAcls: 0, sticky: 0, maxDepth: 0, largestFile: 0, nameIssues: 0, expiry: 0, accessTimes: false, emptyDirectories: 0,
};

/** One row of the capability table as documentation shows it: the comparison, and whether assess can tell if an account uses it. */
export interface CapabilityReference {
  area: string;
  gen1: string;
  gen2: string;
  /** False for account settings and workload questions, which a listing of the namespace cannot answer. */
  checkedByAssess: boolean;
}

/** The rows of the capability table, in report order (the guide's table is generated from this). */
export function capabilityReference(): CapabilityReference[] {
  return ROWS.map((r) => ({ area: r.area, gen1: r.gen1, gen2: r.gen2, checkedByAssess: r.touched(NO_FACTS) !== null }));
}
