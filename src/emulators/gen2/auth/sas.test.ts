import { describe, expect, it } from 'vitest';
import {
  AccountSASPermissions,
  AccountSASResourceTypes,
  AccountSASServices,
  BlobSASPermissions,
  ContainerSASPermissions,
  SASProtocol,
  StorageSharedKeyCredential,
  generateAccountSASQueryParameters,
  generateBlobSASQueryParameters,
} from '@azure/storage-blob';
import {
  DataLakeSASPermissions,
  DirectorySASPermissions,
  StorageSharedKeyCredential as DataLakeCredential,
  generateDataLakeSASQueryParameters,
} from '@azure/storage-file-datalake';
import { contextFor } from './auth-test-server.js';
import { authenticate } from './index.js';
import type { AuthContext, SasPermission, SasResourceType } from './types.js';

const ACCOUNT = 'devstoreaccount1';
const KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
const WRONG_KEY = Buffer.alloc(64, 3).toString('base64');
const cred = new StorageSharedKeyCredential(ACCOUNT, KEY);
const accounts = new Map([[ACCOUNT, Buffer.from(KEY, 'base64')]]);
const now = Date.now();
const hour = 3600_000;

function check(rawUrl: string, permission: SasPermission, resourceType: SasResourceType, extra: { secure?: boolean; nowMs?: number } = {}) {
  const base: Omit<AuthContext, 'account' | 'filesystem' | 'path'> = { accounts, anonymous: false, superusers: new Set(), permission, resourceType, nowMs: extra.nowMs ?? now };
  return authenticate({ method: 'GET', rawUrl, headers: { 'x-ms-version': '2021-08-06' }, secure: extra.secure ?? false }, contextFor(rawUrl, base));
}

function accountSas(options: { permissions?: string; services?: string; resourceTypes?: string; protocol?: SASProtocol; version?: string; startsOn?: Date; expiresOn?: Date; key?: string; encryptionScope?: string }) {
  return generateAccountSASQueryParameters(
    {
      permissions: AccountSASPermissions.parse(options.permissions ?? 'rwdlacupitfx'),
      services: AccountSASServices.parse(options.services ?? 'b').toString(),
      resourceTypes: AccountSASResourceTypes.parse(options.resourceTypes ?? 'sco').toString(),
      protocol: options.protocol ?? SASProtocol.HttpsAndHttp,
      startsOn: options.startsOn ?? new Date(now - hour),
      expiresOn: options.expiresOn ?? new Date(now + hour),
      ...(options.version === undefined ? {} : { version: options.version }),
      ...(options.encryptionScope === undefined ? {} : { encryptionScope: options.encryptionScope }),
    },
    options.key === undefined ? cred : new StorageSharedKeyCredential(ACCOUNT, options.key),
  ).toString();
}

describe('account SAS', () => {
  it('allows a rename (move) with write and delete, and refuses it without delete', () => {
    expect(check(`/${ACCOUNT}/fs/dest?mode=legacy&${accountSas({ permissions: 'rwdl' })}`, 'm', 'o').ok).toBe(true);
    expect(check(`/${ACCOUNT}/fs/dest?mode=legacy&${accountSas({ permissions: 'rwl' })}`, 'm', 'o')).toMatchObject({ ok: false, status: 403, code: 'AuthorizationPermissionMismatch' });
  });

  it('is accepted across service versions for service, container and object operations', () => {
    for (const version of ['2018-11-09', '2019-12-12', '2020-10-02', '2020-12-06', '2021-08-06', undefined]) {
      const sas = accountSas(version === undefined ? {} : { version, permissions: version < '2020-08-04' ? 'rwdlac' : 'rwdlacupitfx' });
      expect(check(`/${ACCOUNT}?comp=list&${sas}`, 'l', 's'), version).toMatchObject({ ok: true, principal: { kind: 'sas', superuser: true } });
      expect(check(`/${ACCOUNT}/fs?restype=container&${sas}`, 'c', 'c').ok, version).toBe(true);
      expect(check(`/${ACCOUNT}/fs/dir%20a/f%C3%BC.txt?${sas}`, 'w', 'o').ok, version).toBe(true);
    }
    expect(check(`/${ACCOUNT}/fs/f?${accountSas({ encryptionScope: 'scope1' })}`, 'r', 'o').ok).toBe(true);
  });

  it('refuses a forged or wrong-key signature and a tampered query with 403 AuthenticationFailed', () => {
    const sas = accountSas({});
    const sig = new URLSearchParams(sas).get('sig') ?? '';
    const forged = sas.replace(encodeURIComponent(sig), encodeURIComponent((sig[0] === 'A' ? 'B' : 'A') + sig.slice(1)));
    expect(check(`/${ACCOUNT}/fs/f?${forged}`, 'r', 'o')).toMatchObject({ ok: false, status: 403, code: 'AuthenticationFailed' });
    expect(check(`/${ACCOUNT}/fs/f?${accountSas({ key: WRONG_KEY })}`, 'r', 'o')).toMatchObject({ status: 403, code: 'AuthenticationFailed' });
    const widened = accountSas({ permissions: 'r' }).replace('sp=r', 'sp=rwd');
    expect(check(`/${ACCOUNT}/fs/f?${widened}`, 'd', 'o')).toMatchObject({ status: 403, code: 'AuthenticationFailed' });
    const extended = accountSas({}).replace(/se=[^&]+/, `se=${encodeURIComponent(new Date(now + 9 * hour).toISOString().slice(0, 19) + 'Z')}`);
    expect(check(`/${ACCOUNT}/fs/f?${extended}`, 'r', 'o')).toMatchObject({ status: 403, code: 'AuthenticationFailed' });
    expect(check(`/otheraccount/fs/f?${accountSas({})}`, 'r', 'o')).toMatchObject({ status: 403, code: 'AuthenticationFailed' });
  });

  it('refuses an expired or not yet valid SAS', () => {
    const expired = accountSas({ startsOn: new Date(now - 3 * hour), expiresOn: new Date(now - hour) });
    expect(check(`/${ACCOUNT}/fs/f?${expired}`, 'r', 'o')).toMatchObject({ status: 403, code: 'AuthenticationFailed' });
    const future = accountSas({ startsOn: new Date(now + hour), expiresOn: new Date(now + 2 * hour) });
    expect(check(`/${ACCOUNT}/fs/f?${future}`, 'r', 'o')).toMatchObject({ status: 403, code: 'AuthenticationFailed' });
    expect(check(`/${ACCOUNT}/fs/f?${future}`, 'r', 'o', { nowMs: now + 1.5 * hour }).ok).toBe(true);
  });

  it('refuses missing permission, resource type, service and protocol with Azure error codes', () => {
    expect(check(`/${ACCOUNT}/fs/f?${accountSas({ permissions: 'rl' })}`, 'w', 'o')).toMatchObject({ status: 403, code: 'AuthorizationPermissionMismatch' });
    expect(check(`/${ACCOUNT}/fs/f?${accountSas({ resourceTypes: 'sc' })}`, 'r', 'o')).toMatchObject({ status: 403, code: 'AuthorizationResourceTypeMismatch' });
    expect(check(`/${ACCOUNT}/fs/f?${accountSas({ services: 'qf' })}`, 'r', 'o')).toMatchObject({ status: 403, code: 'AuthorizationServiceMismatch' });
    const httpsOnly = accountSas({ protocol: SASProtocol.Https });
    expect(check(`/${ACCOUNT}/fs/f?${httpsOnly}`, 'r', 'o')).toMatchObject({ status: 403, code: 'AuthorizationProtocolMismatch' });
    expect(check(`/${ACCOUNT}/fs/f?${httpsOnly}`, 'r', 'o', { secure: true }).ok).toBe(true);
  });
});

describe('service SAS', () => {
  const blobSas = (containerName: string, blobName: string | undefined, permissions: string, version?: string) =>
    generateBlobSASQueryParameters(
      {
        containerName,
        ...(blobName === undefined ? {} : { blobName }),
        permissions: blobName === undefined ? ContainerSASPermissions.parse(permissions) : BlobSASPermissions.parse(permissions),
        startsOn: new Date(now - hour),
        expiresOn: new Date(now + hour),
        ...(version === undefined ? {} : { version }),
      },
      cred,
    ).toString();

  it('accepts blob and container SAS for the resource they were signed for, per version', () => {
    for (const version of ['2015-04-05', '2018-11-09', '2020-02-10', '2020-12-06', undefined]) {
      expect(check(`/${ACCOUNT}/fs/dir/f%20%C3%BC.txt?${blobSas('fs', 'dir/f ü.txt', 'r', version)}`, 'r', 'o').ok, version).toBe(true);
      expect(check(`/${ACCOUNT}/fs/any/where?${blobSas('fs', undefined, 'rl', version)}`, 'r', 'o').ok, version).toBe(true);
      expect(check(`/${ACCOUNT}/fs?restype=container&comp=list&${blobSas('fs', undefined, 'rl', version)}`, 'l', 'c').ok, version).toBe(true);
    }
  });

  it('refuses a blob SAS used on another blob or filesystem, and missing permissions', () => {
    const sas = blobSas('fs', 'dir/a.txt', 'r');
    expect(check(`/${ACCOUNT}/fs/dir/b.txt?${sas}`, 'r', 'o')).toMatchObject({ status: 403, code: 'AuthenticationFailed' });
    expect(check(`/${ACCOUNT}/fs2/dir/a.txt?${sas}`, 'r', 'o')).toMatchObject({ status: 403, code: 'AuthenticationFailed' });
    expect(check(`/${ACCOUNT}/fs/dir/a.txt?${sas}`, 'w', 'o')).toMatchObject({ status: 403, code: 'AuthorizationPermissionMismatch' });
    expect(check(`/${ACCOUNT}?comp=list&${blobSas('fs', undefined, 'rl')}`, 'l', 's')).toMatchObject({ status: 403, code: 'AuthorizationResourceTypeMismatch' });
  });

  it('accepts DataLake file and directory SAS and enforces the directory scope', () => {
    const dlCred = new DataLakeCredential(ACCOUNT, KEY);
    const fileSas = generateDataLakeSASQueryParameters(
      { fileSystemName: 'fs', pathName: 'd1/d2/f.txt', permissions: DataLakeSASPermissions.parse('rw'), expiresOn: new Date(now + hour) },
      dlCred,
    ).toString();
    expect(check(`/${ACCOUNT}/fs/d1/d2/f.txt?${fileSas}`, 'w', 'o').ok).toBe(true);
    const dirSas = generateDataLakeSASQueryParameters(
      { fileSystemName: 'fs', pathName: 'd1/d2', isDirectory: true, directoryDepth: 2, permissions: DirectorySASPermissions.parse('racwdl'), expiresOn: new Date(now + hour) },
      dlCred,
    ).toString();
    expect(check(`/${ACCOUNT}/fs/d1/d2?${dirSas}`, 'r', 'o').ok).toBe(true);
    expect(check(`/${ACCOUNT}/fs/d1/d2/deeper/x.bin?${dirSas}`, 'w', 'o').ok).toBe(true);
    expect(check(`/${ACCOUNT}/fs?resource=filesystem&directory=d1%2Fd2&recursive=true&${dirSas}`, 'l', 'c').ok).toBe(true);
    expect(check(`/${ACCOUNT}/fs/d1/other/x.bin?${dirSas}`, 'r', 'o')).toMatchObject({ status: 403, code: 'AuthenticationFailed' });
    expect(check(`/${ACCOUNT}/fs/d1?${dirSas}`, 'r', 'o')).toMatchObject({ status: 403, code: 'AuthenticationFailed' });
  });

  it('refuses a stored access policy it cannot find, and account-key signatures passed off as user delegation SAS', () => {
    const withPolicy = generateBlobSASQueryParameters({ containerName: 'fs', identifier: 'policy1' }, cred).toString();
    const refused = check(`/${ACCOUNT}/fs/f?${withPolicy}`, 'r', 'o');
    expect(refused).toMatchObject({ status: 403, code: 'AuthenticationFailed' });
    expect(refused.ok ? '' : refused.message).toMatch(/stored access polic/i);
    const delegation = `${blobSas('fs', 'f', 'r')}&skoid=00000000-0000-0000-0000-000000000001&sktid=t&skt=2026-01-01T00%3A00%3A00Z&ske=2027-01-01T00%3A00%3A00Z&sks=b&skv=2021-08-06`;
    const udk = check(`/${ACCOUNT}/fs/f?${delegation}`, 'r', 'o');
    expect(udk).toMatchObject({ status: 403, code: 'AuthenticationFailed' });
    // A user delegation SAS is checked against the delegation key derived from its sk* fields, not the account key.
    expect(udk.ok ? '' : udk.message).toMatch(/signature did not match/i);
  });
});
