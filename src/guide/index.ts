export { renderGuide, slugify, GUIDE_SOURCE_DIR, type GuidePage } from './render.js';
export { shellBlocks, type ShellBlock } from './blocks.js';
export { renderCapabilityTable, withGeneratedTable } from './capability-table.js';
