export * from './schema.js';
export * from './db.js';
export * from './jobs.js';
export * from './items.js';
export * from './update-queue.js';
export * from './progress.js';
