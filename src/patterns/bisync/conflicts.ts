import picomatch from 'picomatch';
import type { Entry } from '../../core/entry.js';
import { StorageError } from '../../core/errors.js';
import { RESOLVE_POLICIES, type ResolvePolicy, type Side } from './types.js';

/**
 * Conflict policy: a default plus per-prefix rules (first match wins), each optionally phased by
 * date (`path1 until 2027-01-15 then path2`), which encodes a data set's move from Gen1 to Gen2.
 */

export interface ConflictRule {
  glob: string;
  policy: ResolvePolicy;
  /** From this time on (ms since the epoch) `then` applies instead. */
  untilMs?: number;
  then?: ResolvePolicy;
}

/** Where conflict losers are kept on their own side (a `_` name: Spark and Hive skip it). */
export const CONFLICTS_DIR = '_lakeshift/conflicts';
/** The top-level folder bisync keeps for itself; never listed, never synced. */
export const RESERVED_TOP = '_lakeshift';

function policyOf(text: string, where: string): ResolvePolicy {
  const t = text.trim().toLowerCase().replace(/^gen1$/, 'path1').replace(/^gen2$/, 'path2');
  if (!(RESOLVE_POLICIES as readonly string[]).includes(t)) {
    throw new StorageError('invalid-argument', `${where}: unknown policy '${text.trim()}'. Use one of ${RESOLVE_POLICIES.join(', ')} (gen1/gen2 mean path1/path2).`);
  }
  return t as ResolvePolicy;
}

export function parseResolvePolicy(text: string): ResolvePolicy {
  return policyOf(text, '--conflict-resolve');
}

/** Parses `GLOB=POLICY` or `GLOB=POLICY until YYYY-MM-DD then POLICY`. Throws invalid-argument. */
export function parseConflictRule(text: string): ConflictRule {
  const i = text.indexOf('=');
  const where = `--conflict-rule '${text}'`;
  if (i <= 0) throw new StorageError('invalid-argument', `${where} must look like '/raw/**=path1' or '/curated/**=path1 until 2027-01-15 then path2'.`);
  const glob = text.slice(0, i).trim().replace(/^\/+/, '');
  const rest = text.slice(i + 1).trim();
  const m = /^(\S+)\s+until\s+(\S+)\s+then\s+(\S+)$/i.exec(rest);
  if (m === null) return { glob, policy: policyOf(rest, where) };
  const untilMs = Date.parse(m[2] ?? '');
  if (!Number.isFinite(untilMs)) throw new StorageError('invalid-argument', `${where}: '${m[2] ?? ''}' is not a date; write it as YYYY-MM-DD or an ISO time.`);
  return { glob, policy: policyOf(m[1] ?? '', where), untilMs, then: policyOf(m[3] ?? '', where) };
}

export interface PolicyResolver {
  policyFor(path: string, nowMs: number): ResolvePolicy;
}

export function createPolicyResolver(defaultPolicy: ResolvePolicy, rules: readonly ConflictRule[]): PolicyResolver {
  const compiled = rules.map((r) => ({ rule: r, test: picomatch(r.glob, { dot: true }) }));
  return {
    policyFor(path, nowMs) {
      for (const { rule, test } of compiled) {
        if (!test(path)) continue;
        return rule.untilMs !== undefined && rule.then !== undefined && nowMs >= rule.untilMs ? rule.then : rule.policy;
      }
      return defaultPolicy;
    },
  };
}

/** Mtimes closer than this are a tie under newer/older (clocks of two services differ a little). */
export const MTIME_TOLERANCE_MS = 2000;

/** The winning side under a policy, or undefined for no winner (none, or a tie). */
export function pickWinner(policy: ResolvePolicy, e1: Entry | undefined, e2: Entry | undefined): Side | undefined {
  if (e1 === undefined) return e2 === undefined ? undefined : 2;
  if (e2 === undefined) return 1;
  switch (policy) {
    case 'path1': return 1;
    case 'path2': return 2;
    case 'none': return undefined;
    case 'newer':
    case 'older': {
      const d = e1.mtimeMs - e2.mtimeMs;
      if (Math.abs(d) <= MTIME_TOLERANCE_MS) return undefined;
      return (d > 0) === (policy === 'newer') ? 1 : 2;
    }
    case 'larger':
    case 'smaller':
      if (e1.size === e2.size) return undefined;
      return (e1.size > e2.size) === (policy === 'larger') ? 1 : 2;
  }
}

/** The loser's backup path on its own side: `_lakeshift/conflicts/RUN/PATH`. */
export function backupPath(runId: string, path: string): string {
  return `${CONFLICTS_DIR}/${runId}/${path}`;
}

/** `name.conflictN.ext` beside the original (callers try N = 1, 2, ... until one is free on both sides). */
export function suffixPath(path: string, n: number): string {
  const slash = path.lastIndexOf('/');
  const dir = slash < 0 ? '' : path.slice(0, slash + 1);
  const name = path.slice(slash + 1);
  const dot = name.lastIndexOf('.');
  const stem = dot > 0 ? name.slice(0, dot) : name;
  const ext = dot > 0 ? name.slice(dot) : '';
  return `${dir}${stem}.conflict${n}${ext}`;
}
