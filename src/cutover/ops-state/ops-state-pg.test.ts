import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAclSpec } from '../../core/acl.js';
import type { Store } from '../../core/store.js';
import { openPostgresJobDb, type JobDb } from '../../state/db.js';
import { TEST_PG_URL as PG_URL, testPgProblem } from '../../state/test-support.js';
import { createMemoryStore, dropMemoryStore } from '../../stores/memory/index.js';
import { runDecommissionCheck } from '../decommission/decommission-check.js';
import { runFinalSync } from '../final-sync/final-sync.js';
import { freezeTree } from '../freeze/freeze.js';
import { resolveOpenFreeze, unfreezeTree } from '../freeze/unfreeze.js';

const problem = await testPgProblem('the cutover-tables-on-PostgreSQL test');

/** The cutover tables are created on PostgreSQL too, and freeze, final sync, the gate and unfreeze run on them. */
describe.skipIf(problem !== undefined)('cutover freeze records and events on PostgreSQL', () => {
  const schema = `lakeshift_cutover_${process.pid}_${Date.now().toString(36)}`;
  const names = [`pg-cut-src-${process.pid}`, `pg-cut-dst-${process.pid}`];
  let jobDb: JobDb;
  beforeAll(async () => {
    jobDb = await openPostgresJobDb({ connectionString: PG_URL, schema });
  });
  afterAll(async () => {
    await jobDb?.close();
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
    for (const n of names) dropMemoryStore(n);
  });

  it('freezes, final-syncs, passes the gate but for the workloads, and unfreezes exactly', async () => {
    const [s, d] = names.map((name): Store => createMemoryStore({ kind: 'memory', name: name ?? '', path: '' }));
    if (s === undefined || d === undefined) throw new Error('stores');
    await s.mkdir('a/b', { permissions: 0o775 });
    const w = await s.createWriter('a/b/f.txt');
    await w.write(0, Buffer.from('pg'));
    await w.commit({ size: 2 });
    await s.setAcl('a', parseAclSpec('user::rwx,user:11111111-0000-4000-8000-000000000001:rwx,group::r-x,mask::rwx,other::---'));
    const before = JSON.stringify([await s.getAcl('a'), await s.getAcl('a/b'), await s.getAcl('a/b/f.txt')]);
    expect((await freezeTree(s, { jobDb })).state).toBe('frozen');
    expect((await runFinalSync(s, d, { jobDb })).ok).toBe(true);
    const gate = await runDecommissionCheck(s, d, { jobDb });
    expect(gate.conditions.filter((c) => c.checked && !c.ok).map((c) => c.id)).toEqual(['workloads-clean']);
    expect(gate.conditions.filter((c) => !c.checked).map((c) => c.id)).toEqual(['no-drift', 'metastore-no-gen1']);
    expect((await d.getAcl('a')).entries).toContainEqual({ scope: 'access', type: 'user', id: '11111111-0000-4000-8000-000000000001', perms: 7 });
    const undo = await unfreezeTree(s, await resolveOpenFreeze(jobDb, s.displayUri), { jobDb });
    expect(undo.state).toBe('unfrozen');
    expect(JSON.stringify([await s.getAcl('a'), await s.getAcl('a/b'), await s.getAcl('a/b/f.txt')])).toBe(before);
  });
});
