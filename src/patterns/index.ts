export * from './lift-and-shift.js';
export * from './incremental.js';
