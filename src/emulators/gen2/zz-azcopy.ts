import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AccountSASPermissions, AccountSASResourceTypes, AccountSASServices, BlobServiceClient, generateAccountSASQueryParameters, SASProtocol, StorageSharedKeyCredential } from '@azure/storage-blob';
import { DEV_ACCOUNT, DEV_ACCOUNT_KEY, startGen2Emulator } from './index.js';

const work = mkdtempSync(join(tmpdir(), 'azc-'));
const src = join(work, 'src');
mkdirSync(join(src, 'sub/deeper'), { recursive: true });
for (let i = 0; i < 20; i++) writeFileSync(join(src, i % 2 ? 'sub' : 'sub/deeper', `f${i}.bin`), Buffer.alloc(65536, i));
writeFileSync(join(src, 'big.bin'), Buffer.alloc(20 * 1024 * 1024, 3));
const emu = await startGen2Emulator({ location: join(work, 'emu') });
const cred = new StorageSharedKeyCredential(DEV_ACCOUNT, DEV_ACCOUNT_KEY);
const svc = new BlobServiceClient(`${emu.url}/${DEV_ACCOUNT}`, cred);
const sas = generateAccountSASQueryParameters({ permissions: AccountSASPermissions.parse('rwdlacupitfx'), services: AccountSASServices.parse('b').toString(), resourceTypes: AccountSASResourceTypes.parse('sco').toString(), protocol: SASProtocol.HttpsAndHttp, expiresOn: new Date(Date.now() + 3600_000) }, cred).toString();
const bin = 'node_modules/@azure-tools/azcopy-linux/dist/bin/azcopy_linux_amd64';
try {
  for (const [cont, fromTo] of [['viablob', 'LocalBlob'], ['viadfs', 'LocalBlobFS']] as const) {
    await svc.getContainerClient(cont).create();
    const t = Date.now();
    try {
      const out = execFileSync(bin, ['copy', `${src}/*`, `${emu.url}/${DEV_ACCOUNT}/${cont}?${sas}`, '--recursive', '--from-to', fromTo, '--output-type', 'text'], { env: { ...process.env, AZCOPY_LOG_LOCATION: join(work, 'log'), AZCOPY_JOB_PLAN_LOCATION: join(work, 'plan') }, encoding: 'utf8' });
      console.log(fromTo, 'ok', Date.now() - t, 'ms', out.split('\n').filter((l) => /Completed|Failed|Final/.test(l)).join(' | '));
    } catch (e) {
      console.log(fromTo, 'FAILED', (e as { stdout?: string }).stdout?.slice(-2000));
      console.log(execFileSync('bash', ['-c', `grep -h -i -E "error|fail|status" ${join(work, 'log')}/*.log | head -30`], { encoding: 'utf8' }));
    }
    let n = 0;
    for await (const b of svc.getContainerClient(cont).listBlobsFlat()) { n++; if (b.name === 'big.bin') console.log(' big size', b.properties.contentLength); }
    console.log(' entries', n);
  }
} finally {
  await emu.close();
  rmSync(work, { recursive: true, force: true });
}
