export * from './types.js';
export * from './errors.js';
export { runBisync } from './run.js';
export { runBisyncEvery } from './every.js';
export { parseConflictRule, parseResolvePolicy, CONFLICTS_DIR, type ConflictRule } from './conflicts.js';
export { dumpBaseline } from './dump.js';
