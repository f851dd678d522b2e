export * from './errors.js';
export * from './entry.js';
export * from './acl-types.js';
export * from './store.js';
export * from './uri.js';
export * from './walk.js';
export * from './names.js';
export * from './identity-map.js';
