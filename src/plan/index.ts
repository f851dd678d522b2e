export { loadPlan, parsePlan, parsePlanText } from './load-plan.js';
export {
  planSchema,
  PLAN_VERSION,
  MIGRATION_PATTERNS,
  type Plan,
  type DatasetPlan,
  type IdentityPlanEntry,
  type MigrationPattern,
} from './plan-schema.js';
export { proposePlan, renderPlanYaml, choosePattern, assignWaves, DEFAULT_WAVE_SIZE_BYTES, DEFAULT_DOWNTIME_HOURS, type ProposeOptions } from './propose.js';
