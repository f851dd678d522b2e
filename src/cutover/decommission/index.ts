export * from './types.js';
export * from './conditions.js';
export * from './decommission-check.js';
