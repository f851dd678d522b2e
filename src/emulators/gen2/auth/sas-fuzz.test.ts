import { BlobSASPermissions, generateBlobSASQueryParameters } from '@azure/storage-blob';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { contextFor } from './auth-test-server.js';
import { authenticate } from './index.js';
import type { AuthContext } from './types.js';
import { delegationKeyValue } from './user-delegation.js';

/** Malformed SAS (account, service, user delegation, directory) never throws and never grants access. */

const ACCOUNT = 'fuzzacct';
const KEY = Buffer.alloc(64, 4);
const base: Omit<AuthContext, 'account' | 'filesystem' | 'path'> = { accounts: new Map([[ACCOUNT, KEY]]), anonymous: false, superusers: new Set(), permission: 'r', resourceType: 'o' };

const NAMES = ['sv', 'ss', 'srt', 'sp', 'se', 'st', 'spr', 'sip', 'sr', 'sdd', 'sig', 'si', 'ses', 'skoid', 'sktid', 'skt', 'ske', 'sks', 'skv', 'saoid', 'suoid', 'scid', 'skdutid', 'sduoid', 'srh', 'srq', 'rscc', 'directory'];
const VALUES = fc.oneof(
  fc.constantFrom('', 'b', 'c', 'd', 'r', 'racwdl', 'sco', '2021-12-02', '2026-04-06', '2015-04-05', '1', '-1', '99', 'NaN', '2026-12-03T00:00:00Z', '9999-12-31T23:59:59Z', 'not-a-date', 'AAAA', '%', '%ZZ', '+/=', 'a b'),
  fc.string({ maxLength: 20 }),
);
const query = fc.array(fc.tuple(fc.constantFrom(...NAMES), VALUES), { maxLength: 14 }).map((pairs) => pairs.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&'));

describe('SAS parsing under malformed input', () => {
  it('never throws, and refuses with 400/401/403 whatever the parameters (no signature can match by chance)', () => {
    fc.assert(
      fc.property(query, fc.constantFrom('/fuzzacct/fs/dir/file', '/fuzzacct/fs', '/fuzzacct'), (q, path) => {
        const rawUrl = `${path}?${q}&sig=${encodeURIComponent(Buffer.alloc(32, 7).toString('base64'))}`;
        const result = authenticate({ method: 'GET', rawUrl, headers: {}, secure: false }, contextFor(rawUrl, base));
        expect(result.ok).toBe(false);
        if (!result.ok) expect([400, 401, 403]).toContain(result.status);
      }),
      { numRuns: 1000 },
    );
  });

  it('a valid user delegation SAS with one field changed is refused', () => {
    const expiresOn = new Date(Date.now() + 1800_000);
    const key = {
      signedObjectId: 'u1', signedTenantId: 't1', signedStartsOn: new Date(Date.now() - 3600_000), signedExpiresOn: new Date(Date.now() + 3600_000), signedService: 'b', signedVersion: '2021-12-02', value: '',
    };
    const iso = (d: Date): string => `${d.toISOString().slice(0, 19)}Z`;
    key.value = delegationKeyValue(KEY, { oid: 'u1', tid: 't1', start: iso(key.signedStartsOn), expiry: iso(key.signedExpiresOn), service: 'b', version: '2021-12-02' }).toString('base64');
    const sas = generateBlobSASQueryParameters({ containerName: 'fs', blobName: 'dir/file', permissions: BlobSASPermissions.parse('r'), expiresOn }, key, ACCOUNT).toString();
    const run = (q: string) => authenticate({ method: 'GET', rawUrl: `/fuzzacct/fs/dir/file?${q}`, headers: {}, secure: false }, contextFor(`/fuzzacct/fs/dir/file?${q}`, base));
    expect(run(sas)).toMatchObject({ ok: true, principal: { kind: 'user-delegation', oid: 'u1' } });
    const params = [...new URLSearchParams(sas).keys()].filter((k) => k !== 'sig');
    for (const name of params) {
      const changed = new URLSearchParams(sas);
      changed.set(name, `${changed.get(name) ?? ''}x`);
      expect(run(changed.toString()), name).toMatchObject({ ok: false, status: 403 });
    }
  });
});
