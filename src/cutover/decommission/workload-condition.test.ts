import { describe, expect, it } from 'vitest';
import type { DecommissionContext, WorkloadScanner } from './types.js';
import { workloadsCondition } from './workload-condition.js';

function ctx(workloads: string[], scanWorkloads: WorkloadScanner | undefined): DecommissionContext {
  const never = (): Promise<never> => Promise.reject(new Error('not used'));
  return { workloads, scanWorkloads, acceptNotHeld: false, flags: {}, sourceScan: never, freeze: never, lastFinalSync: never } as unknown as DecommissionContext;
}

describe('the workload condition', () => {
  it('holds only for a scan with no finding and nothing that could hide one', async () => {
    const clean: WorkloadScanner = () => Promise.resolve({ filesScanned: 3, findings: [], skipped: [{ file: 'logo.png', reason: 'binary' }] });
    expect(await workloadsCondition.check(ctx(['repo'], clean))).toMatchObject({ ok: true, evidence: expect.stringMatching(/3 files under repo \(1 not scanned, e\.g\. logo\.png: binary/) });
    const hidden: WorkloadScanner = () => Promise.resolve({ filesScanned: 2, findings: [], skipped: [{ file: 'big.sql', reason: 'larger than 16 MiB (20 MiB)' }, { file: 'x.py', reason: 'cannot read (EACCES)' }] });
    expect(await workloadsCondition.check(ctx(['repo'], hidden))).toMatchObject({ ok: false, evidence: expect.stringMatching(/2 files could not be scanned/) });
    const dirty: WorkloadScanner = () => Promise.resolve({ filesScanned: 1, findings: [{ file: 'a.py', line: 3, column: 7, text: 'adl://x.azuredatalakestore.net/a', action: 'report', reason: 'outside every mapping' }] });
    expect(await workloadsCondition.check(ctx(['repo'], dirty))).toMatchObject({ ok: false, evidence: expect.stringMatching(/1 Gen1 references \(0 rewritable, 1 for a person\), e\.g\. a\.py:3:7 .*outside every mapping/) });
    expect(await workloadsCondition.check(ctx([], clean))).toMatchObject({ ok: false, evidence: 'no workload paths given' });
    expect(await workloadsCondition.check(ctx(['repo'], undefined))).toMatchObject({ ok: false });
  });
});
