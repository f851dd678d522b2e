import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AccountSASPermissions, AccountSASResourceTypes, AccountSASServices, ContainerSASPermissions, SASProtocol, StorageSharedKeyCredential, generateAccountSASQueryParameters, generateBlobSASQueryParameters } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aclEquivalent, parseAclSpec } from '../../src/core/acl.js';
import type { Store } from '../../src/core/store.js';
import { startGen1Emulator, type Gen1Emulator } from '../../src/emulators/gen1/index.js';
import { DEV_ACCOUNT, DEV_ACCOUNT_KEY, startGen2Emulator, type Gen2Emulator } from '../../src/emulators/gen2/index.js';
import { translateAcl } from '../../src/engine/acl-translate.js';
import { parsePlanText } from '../../src/plan/load-plan.js';
import type { Plan } from '../../src/plan/plan-schema.js';
import { mergedIdentityMap, readRootAcls } from '../../src/provision/index.js';
import { PROBE_PREFIX, runPrepare } from '../../src/provision/prepare/prepare.js';
import { openGen1, sdkFilesystem } from '../migrate-helpers.js';

const USER = '9f1c2d3e-0000-4000-8000-000000000001';
const MAPPED = '7a7a7a7a-0000-4000-8000-00000000000a';
const GROUP = '9f1c2d3e-0000-4000-8000-000000000002';

let gen1: Gen1Emulator;
let gen2: Gen2Emulator;
let source: Store;
let plan: Plan;

beforeAll(async () => {
  gen1 = await startGen1Emulator({ port: 0, inMemory: true });
  gen2 = await startGen2Emulator({ port: 0, inMemory: true });
  source = openGen1(gen1.url, '');
  // Gen1 roots of the two data sets: named entries, default ACLs, a sticky bit.
  await source.mkdir('raw');
  await source.mkdir('curated');
  await source.setOwner('raw', USER, GROUP);
  await source.setAcl('raw', parseAclSpec(`user::rwx,user:${USER}:r-x,group::r-x,mask::r-x,other::---,default:user::rwx,default:group::r-x,default:group:${GROUP}:r-x,default:mask::r-x,default:other::---`));
  await source.setPermissions('curated', 0o1770);
  const text = readFileSync(join(import.meta.dirname, 'fixtures', 'plan.yaml'), 'utf8').replace('adl://contosogen1.azuredatalakestore.net/', `${gen1.url}/webhdfs/v1/`);
  plan = parsePlanText(text, 'plan.yaml');
});

afterAll(async () => {
  await source.close();
  await gen1.close();
  await gen2.close();
});

const dest = (): string => `${gen2.url}/${DEV_ACCOUNT}/raw`;

async function gen2RootAcl(fs: string): Promise<{ owner: string; group: string; acl: string; sticky: boolean }> {
  // The official SDK's Get Access Control on the filesystem root.
  const res = await sdkFilesystem(gen2.url, fs).getDirectoryClient('').getAccessControl();
  const acl = res.acl.map((e) => `${e.defaultScope ? 'default:' : ''}${e.accessControlType}:${e.entityId}:${e.permissions.read ? 'r' : '-'}${e.permissions.write ? 'w' : '-'}${e.permissions.execute ? 'x' : '-'}`).join(',');
  return { owner: res.owner ?? '', group: res.group ?? '', acl, sticky: res.permissions?.stickyBit ?? false };
}

describe('lakeshift prepare against the Gen2 emulator', () => {
  it('creates each plan filesystem with the root owner, group, ACL and sticky bit of Gen1 (through the identity map); a second run changes nothing', async () => {
    const map = mergedIdentityMap(plan, undefined);
    const rootAcls = await readRootAcls(source, plan, map);
    const first = await runPrepare({ dest: dest(), plan, rootAcls });
    expect(first.hns).toBe('enabled');
    expect(first.missingRights).toEqual([]);
    expect(first.filesystems.map((f) => [f.name, f.existed, f.changes[0]])).toEqual([['curated', false, 'create filesystem'], ['raw', false, 'create filesystem']]);
    for (const fs of ['raw', 'curated']) {
      const gen1Acl = await source.getAcl(fs);
      const want = translateAcl(gen1Acl, 'directory', { identityMap: map });
      const got = await gen2RootAcl(fs);
      expect(got.owner, fs).toBe(want.owner);
      expect(got.group, fs).toBe(want.group);
      expect(aclEquivalent(parseAclSpec(got.acl), want.entries), `${fs}: ${got.acl}`).toBe(true);
      expect(got.sticky, fs).toBe((gen1Acl.permissions & 0o1000) !== 0);
    }
    expect((await gen2RootAcl('raw')).owner).toBe(MAPPED);
    // No probe marker is left behind.
    const names = [];
    for await (const p of sdkFilesystem(gen2.url, 'raw').listPaths()) names.push(p.name ?? '');
    expect(names.filter((n) => n.startsWith(PROBE_PREFIX))).toEqual([]);

    const second = await runPrepare({ dest: dest(), plan, rootAcls });
    expect(second.changed).toBe(false);
    expect(second.filesystems.map((f) => [f.name, f.existed, f.changes])).toEqual([['curated', true, []], ['raw', true, []]]);
    expect(second.missingRights).toEqual([]);
  });

  it('--dry-run says what it would do and creates nothing', async () => {
    const fresh = { ...plan, datasets: [{ ...plan.datasets[0], name: 'x', target: { filesystem: 'dryrunfs', path: '' } }] } as Plan;
    const r = await runPrepare({ dest: dest(), plan: fresh, rootAcls: new Map(), dryRun: true });
    expect(r.filesystems[0]?.changes).toEqual(['create filesystem']);
    await expect(sdkFilesystem(gen2.url, 'dryrunfs').exists()).resolves.toBe(false);
  });

  it('a caller with a read-and-list SAS gets each missing right named with what grants it', async () => {
    const sas = generateAccountSASQueryParameters({
      permissions: AccountSASPermissions.parse('rl'), services: AccountSASServices.parse('b').toString(), resourceTypes: AccountSASResourceTypes.parse('sco').toString(),
      protocol: SASProtocol.HttpsAndHttp, expiresOn: new Date(Date.now() + 3600_000),
    }, new StorageSharedKeyCredential(DEV_ACCOUNT, DEV_ACCOUNT_KEY)).toString();
    const withFresh = { ...plan, datasets: [...plan.datasets, { ...plan.datasets[0], name: 'n', target: { filesystem: 'notyet', path: '' } }] } as Plan;
    const r = await runPrepare({ dest: dest(), plan: withFresh, rootAcls: new Map(), storeOptions: { sas } });
    expect(r.credential).toBe('sas');
    const raw = r.filesystems.find((f) => f.name === 'raw');
    const byOp = new Map((raw?.probes ?? []).map((p) => [p.operation, p]));
    expect(byOp.get('list')?.ok).toBe(true);
    expect(byOp.get('read-acl')).toMatchObject({ ok: false, grantedBy: 'SAS permission e (execute: read the ACL)' });
    expect(byOp.get('create')).toMatchObject({ ok: false, grantedBy: 'SAS permissions c and w' });
    // Without e (read ACL) and c (create a marker) nothing can be written back unchanged: named, marked unverified.
    expect(byOp.get('set-acl')).toMatchObject({ ok: 'not-probed', grantedBy: 'SAS permission p' });
    expect(byOp.get('set-owner')).toMatchObject({ ok: 'not-probed', grantedBy: 'SAS permission o' });
    expect(byOp.get('delete')).toMatchObject({ ok: 'not-probed', grantedBy: 'SAS permission d' });
    expect(r.unverifiedRights.filter((u) => u.startsWith('raw: '))).toHaveLength(3);
    const notyet = r.filesystems.find((f) => f.name === 'notyet');
    expect(notyet?.error).toMatch(/could not be created/);
    expect(notyet?.probes[0]).toMatchObject({ operation: 'create-filesystem', ok: false });
    expect(r.missingRights.some((m) => m.startsWith('notyet: create-filesystem refused'))).toBe(true);
    expect(r.missingRights.length).toBeGreaterThanOrEqual(5);
  });

  it('a SAS that may read ACLs and list but not write gets set-acl, set-owner and create named as missing (probed by writing the root ACL back unchanged)', async () => {
    // A service SAS for the filesystem raw: read, list, execute (read ACLs); no write, no p, no o.
    const sas = generateBlobSASQueryParameters({
      containerName: 'raw', permissions: ContainerSASPermissions.parse('rle'), protocol: SASProtocol.HttpsAndHttp, expiresOn: new Date(Date.now() + 3600_000),
    }, new StorageSharedKeyCredential(DEV_ACCOUNT, DEV_ACCOUNT_KEY)).toString();
    const before = await gen2RootAcl('raw');
    const onlyRaw = { ...plan, datasets: plan.datasets.filter((d) => d.target.filesystem === 'raw') } as Plan;
    const r = await runPrepare({ dest: dest(), plan: onlyRaw, rootAcls: new Map(), storeOptions: { sas } });
    expect(r.hns).toBe('unknown');
    const probes = new Map((r.filesystems.find((f) => f.name === 'raw')?.probes ?? []).map((p) => [p.operation, p]));
    expect(probes.get('read-acl')?.ok).toBe(true);
    expect(probes.get('create')).toMatchObject({ ok: false, grantedBy: 'SAS permissions c and w' });
    expect(probes.get('set-acl')).toMatchObject({ ok: false, grantedBy: 'SAS permission p' });
    expect(probes.get('set-owner')).toMatchObject({ ok: false, grantedBy: 'SAS permission o' });
    expect(await gen2RootAcl('raw')).toEqual(before);
  });

  it('refuses an account without a hierarchical namespace, naming why', async () => {
    const fake: Server = createServer((req, res) => {
      // Get Account Information of a flat-namespace account (the emulator is always HNS).
      res.writeHead(200, { 'x-ms-request-id': 'r', 'x-ms-version': '2025-01-05', 'x-ms-is-hns-enabled': 'false', 'x-ms-account-kind': 'StorageV2', 'x-ms-sku-name': 'Standard_GRS' });
      res.end();
    });
    await new Promise<void>((ok) => fake.listen(0, '127.0.0.1', ok));
    const address = fake.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    try {
      await expect(runPrepare({ dest: `http://127.0.0.1:${port}/${DEV_ACCOUNT}/raw`, plan, rootAcls: new Map() })).rejects.toMatchObject({ code: 'not-supported', message: expect.stringMatching(/no hierarchical namespace.*isHnsEnabled/) });
    } finally {
      await new Promise<void>((ok) => fake.close(() => ok()));
    }
  });
});
