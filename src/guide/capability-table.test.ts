import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildCapabilityTable } from '../assess/capabilities.js';
import { renderCapabilityTable, withGeneratedTable } from './capability-table.js';

const PAGE = fileURLToPath(new URL('../../docs/guide/capabilities.md', import.meta.url));

describe('the guide capability table', () => {
  it('in docs/guide/capabilities.md is the one generated from the assess rows (run npm run guide:generate)', async () => {
    const page = await readFile(PAGE, 'utf8');
    expect(withGeneratedTable(page) === page, 'docs/guide/capabilities.md drifted from src/assess/capabilities.ts: run npm run guide:generate').toBe(true);
  });

  it('has every row of the assessment report, with the same Gen1 and Gen2 text', () => {
    const report = buildCapabilityTable({ entries: 1, files: 1, extendedAcls: 0, principals: 0, defaultAcls: 0, sticky: 0, maxDepth: 1, largestFile: 1, nameIssues: 0, expiry: 0, accessTimes: false, emptyDirectories: 0 });
    const table = renderCapabilityTable();
    for (const r of report) expect(table).toContain(`| ${r.area} | ${r.gen1} | ${r.gen2} |`);
    expect(table.split('\n')).toHaveLength(report.length + 2);
  });

  it('a page whose table was edited by hand is rewritten', () => {
    const page = `x\n<!-- generated:capabilities start (npm run guide:generate; do not edit by hand) -->\n| edited |\n<!-- generated:capabilities end -->\n`;
    expect(withGeneratedTable(page)).toContain(renderCapabilityTable());
    expect(withGeneratedTable(page)).not.toContain('| edited |');
  });
});
