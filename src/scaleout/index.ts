export { planDistributed, LAKESHIFT_VERSION, DEFAULT_BATCH_FILES, DEFAULT_BATCH_BYTES, type DistributedPlanOptions, type DistributedPlanResult } from './plan.js';
export { runWorker, type WorkerRunOptions, type WorkerRunResult } from './runner.js';
export { distributedStatus, type DistributedStatus } from './status.js';
export { resolveQueueTarget, prepareQueue, checkPostgres, type QueueTarget } from './queue.js';
export { SCALEOUT_SCHEMA_VERSION, migrateScaleout } from './schema.js';
export { withoutSecrets, type JobSpec } from './spec.js';
