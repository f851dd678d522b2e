import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadMapping, scanWorkloads } from '../../src/cutover/index.js';

/**
 * A corpus in the real forms of shared/docs/cutover.md, written here (Java, .NET and Node SDK code,
 * PolyBase SQL, U-SQL, distcp with -D keys and JCEKS, ARM and Bicep, Airflow, dask/fsspec, manifests,
 * a Scala notebook, AzureRM PowerShell, a proxy PAC file, an HDInsight cluster definition, az dls).
 * references.json marks by hand the lines a person would have to change. The scan must find at least
 * 95% of those lines, and nothing at all in the files without Gen1 (Gen2 code and configs, WebHDFS on
 * a namenode, names that merely contain 'adl' or 'datalake').
 */
const here = fileURLToPath(new URL('.', import.meta.url));
const corpus = join(here, 'corpus');

describe('corpus', () => {
  it('finds at least 95% of the marked Gen1 references', async () => {
    const marked = JSON.parse(await readFile(join(corpus, 'references.json'), 'utf8')) as Record<string, number[] | string>;
    const mapping = await loadMapping({ map: ['adl://contoso.azuredatalakestore.net/=abfss://gen1@contosoadls.dfs.core.windows.net/'] });
    const { findings, files_scanned } = await scanWorkloads([join(corpus, 'with-gen1')], { mapping });
    const found = new Map<string, Set<number>>();
    for (const f of findings) {
      const set = found.get(basename(f.file)) ?? new Set<number>();
      set.add(f.line);
      found.set(basename(f.file), set);
    }
    let total = 0;
    let hit = 0;
    const missed: string[] = [];
    for (const [file, lines] of Object.entries(marked)) {
      if (typeof lines === 'string') continue;
      for (const line of lines) {
        total += 1;
        if (found.get(file)?.has(line) === true) hit += 1;
        else missed.push(`${file}:${line}`);
      }
    }
    const extra = findings.filter((f) => !(marked[basename(f.file)] as number[] | undefined)?.includes(f.line)).map((f) => `${basename(f.file)}:${f.line} ${f.rule}`);
    process.stdout.write(`corpus: ${hit}/${total} marked references found (${((100 * hit) / total).toFixed(1)}%) in ${files_scanned} files; missed: ${missed.join(', ') || 'none'}; findings on unmarked lines: ${extra.join(', ') || 'none'}\n`);
    expect(files_scanned).toBe(Object.keys(marked).length - 1);
    expect(hit / total).toBeGreaterThanOrEqual(0.95);
  });

  it('finds nothing in files without Gen1', async () => {
    const { findings, files_scanned } = await scanWorkloads([join(corpus, 'without-gen1')], {});
    expect(files_scanned).toBeGreaterThanOrEqual(9);
    expect(findings).toEqual([]);
  });
});
