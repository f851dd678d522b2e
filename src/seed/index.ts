export { seedLake } from './seed.js';
export { ASSESS_CASES, largeDirectoryChildren, planLake, rootAcl, SEED_EPOCH_MS } from './plan.js';
export { seedBytes } from './random.js';
export { seedPrincipals } from './principals.js';
export { SEED_PROFILES, type AwkwardKind, type SeedItem, type SeedOptions, type SeedProfile, type SeedSummary } from './types.js';
